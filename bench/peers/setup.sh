#!/usr/bin/env bash
# Makes .venv-peers, the environment of the peers that cannot share .venv (mosaicml-streaming
# with torch 2.14.1 + torchvision 0.29.1; ROOT's RDataLoader from `pip install ROOT`). Several
# GB; only `make bench-peers` calls it, never `make setup` or CI. Idempotent: a stamp holds the
# hash of the pins.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=bench/peers/requirements-peers.txt
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x .venv-peers/bin/python ] && [ "$(cat .venv-peers/.pins 2>/dev/null)" = "$want" ]; then
  exit 0
fi
[ -x .venv-peers/bin/python ] || "${PYTHON:-python3}" -m venv .venv-peers
echo "bench-peers: installing $req into .venv-peers (first time: several GB, minutes)"
start=$(date +%s)
.venv-peers/bin/python -m pip install -q --disable-pip-version-check -r "$req" 2>&1 |
  { grep -v 'is neither a file nor a directory' || true; }
echo "$want" > .venv-peers/.pins
echo "bench-peers: .venv-peers ready in $(( $(date +%s) - start )) s"
