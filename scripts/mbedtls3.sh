#!/usr/bin/env bash
# Builds the library against an mbedTLS 3.x source tree (3.6 LTS) and runs
# the suites of every mbedTLS user (crypto.c, x509.c) and their callers:
#   scripts/mbedtls3.sh MBEDTLS_SOURCE_DIR
# Debian bookworm ships 2.28 only, so CI cannot fetch 3.6; this is how the
# compat layer (lib/mbedtls_compat.h) is checked by hand. Needs the test PKI
# of a normal build (build/tests/pki: run `ninja -C build` first).
set -euo pipefail
src=$(cd "${1:?usage: scripts/mbedtls3.sh MBEDTLS_SOURCE_DIR}" && pwd)
cd "$(dirname "$0")/.."
root=$PWD
pki=${ZT_PKI:-$root/build/tests/pki}
[ -f "$pki/valid_ec.pem" ] || { echo "no test PKI in $pki" >&2; exit 2; }
make -C "$src/library" -j"$(nproc)" libmbedcrypto.a libmbedx509.a >/dev/null
grep -m1 'define MBEDTLS_VERSION_STRING ' "$src/include/mbedtls/build_info.h"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cflags=(-std=c11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -DZT_BUILDING
        -DZT_HAVE_SODIUM=1 -I"$src/include" -Iinclude -Ilib -Itests/support)
objs=()
for f in lib/*.c tests/support/*.c; do
  o=$out/$(basename "$f" .c).o
  gcc "${cflags[@]}" -c "$f" -o "$o"
  objs+=("$o")
done
export ZT_PKI=$pki ZT_PKI_CASES=$root/tests/pki/cases.json
export ZT_VECTORS=$root/../shared/vectors ZT_SOURCE_ROOT=$root
status=0
for t in crypto keyset svid bundle idcache identity; do
  gcc "${cflags[@]}" tests/unit/test_$t.c "${objs[@]}" \
    "$src/library/libmbedx509.a" "$src/library/libmbedcrypto.a" \
    -lcmocka -lyaml -lsodium -lpthread -lm -o "$out/test_$t"
  if "$out/test_$t" >"$out/$t.log" 2>&1; then
    echo "test_$t: passed"
  else
    echo "test_$t: FAILED"; tail -20 "$out/$t.log"; status=1
  fi
done
exit $status
