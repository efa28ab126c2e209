#!/usr/bin/env bash
# Proves that the module installs as a user's `go install
# github.com/hatch-backup/hatch-backup/cmd/hatch-backup@VERSION` would get
# it: the committed HEAD is packed as version v0.0.1-ci into a file-based
# module proxy (the example module under examples/wrap-change is a module
# of its own and left out, as the Go tools leave it out), its dependencies
# are served from the local module cache, and the installed binary's
# `version` must name that version.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=github.com/hatch-backup/hatch-backup
ver=v0.0.1-ci
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

# The dependencies first: `go mod download` fills the module cache, whose
# cache/download folder is itself a file-based proxy, and checks each
# module against go.sum as it does. The checksum database is off for the
# install below: this machine may reach no checksum server, and every
# module it installs comes from a cache that go.sum has checked or from
# HEAD itself.
go mod download
cache=$(go env GOMODCACHE)/cache/download
dir="$work/proxy/$mod/@v"
mkdir -p "$dir"
echo "$ver" >"$dir/list"
printf '{"Version":"%s","Time":"%s"}\n' "$ver" "$(git log -1 --format=%cI HEAD)" >"$dir/$ver.info"
git show HEAD:go.mod >"$dir/$ver.mod"
git archive --format=zip --prefix="$mod@$ver/" -o "$dir/$ver.zip" HEAD -- . ':(exclude)examples/wrap-change'

GOBIN="$work/bin" GOPATH="$work/gopath" GOMODCACHE="$work/modcache" \
  GOPROXY="file://$work/proxy,file://$cache" \
  GOSUMDB=off GOFLAGS=-mod=mod \
  go install -tags urfave_cli_no_docs "$mod/cmd/hatch-backup@$ver"
out=$("$work/bin/hatch-backup" version)
echo "$out"
grep -q "^hatch-backup $ver" <<<"$out" || { echo "installed binary does not say $ver"; exit 1; }
