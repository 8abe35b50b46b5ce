#!/usr/bin/env bash
# scripts/bench_nginx.sh [--quick | --ir] [MODULE_SO]
#
# Requests/s of the distro nginx with ngx_http_ztauth_module against the
# same nginx with `ztauth off`, measured with wrk on loopback (2 threads, 64
# connections, keep-alive). Each row pairs a server with ztauth on and one
# with ztauth off that differ in nothing else; each run measures off, on,
# on, off and the ratio is the median of the runs' ratios. On a shared or
# virtual machine single measurements spread by 10% and more: use the
# default (not --quick) for figures; the first row ("off vs off") shows how
# precise the method is on the machine.
#
#   authz only        plaintext; PERMISSIVE; three ALLOW rules and a DENY
#   authz + JWT       Istio's sample token on every request (RS256; the
#                     verified token comes from the token cache after the
#                     first request); RequestAuthentication and require-jwt
#   mTLS              a client certificate (productpage) on connections
#                     that stay open; STRICT; ALLOW on the principal
#
# wrk cannot present a client certificate, so the mTLS row puts an nginx
# proxy in front (same nginx, same worker): wrk -> plaintext :28185 ->
# `proxy_pass https://` with `proxy_ssl_certificate` over a keep-alive
# upstream pool -> the TLS server under test (:28183 on, :28184 off, both
# `ssl_verify_client optional_no_ca`, so the handshakes are the same). The
# front proxy's work is in both runs, so that row's ratio understates the
# module's share; the per-request difference in microseconds (CPU time of
# one worker) is printed for every row and is the fairer figure there.
#
# Served content: a 3-byte static file (a `return` would skip the access
# phase). worker_processes 1, access_log off, keepalive_requests 1000000.
# With two CPUs or more the worker runs on the first and wrk on the others
# (worker_cpu_affinity, taskset): unpinned, the scheduler moves the three
# busy threads around two cores and runs spread by 10% and more.
# Default: 15 runs of 4 x 1 s per row (about 5 minutes in all): many short
# runs let the median drop the few a change of the machine's pace spoils,
# where long runs straddle it. --quick: 3 runs. RUNS=N sets the number of
# runs, DURATION=S the seconds of one measurement.
# Ports 28180-28186.
#
# --ir runs the same nginx, one process, under callgrind and counts its
# instructions per request (user space: the kernel's share of a request
# is not in it) over 1000 requests per server on one connection: exact and
# repeatable where wall time is not, it shows what the module itself adds.
# MODULE_SO defaults to build*/examples/nginx/ngx_http_ztauth_module.so;
# NGINX_BIN=path overrides /usr/sbin/nginx.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-1}
runs=${RUNS:-15}
mode=wrk
if [ "${1:-}" = --quick ]; then
  runs=${RUNS:-3}
  shift
elif [ "${1:-}" = --ir ]; then
  mode=ir
  shift
fi
module=${1:-}
if [ -z "$module" ]; then
  for f in "$root"/build*/examples/nginx/ngx_http_ztauth_module.so; do
    if [ -f "$f" ] && { [ -z "$module" ] || [ "$f" -nt "$module" ]; }; then
      module=$f
    fi
  done
fi
nginx=${NGINX_BIN:-/usr/sbin/nginx}
tools=(wrk curl openssl "$nginx")
if [ "$mode" = ir ]; then
  tools=(valgrind callgrind_control curl openssl "$nginx")
fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || {
    echo "bench_nginx.sh: $tool not found (apt-get install wrk curl openssl nginx)" >&2
    exit 2
  }
done
if [ -z "$module" ] || [ ! -f "$module" ]; then
  echo "bench_nginx.sh: no module (build with meson -Dnginx=enabled, or pass MODULE_SO)" >&2
  exit 2
fi
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")
affinity=
client=()
if [ "$mode" = ir ]; then
  # one process under callgrind: the worker's instructions, exactly
  affinity="master_process off; daemon off;"
elif [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  affinity="worker_cpu_affinity 1;"
  client=(taskset -c "1-$(($(nproc) - 1))")
fi
ex=$root/examples/bookinfo

# shellcheck source=tests/nginx/pki.sh
. "$root/tests/nginx/pki.sh"

for port in $(seq 28180 28186); do
  if (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "bench_nginx.sh: 127.0.0.1:$port is in use (another run?)" >&2
    exit 2
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/ztauth-bench.XXXXXX")
pidfile=$dir/nginx.pid
stop_nginx() {
  local pid
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  kill -QUIT "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop_nginx
  rm -rf "$dir"
}
trap cleanup EXIT
# Ctrl-C or kill: leave through the EXIT trap (nginx stopped, files removed).
trap "exit 130" INT TERM HUP
chmod 755 "$dir"
mkdir -p "$dir/tmp" "$dir/www" "$dir/policies"
printf 'ok\n' >"$dir/www/index.html"
nginx_pki "$dir/pki"

cp "$ex/authn/request-authentication.yaml" "$ex/authz/require-jwt.yaml" "$dir/policies/"
cat >"$dir/policies/bench.yaml" <<'EOF'
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: bench
spec:
  mtls:
    mode: PERMISSIVE
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-reads
  namespace: bench
spec:
  selector:
    matchLabels:
      app: web
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: ["GET", "HEAD"]
        paths: ["/", "/index.html", "/static/*"]
  - from:
    - source:
        namespaces: ["frontend"]
  - from:
    - source:
        ipBlocks: ["10.0.0.0/8"]
    to:
    - operation:
        methods: ["POST"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-admin
  namespace: bench
spec:
  selector:
    matchLabels:
      app: web
  action: DENY
  rules:
  - to:
    - operation:
        paths: ["/admin", "/admin/*"]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: secure
spec:
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-productpage
  namespace: secure
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/bookinfo-productpage"]
EOF

user=
if [ "$(id -u)" = 0 ]; then
  user="user root;"
fi
# server PORT ON|OFF WORKLOAD [ssl]
server() {
  local ssl=
  if [ "${4:-}" = ssl ]; then
    ssl=" ssl"
  fi
  cat <<EOF
    server {
        listen 127.0.0.1:$1$ssl;
        ssl_certificate $dir/pki/server.pem;
        ssl_certificate_key $dir/pki/server.key;
        ssl_verify_client optional_no_ca;
        ztauth $2;
        ztauth_workload $3;
        location / { root $dir/www; }
    }
EOF
}
# front PORT UPSTREAM: plaintext in, mTLS as productpage out.
front() {
  cat <<EOF
    upstream up$2 {
        server 127.0.0.1:$2;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$1;
        ztauth off;
        location / {
            proxy_pass https://up$2;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_ssl_certificate $dir/pki/productpage.pem;
            proxy_ssl_certificate_key $dir/pki/productpage.key;
            proxy_ssl_session_reuse on;
        }
    }
EOF
}
cat >"$dir/nginx.conf" <<EOF
$user
load_module $module;
worker_processes 1;
$affinity
pid $pidfile;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    default_type text/plain;
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    ztauth_mesh $ex/mesh.yaml;
    ztauth_policy $dir/policies;
    ztauth_trust_bundle cluster.local $dir/pki/root.pem;
$(server 28180 off "namespace=bench label=app=web")
$(server 28181 on "namespace=bench label=app=web")
$(server 28182 on "namespace=default label=app=details port=9080")
$(server 28183 on "namespace=secure label=app=api" ssl)
$(server 28184 off "namespace=secure label=app=api" ssl)
$(front 28185 28183)
$(front 28186 28184)
}
EOF

if [ "$mode" = ir ]; then
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
    "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" >"$dir/start.err" 2>&1 &
elif ! "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/start.err"; then
  cat "$dir/start.err" >&2
  exit 1
fi
for _ in $(seq 300); do
  curl -s -o /dev/null --max-time 1 http://127.0.0.1:28180/ && break
  sleep 0.1
done

token=$(grep -o 'Bearer eyJ[A-Za-z0-9._-]*' "$ex/jwt-requests.json" | head -n 1)

# Every server must answer 200 before it is measured (a denial is cheaper).
for check in "28180" "28181" "28182 $token" "28185" "28186"; do
  port=${check%% *}
  hdr=()
  if [ "$check" != "$port" ]; then
    hdr=(-H "Authorization: ${check#* }")
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' "${hdr[@]}" "http://127.0.0.1:$port/") || true
  if [ "$code" != 200 ]; then
    echo "bench_nginx.sh: 127.0.0.1:$port answers $code, not 200" >&2
    tail -n 5 "$dir/error.log" >&2
    exit 1
  fi
done

# ir_of PORT [HEADER]: instructions per request of the process under
# callgrind, over 1000 requests on one keep-alive connection.
ir_of() {
  local pid n=1000 urls=() hdr=() dump=()
  pid=$(cat "$pidfile")
  if [ $# -gt 1 ]; then
    hdr=(-H "$2")
  fi
  for _ in $(seq $n); do
    urls+=(-o /dev/null "http://127.0.0.1:$1/")
  done
  curl -s "${hdr[@]}" "${urls[@]:0:6}"
  rm -f "$dir"/cg.out.*
  callgrind_control -z "$pid" >/dev/null 2>&1
  curl -s "${hdr[@]}" "${urls[@]}"
  callgrind_control -d "$pid" >/dev/null 2>&1
  dump=("$dir"/cg.out.*)
  awk -v n=$n '/^totals:/ { printf "%.0f\n", $2 / n }' "${dump[0]}"
}
if [ "$mode" = ir ]; then
  printf 'nginx %s, %s, under callgrind: instructions per request (1000 requests)\n' \
    "$("$nginx" -v 2>&1 | sed 's|.*/||')" "$(basename "$module")"
  printf '%-16s %10s %10s %10s\n' row "off Ir" "on Ir" "ztauth Ir"
  ir_row() {
    local name=$1 a b
    a=$(ir_of "$2" "${@:4}")
    b=$(ir_of "$3" "${@:4}")
    awk -v n="$name" -v a="$a" -v b="$b" 'BEGIN {
      printf "%-16s %10d %10d %+10d\n", n, a, b, b - a }'
  }
  ir_row "authz only" 28180 28181
  ir_row "authz + JWT" 28180 28182 "Authorization: $token"
  ir_row "mTLS (proxied)" 28186 28185
  echo "Ir: user-space instructions per request; the kernel's work (most of a request) is not counted"
  exit 0
fi

# worker_cpu: CPU time (user + system, clock ticks) of the worker so far.
worker_cpu() {
  local worker
  worker=$(pgrep -P "$(cat "$pidfile")" | head -n 1)
  awk '{ print $14 + $15 }' "/proc/$worker/stat"
}
hz=$(getconf CLK_TCK)

# rps PORT [HEADER]: one wrk run; prints requests/s and the worker's CPU
# microseconds per request (fails on errors).
rps() {
  local out c0 c1
  c0=$(worker_cpu)
  if [ $# -gt 1 ]; then
    out=$("${client[@]}" wrk -t2 -c64 -d"${duration}s" -H "$2" "http://127.0.0.1:$1/")
  else
    out=$("${client[@]}" wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$1/")
  fi
  c1=$(worker_cpu)
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "bench_nginx.sh: errors on :$1:" >&2
    echo "$out" >&2
    return 1
  fi
  awk -v c="$((c1 - c0))" -v hz="$hz" '
    /^Requests\/sec:/ { r = $2 }
    / requests in / { n = $1 }
    END { printf "%s %.3f\n", r, c / hz * 1e6 / n }' <<<"$out"
}
median() {
  sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

printf 'nginx %s, %s, wrk -t2 -c64 -d%ss, median of %s%s\n' \
  "$("$nginx" -v 2>&1 | sed 's|.*/||')" "$(basename "$module")" "$duration" "$runs" \
  "${affinity:+, worker on CPU 0, wrk on the others}"
printf '%-16s %12s %12s %7s %11s %15s\n' row "off req/s" "on req/s" ratio "us/request" "worker CPU us"
# row NAME OFF_PORT ON_PORT [HEADER]: each run is off, on, on, off, so that
# a drift of the machine during the run cancels out; its ratio is
# (on + on) / (off + off), the row's ratio the median of its runs', the
# other columns medians of single measurements.
row() {
  local name=$1 off=$2 on=$3 a b r ca cb
  shift 3
  : >"$dir/off"
  : >"$dir/on"
  : >"$dir/ratio"
  # A short warm-up of both (connections, caches).
  duration=1 rps "$off" "$@" >/dev/null
  duration=1 rps "$on" "$@" >/dev/null
  for _ in $(seq "$runs"); do
    rps "$off" "$@" >>"$dir/off"
    rps "$on" "$@" >>"$dir/on"
    rps "$on" "$@" >>"$dir/on"
    rps "$off" "$@" >>"$dir/off"
    paste -d ' ' <(tail -n 2 "$dir/off") <(tail -n 2 "$dir/on") |
      awk '{ a += $1; b += $3 } END { print b / a }' >>"$dir/ratio"
  done
  a=$(cut -d ' ' -f 1 "$dir/off" | median)
  b=$(cut -d ' ' -f 1 "$dir/on" | median)
  ca=$(cut -d ' ' -f 2 "$dir/off" | median)
  cb=$(cut -d ' ' -f 2 "$dir/on" | median)
  r=$(median <"$dir/ratio")
  awk -v n="$name" -v a="$a" -v b="$b" -v r="$r" -v ca="$ca" -v cb="$cb" 'BEGIN {
    printf "%-16s %12.0f %12.0f %6.3fx %+11.2f %6.2f -> %6.2f\n", n, a, b, r, 1e6 / b - 1e6 / a, ca, cb }'
}
# The same server as "off" and "on": the ratio the method gives when there
# is no difference, i.e. its precision on this machine.
row "off vs off" 28180 28180
row "authz only" 28180 28181
row "authz + JWT" 28180 28182 "Authorization: $token"
row "mTLS (proxied)" 28186 28185
echo "goal: ratio >= 0.95x; us/request: extra time per request with ztauth on (one worker);"
echo "worker CPU us: the worker's CPU time per request, ztauth off -> on (medians)"
