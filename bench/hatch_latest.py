"""The Python side of the bench's comparison: find a host's latest backup
the way the Python Hatch backup manager does (per the seed description in
docs: scan the host folder, build a pydantic BackupInfo for each file,
sort by timestamp, newest first). Python Hatch itself cannot be installed
here; this follows its documented models and algorithm.

usage: python3 hatch_latest.py ROOT HOST
"""
import sys
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field


class BackupInfo(BaseModel):
    hostname: str = Field(..., pattern=r"^(claude-desktop|claude-code|vscode|cursor|lmstudio|gemini|mistral-vibe)$")
    timestamp: datetime
    file_path: Path
    file_size: int = Field(..., ge=0)
    original_config_path: Path


def list_backups(root: Path, hostname: str):
    host_dir = root / hostname
    if not host_dir.exists():
        return []
    backups = []
    for f in host_dir.glob(f"mcp.json.{hostname}.*"):
        try:
            ts = datetime.strptime(f.name.split(".")[-1], "%Y%m%d_%H%M%S_%f")
            backups.append(BackupInfo(hostname=hostname, timestamp=ts, file_path=f,
                                      file_size=f.stat().st_size, original_config_path=Path("unknown")))
        except (ValueError, OSError):
            continue
    backups.sort(key=lambda b: b.timestamp, reverse=True)
    return backups


if __name__ == "__main__":
    found = list_backups(Path(sys.argv[1]), sys.argv[2])
    print(found[0].file_path if found else "")
