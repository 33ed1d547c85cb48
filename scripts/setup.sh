#!/usr/bin/env bash
# Installs what rootfeed builds and tests with, idempotently: Debian packages (apt-get, as root)
# and the pinned npm packages used by the independent-reader tests.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev make
      libdeflate-dev libzstd-dev liblz4-dev liblzma-dev libxxhash-dev zlib1g-dev libcurl4-openssl-dev
      python3 python3-numpy python3-pytest)
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
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
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Independent reader for the writer tests, pinned.
if [ ! -f tests/js/node_modules/jsroot/package.json ] ||
   ! grep -q '"version": "7.11.2"' tests/js/node_modules/jsroot/package.json; then
  (cd tests/js && npm install --ignore-scripts --no-audit --no-fund jsroot@7.11.2 >/dev/null)
fi
