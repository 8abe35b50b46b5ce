#!/usr/bin/env bash
# Builds ngx_http_ztauth_module.so against the distro's nginx (nginx-dev):
# copies /usr/share/nginx/src so system directories stay untouched,
# configures it with the distro's own flags (binary compatibility needs
# --with-compat and the same version) and builds the modules only.
# Usage: build.sh MODULE_DIR WORK_DIR LIBZTAUTH_A OUTPUT_SO [EXTRA_LIBS...]
set -euo pipefail
mod=$(cd "$1" && pwd)
work=$(mkdir -p "$2" && cd "$2" && pwd)
lib=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
out=$(cd "$(dirname "$4")" && pwd)/$(basename "$4")
shift 4
extra=${*:-"-lyaml -lmbedx509 -lmbedcrypto -lsodium -lpthread"}
src=${NGINX_SRC:-/usr/share/nginx/src}

rm -rf "$work/nginx-src" "$work/objs"
cp -a "$src" "$work/nginx-src"
cd "$work/nginx-src"
# shellcheck disable=SC1091
. ./conf_flags
export ZTAUTH_LIBS="$lib $extra"
cflags="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)"
ldflags="$(dpkg-buildflags --get LDFLAGS) -fPIC"
if ! ./configure --with-cc-opt="$cflags" --with-ld-opt="$ldflags" \
    "${NGX_CONF_FLAGS[@]}" --add-dynamic-module="$mod" \
    --builddir="$work/objs" >"$work/configure.log" 2>&1; then
  tail -30 "$work/configure.log" >&2
  exit 1
fi
make -f "$work/objs/Makefile" modules >"$work/make.log" 2>&1 || {
  tail -40 "$work/make.log" >&2
  exit 1
}
# A new file, renamed into place: an nginx running the old module keeps
# its mapping intact.
cp "$work/objs/ngx_http_ztauth_module.so" "$out.tmp"
mv -f "$out.tmp" "$out"
