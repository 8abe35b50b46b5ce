#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then
# builds and runs every test plain, under valgrind, and under
# AddressSanitizer + UndefinedBehaviorSanitizer, replays and briefly runs
# each libFuzzer target, and ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/deps.sh test || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
logs=()
status=0

setup() { # dir, meson options...
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
  else
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
  fi || { cat "$dir.setup.log"; return 1; }
  ninja -C "$dir" -j "$jobs" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
}

# A build that fails counts as a failed run in the summary: its results
# file is missing, which summary.py reports as "no results" and 1 failed.
build_failed() { # label, dir
  echo "$1 build failed"
  logs+=("$1=$2/no-results-build-failed")
  status=1
}

run() { # label, dir, meson test options...
  local label=$1 dir=$2; shift 2
  echo "== $label"
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "$@" | tail -n 12
  logs+=("$label=$dir/meson-logs/testlog${SETUP_SUFFIX:-}.json")
}

# The plain build also builds the NGINX module (its suite runs real
# nginx); the sanitizer builds leave it out: nginx itself is not
# instrumented, so a sanitized module could not be loaded.
if setup build -Dtests=enabled -Dnginx=enabled; then
  run plain build
  # Under the valgrind setup the nginx suite would only watch its shell
  # script: it runs again with nginx itself under memcheck instead.
  SETUP_SUFFIX=-valgrind run valgrind build --setup valgrind --no-suite slow \
    --no-suite nginx
  ZT_NGINX_VALGRIND=1 SETUP_SUFFIX=-valgrind-nginx run "valgrind nginx" build \
    --suite nginx --logbase testlog-valgrind-nginx
else
  build_failed plain build
fi
if CC=gcc setup build-asan -Dtests=enabled -Dnginx=disabled -Db_sanitize=address,undefined \
    -Dc_args=-fno-sanitize-recover=all; then
  # The nginx suite needs the module, which sanitized builds leave out.
  run asan+ubsan build-asan --no-suite nginx
else
  build_failed asan+ubsan build-asan
fi
# ThreadSanitizer over the suites that run threads (snapshot swaps, the
# token and identity caches, key sets and trust bundles shared by deciding
# threads).
if CC=clang setup build-tsan -Dtests=enabled -Dnginx=disabled -Db_sanitize=thread \
    -Db_lundef=false; then
  run tsan build-tsan engine jwtcache reqauthn keyset svid idcache identity
else
  build_failed tsan build-tsan
fi
fuzz_results=build-fuzz/fuzz-results.txt
if CC=clang setup build-fuzz -Dtests=enabled -Dnginx=disabled -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fno-sanitize-recover=all; then
  echo "== libFuzzer (short runs)"
  scripts/fuzz.sh build-fuzz 20 >"$fuzz_results" 2>&1 || true
  cat "$fuzz_results"
  logs+=("fuzz=$fuzz_results")
else
  build_failed fuzz build-fuzz
fi
python3 scripts/summary.py "${logs[@]}" || status=1
exit $status
