#!/usr/bin/env bash
# Whole-process benchmarks of hatch-backup: one table of median wall time,
# peak RSS and the ratio to a baseline measured in the same run. In-process
# numbers: go test -bench . ./store/ ./index/ ./blob/
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench "$@"
