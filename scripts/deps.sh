#!/usr/bin/env bash
# Installs the Debian packages ztauth needs that are missing (idempotent,
# quiet). Usage: scripts/deps.sh build|test
set -euo pipefail
need=(gcc g++ make meson ninja-build pkgconf python3
      libyaml-dev libmbedtls-dev libjsmn-dev libsodium-dev)
if [ "${1:-build}" = test ]; then
  need+=(libcmocka-dev clang libclang-rt-14-dev valgrind openssl
        nginx nginx-dev wrk curl)
fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ztauth: missing packages: ${missing[*]} (run as root to install)" >&2
  exit 1
fi
echo "ztauth: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
