#!/usr/bin/env bash
# Installs what rootfeed builds and tests with, idempotently, on a fresh Debian 12 machine:
#   1. Debian packages (apt-get, as root): compiler, Meson/Ninja, the -dev libraries of the
#      codecs, clang for the fuzzers, libcurl and the XRootD client for remote files, and the
#      servers the remote-read tests start on loopback (nginx, xrootd, openssl for HTTPS);
#   2. .venv: a virtual environment made with the python3 on PATH and pip (pip finds the
#      torch CPU wheel the machines carry in /opt/wheels; uv and poetry would not), holding the
#      exact pins of python/requirements.txt and python/constraints.txt.
# A stamp in .venv records the hash of both files: a rerun with unchanged pins does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(ninja-build pkg-config gcc g++ clang libclang-rt-14-dev make
      libdeflate-dev libzstd-dev liblz4-dev liblzma-dev libxxhash-dev zlib1g-dev libcurl4-openssl-dev
      libxrootd-client-dev xrootd-client xrootd-server nginx openssl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Python environment.
python=${PYTHON:-python3}
req=python/requirements.txt
con=python/constraints.txt
want=$(cat "$req" "$con" | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.rootfeed-pins 2>/dev/null)" != "$want" ]; then
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  echo "setup: installing the pinned Python packages into .venv (first time: a few minutes)"
  start=$(date +%s)
  # (pip warns about every package missing from the machine's local indexes: not useful)
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req" -c "$con" 2>&1 |
    { grep -v 'is neither a file nor a directory' || true; }
  echo "$want" > .venv/.rootfeed-pins
  echo "setup: .venv ready in $(( $(date +%s) - start )) s"
fi
