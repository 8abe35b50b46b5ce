#!/usr/bin/env bash
# tests/nginx/run.sh MODULE_SO [SOURCE_ROOT]
# tests/nginx/run.sh --skip REASON
#
# The NGINX module end to end: the distro nginx loads MODULE_SO, curl is
# the client, a PKI with keys is made in a temporary directory, and every
# case prints one TAP line. Run by meson (suite nginx); by hand:
#   tests/nginx/run.sh build/examples/nginx/ngx_http_ztauth_module.so
#
# Listeners (127.0.0.1 only):
#   28080  details, plaintext   (workload default/app=details, port 9080)
#   28081  details, TLS         (ssl_verify_client optional_no_ca)
#   28082  legacy, plaintext    (workload legacy/app=legacy: PERMISSIVE,
#                                a DENY on a path, ipBlocks, remoteIpBlocks,
#                                a jwksUri served by ztauth_jwks)
#   28083  live, plaintext      (workload live/app=live: reload under load)
#   28084  (nginx -t only) ztauth under satisfy any, refused
#   28085  legacy, static files (internal redirects: index)
#   28086  shop, plaintext      (CUSTOM policies; ztauth_ext_authz)
#   28090  the backend: echoes what the proxy sent it (ztauth off)
#   28091  the ext_authz provider of shop (ztauth off; 28093 stays closed)
# `return` runs in the rewrite phase, before the access phase, so every
# protected location proxies to the backend.
#
# Skipped (1..0 # SKIP) only when MODULE_SO, nginx, curl or openssl is
# missing. NGINX_BIN=path overrides /usr/sbin/nginx (not NGINX: nginx reads
# that variable itself, as the sockets an old master hands over).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=${2:-$(cd "$here/../.." && pwd)}
module=${1:-}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
ex=$root/examples/bookinfo

skip_all() {
  echo "1..0 # SKIP $*"
  exit 0
}
# meson passes --skip REASON when it did not build the module.
if [ "$module" = --skip ]; then
  skip_all "${2:-the module was not built}"
fi
[ -n "$module" ] || skip_all "no module given (usage: run.sh MODULE_SO)"
[ -f "$module" ] || skip_all "$module not built (build with -Dnginx=enabled; needs nginx-dev)"
[ -x "$nginx" ] || skip_all "$nginx not installed (apt-get install nginx nginx-dev)"
command -v curl >/dev/null || skip_all "curl not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")

# shellcheck source=tests/nginx/pki.sh
. "$here/pki.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/ztauth-nginx.XXXXXX")
load_pids=()
cleanup() {
  local p
  for p in "${load_pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  stop_nginx
  rm -rf "$dir"
}
trap cleanup EXIT
# meson sends SIGTERM on a timeout: leave through the EXIT trap.
trap "exit 130" INT TERM HUP
chmod 755 "$dir"

# ZT_NGINX_VALGRIND=1: nginx runs under valgrind's memcheck, so that the
# module's memory errors (which are nginx's) are found, and a last case
# checks that there were none. Leaks are not looked for: nginx leaves
# memory to the exit of its processes.
vg_dir=
if [ "${ZT_NGINX_VALGRIND:-}" = 1 ]; then
  command -v valgrind >/dev/null || skip_all "valgrind not installed"
  vg_dir=$dir/valgrind
  mkdir -p "$vg_dir"
  cat >"$dir/nginx-valgrind" <<EOF
#!/bin/sh
exec valgrind --quiet --leak-check=no --log-file=$vg_dir/nginx.%p.log $nginx "\$@"
EOF
  chmod 755 "$dir/nginx-valgrind"
  nginx=$dir/nginx-valgrind
fi

n=0
failed=0
ok() {
  n=$((n + 1))
  echo "ok $n - $*"
}
not_ok() {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  local line
  for line in "$@"; do
    echo "#   $line"
  done
}
diag() {
  local f
  for f in "$@"; do
    [ -s "$f" ] && sed 's/^/#   | /' "$f" | tail -n 15
  done
  return 0
}

# ---- nginx -------------------------------------------------------------------

pidfile=$dir/nginx.pid

nginx_pid() {
  [ -s "$pidfile" ] && cat "$pidfile"
}

# stop_nginx: graceful quit of the master this script started, then wait.
stop_nginx() {
  local pid i
  pid=$(nginx_pid) || return 0
  kill -QUIT "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  sleep 0.5
  kill -KILL "$pid" 2>/dev/null || true
}

# start_nginx CONF: starts the master on CONF and waits until it listens.
start_nginx() {
  stop_nginx
  rm -f "$pidfile"
  if ! "$nginx" -e "$dir/error.log" -p "$dir" -c "$1" >"$dir/start.out" 2>&1; then
    return 1
  fi
  local i
  for i in $(seq 300); do
    if curl -s -o /dev/null --max-time 1 http://127.0.0.1:28090/ready; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# write_conf FILE BODY: a whole nginx.conf, the http block holding BODY
# (policy directives and servers) plus the shared backend.
write_conf() {
  local user=
  if [ "$(id -u)" = 0 ]; then
    user="user root;"
  fi
  cat >"$1" <<EOF
$user
load_module $module;
worker_processes 2;
pid $pidfile;
error_log $dir/error.log info;
events { worker_connections 1024; }
http {
    default_type text/plain;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    log_format zt '\$server_port \$status decision=\$ztauth_decision reason=\$ztauth_reason '
                  'policy=\$ztauth_policy principal=\$ztauth_principal '
                  'rp=\$ztauth_request_principal uri=\$request_uri';
    access_log $dir/access.log zt;

    # The backend: what the proxy forwarded (after ztauth's header changes).
    server {
        listen 127.0.0.1:28090;
        ztauth off;
        access_log off;
        location / {
            return 200 "backend uri=\$request_uri authorization=[\$http_authorization] payload=[\$http_x_jwt_payload]\n";
        }
    }
$2
}
EOF
}

# A protected server: listen lines, workload line, then one proxying location.
server_block() { # server_block WORKLOAD_ARGS LISTEN...
  local wl=$1 l
  shift
  echo "    server {"
  for l in "$@"; do
    echo "        listen $l;"
  done
  cat <<EOF
        ssl_certificate $dir/pki/server.pem;
        ssl_certificate_key $dir/pki/server.key;
        ssl_verify_client optional_no_ca;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:ztauth:1m;
        ztauth on;
        ztauth_workload $wl;
        ztauth_trusted_proxies 1;
        location / {
            proxy_pass http://127.0.0.1:28090;
        }
    }
EOF
}

# ---- requests ----------------------------------------------------------------

# req ARGS...: one curl request; sets code (HTTP status, 000 for none), rc
# (curl's exit status), and leaves the headers and body in $dir/h, $dir/b.
req() {
  rc=0
  log_lines=$(log_count)
  code=$(curl -sS --max-time 5 -o "$dir/b" -D "$dir/h" -w '%{http_code}' \
    --cacert "$dir/pki/root.pem" "$@" 2>"$dir/curl.err") || rc=$?
}
log_count() {
  if [ -f "$dir/access.log" ]; then
    wc -l <"$dir/access.log"
  else
    echo 0
  fi
}
# last_log: the access log line of the last request. nginx writes it after
# the response has gone out, so wait (up to 2 s) for it to appear.
last_log() {
  local i
  for i in $(seq 20); do
    [ "$(log_count)" -gt "${log_lines:-0}" ] && break
    sleep 0.1
  done
  tail -n 1 "$dir/access.log" 2>/dev/null || true
}

# expect DESC STATUS ARGS...: the request answers STATUS.
expect() {
  local desc=$1 want=$2
  shift 2
  req "$@"
  if [ "$rc" = 0 ] && [ "$code" = "$want" ]; then
    ok "$desc"
  else
    not_ok "$desc" "expected $want, got HTTP $code (curl exit $rc)" \
      "$(head -c 300 "$dir/b" 2>/dev/null | tr '\n' ' ')" "$(cat "$dir/curl.err")" \
      "access log: $(last_log)"
  fi
}

# expect_closed DESC ARGS...: the connection ends without an HTTP response
# (curl 52 empty reply, 56 reset; 35 when the handshake itself is refused).
expect_closed() {
  local desc=$1
  shift
  req "$@"
  case $rc in
  52 | 56 | 35) ok "$desc (curl exit $rc)" ;;
  *)
    not_ok "$desc" "expected a closed connection (curl exit 52/56), got HTTP $code, curl exit $rc" \
      "$(head -c 300 "$dir/b" 2>/dev/null | tr '\n' ' ')" "error log: $(tail -n 2 "$dir/error.log" | tr '\n' ' ')"
    ;;
  esac
}

# check DESC COMMAND...: a plain assertion.
check() {
  local desc=$1
  shift
  if "$@"; then
    ok "$desc"
  else
    not_ok "$desc" "failed: $*" "body: $(head -c 300 "$dir/b" 2>/dev/null | tr '\n' ' ')" \
      "access log: $(last_log)"
  fi
}
has() { grep -qiE -- "$2" "$1"; }
# refused WORD: nginx -t failed ($t_rc) and its output names WORD.
refused() { test "$t_rc" != 0 && grep -q -- "$1" "$dir/t.out"; }
log_has() { last_log | grep -qiE -- "$1"; }

# The walkthrough's tokens: Istio's sample token, and the same token with one
# signature character lost (examples/bookinfo/jwt-requests.json).
tokens=$(grep -o 'Bearer eyJ[A-Za-z0-9._-]*' "$ex/jwt-requests.json")
token=$(echo "$tokens" | sed -n 1p)
token_cut=$(echo "$tokens" | sed -n 2p)
if [ -z "$token" ] || [ -z "$token_cut" ]; then
  echo "Bail out! no sample token in $ex/jwt-requests.json"
  exit 1
fi
auth=(-H "Authorization: $token")

# Fixed ports: a second run at the same time would talk to the first.
for port in 28080 28081 28082 28083 28084 28085 28090; do
  if (: </dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    echo "Bail out! 127.0.0.1:$port is in use (another run of this test?)"
    exit 1
  fi
done

mkdir -p "$dir/tmp"
nginx_pki "$dir/pki"

# ---- 1. the walkthrough: RequestAuthentication alone ---------------------------

details_plain=$(server_block "namespace=default label=app=details port=9080" 127.0.0.1:28080)
mkdir -p "$dir/p1" "$dir/p2"
cp "$ex/authn/request-authentication.yaml" "$dir/p1/"
cp "$ex/authn/request-authentication.yaml" "$ex/authz/require-jwt.yaml" "$dir/p2/"
write_conf "$dir/walk1.conf" "    ztauth_mesh $ex/mesh.yaml;
    ztauth_policy $dir/p1;
$details_plain"
write_conf "$dir/walk2.conf" "    ztauth_mesh $ex/mesh.yaml;
    ztauth_policy $dir/p2;
$details_plain"

D=http://127.0.0.1:28080
if "$nginx" -t -e "$dir/error.log" -p "$dir" -c "$dir/walk1.conf" >"$dir/t.out" 2>&1; then
  ok "nginx -t accepts the module and the walkthrough's policies"
else
  # Nothing below means anything if the module does not load.
  not_ok "nginx -t accepts the module and the walkthrough's policies"
  diag "$dir/t.out"
  echo "Bail out! nginx refuses the module or its directives"
  exit 1
fi

if start_nginx "$dir/walk1.conf"; then
  ok "nginx starts with RequestAuthentication alone"
  expect "walkthrough: the sample token -> 200" 200 "${auth[@]}" $D/details/0
  check "walkthrough: the decision and the request principal are logged" \
    log_has '^28080 200 decision=allow reason=no_allow_policy .*rp=testing@secure.istio.io/testing@secure.istio.io'
  check "walkthrough: Authorization is removed before the upstream (forwardOriginalToken false)" \
    has "$dir/b" 'authorization=\[\]'
  expect "walkthrough: Bearer badtoken -> 401" 401 -H "Authorization: Bearer badtoken" $D/details/0
  check "walkthrough: the 401 carries WWW-Authenticate: Bearer ... invalid_token" \
    has "$dir/h" '^www-authenticate: Bearer realm=.*invalid_token'
  check "walkthrough: the 401 is logged (decision deny, reason jwt_bad_format)" log_has '^28080 401 decision=deny reason=jwt_bad_format'
  expect "walkthrough: no token -> 200 (authentication alone requires none)" 200 $D/details/0
  check "walkthrough: no request principal without a token" log_has 'rp=- '
  expect "walkthrough: the token with a signature character lost -> 401" 401 \
    -H "Authorization: $token_cut" $D/details/0
else
  not_ok "nginx starts with RequestAuthentication alone"
  diag "$dir/start.out" "$dir/error.log"
fi

# ---- 2. the walkthrough: plus require-jwt ----------------------------------------

if start_nginx "$dir/walk2.conf"; then
  ok "nginx starts with RequestAuthentication and require-jwt"
  expect "require-jwt: no token -> 403" 403 $D/details/0
  check "require-jwt: the 403 body is 'RBAC: access denied'" has "$dir/b" '^RBAC: access denied$'
  check "require-jwt: the denial is logged (decision deny, reason rbac_no_match)" \
    log_has '^28080 403 decision=deny reason=rbac_no_match'
  expect "require-jwt: the sample token -> 200" 200 "${auth[@]}" $D/details/0
  check "require-jwt: the allowing policy is logged" \
    log_has 'policy=ns\[default\]-policy\[require-jwt\]-rule\[0\]'
  expect "require-jwt: badtoken still -> 401" 401 -H "Authorization: Bearer badtoken" $D/details/0
else
  not_ok "nginx starts with RequestAuthentication and require-jwt"
  diag "$dir/start.out" "$dir/error.log"
fi

# ---- 3. every policy, STRICT mTLS, identities, PERMISSIVE, ipBlocks -------------

mkdir -p "$dir/mesh" "$dir/legacy" "$dir/live" "$dir/www/files"
echo "files index" >"$dir/www/files/index.html"
cp "$ex"/authn/*.yaml "$ex"/authz/*.yaml "$dir/mesh/"
cat >"$dir/legacy/legacy.yaml" <<'EOF'
# The legacy namespace accepts plaintext while it migrates.
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: legacy
spec:
  mtls:
    mode: PERMISSIVE
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-private
  namespace: legacy
spec:
  selector:
    matchLabels:
      app: legacy
  action: DENY
  rules:
  - to:
    - operation:
        paths: ["/private", "/private/*", "/files/index.html"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-ip
  namespace: legacy
spec:
  selector:
    matchLabels:
      app: legacy
  action: DENY
  rules:
  - from:
    - source:
        ipBlocks: ["127.0.0.2/32"]
  - from:
    - source:
        remoteIpBlocks: ["203.0.113.0/24"]
EOF
# The walkthrough's key set as a file, for a jwksUri (ztauth_jwks).
sed -n "s/^ *jwks: '\(.*\)'$/\1/p" "$ex/authn/request-authentication.yaml" >"$dir/jwks.json"
cat >>"$dir/legacy/legacy.yaml" <<'EOF'
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: jwt-legacy
  namespace: legacy
spec:
  selector:
    matchLabels:
      app: legacy
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwksUri: "https://keys.example.test/jwks.json"
    outputPayloadToHeader: x-jwt-payload
    forwardOriginalToken: true
EOF
cat >"$dir/live/peer.yaml" <<'EOF'
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: live
spec:
  mtls:
    mode: PERMISSIVE
EOF
policies="    ztauth_mesh $ex/mesh.yaml;
    ztauth_policy $dir/mesh;
    ztauth_policy $dir/legacy;
    ztauth_policy $dir/live;
    ztauth_trust_bundle cluster.local $dir/pki/root.pem;
    ztauth_trust_bundle other.org $dir/pki/other-root.pem;
    ztauth_jwks https://keys.example.test/jwks.json $dir/jwks.json;"
servers="$(server_block "namespace=default label=app=details port=9080" 127.0.0.1:28080 "127.0.0.1:28081 ssl")
$(server_block "namespace=legacy label=app=legacy" 127.0.0.1:28082)
$(server_block "namespace=live label=app=live" 127.0.0.1:28083)
    server {
        listen 127.0.0.1:28085;
        ztauth on;
        ztauth_workload namespace=legacy label=app=legacy;
        location /files/ { root $dir/www; }
    }"
write_conf "$dir/mesh.conf" "$policies
$servers"

T=https://127.0.0.1:28081
L=http://127.0.0.1:28082
cert() { echo --cert "$dir/pki/$1.pem" --key "$dir/pki/$1.key"; }
# resume WHO PATH [S_CLIENT_OPTION...]: a TLS connection as WHO that saves its session, then a
# second one that resumes it without a certificate and asks for PATH
# (with the sample token); the second answer is left in $dir/resume.out,
# which is emptied unless the session was reused.
resume() {
  local request who=$1 path=$2
  shift 2
  printf -v request 'GET %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\nConnection: close\r\n\r\n' \
    "$path" "$token"
  rm -f "$dir/sess"
  printf '%s' "${request/$path/\/details\/0}" | timeout 10 openssl s_client "$@" \
    -connect 127.0.0.1:28081 -servername localhost -CAfile "$dir/pki/root.pem" \
    -cert "$dir/pki/$who.pem" -key "$dir/pki/$who.key" -sess_out "$dir/sess" -ign_eof \
    >"$dir/resume.first" 2>&1 || true
  log_lines=$(log_count)
  printf '%s' "$request" | timeout 10 openssl s_client "$@" -connect 127.0.0.1:28081 \
    -servername localhost -CAfile "$dir/pki/root.pem" -sess_in "$dir/sess" -ign_eof \
    >"$dir/resume.out" 2>&1 || true
  if ! grep -q '^Reused, ' "$dir/resume.out"; then
    echo "# (session not reused)"
    : >"$dir/resume.out"
  fi
}
if start_nginx "$dir/mesh.conf"; then
  ok "nginx starts with every policy, two trust bundles and three workloads"
  # STRICT (the mesh-wide PeerAuthentication of the walkthrough).
  expect_closed "STRICT: a plaintext client is refused" "${auth[@]}" $D/details/0
  check "STRICT: the refusal is logged (reason mtls_required)" log_has 'reason=mtls_required'
  expect_closed "STRICT: TLS without a client certificate is refused" "${auth[@]}" $T/details/0
  # shellcheck disable=SC2046 # cert prints options
  expect "mTLS: productpage with the token -> 200" 200 $(cert productpage) "${auth[@]}" $T/details/0
  check "mTLS: productpage's principal is logged" \
    log_has 'principal=cluster.local/ns/default/sa/bookinfo-productpage '
  # shellcheck disable=SC2046
  expect "mTLS: productpage may reach /admin/users (deny-admin spares it) -> 200" 200 \
    $(cert productpage) "${auth[@]}" $T/admin/users
  # shellcheck disable=SC2046
  expect "mTLS: sleep on /admin/../admin/users (normalized) -> 403 (deny-admin)" 403 \
    $(cert sleep) "${auth[@]}" --path-as-is "$T/admin/../admin/users?all=1"
  check "mTLS: the 403 body is 'RBAC: access denied'" has "$dir/b" '^RBAC: access denied$'
  check "mTLS: rbac_denied, deny-admin and sleep's principal are logged" \
    log_has 'reason=rbac_denied policy=ns\[default\]-policy\[deny-admin\]-rule\[0\] principal=cluster.local/ns/default/sa/sleep '
  # shellcheck disable=SC2046
  expect "mTLS: sleep on /details/0 with the token -> 200" 200 $(cert sleep) "${auth[@]}" $T/details/0
  # shellcheck disable=SC2046
  expect "mTLS: sleep without a token -> 403 (require-jwt)" 403 $(cert sleep) $T/details/0
  # shellcheck disable=SC2046
  expect_closed "mTLS: productpage's ID signed by a rogue root is refused" \
    $(cert forged) "${auth[@]}" $T/details/0
  check "mTLS: the forgery is logged (reason svid_untrusted)" log_has 'reason=svid_untrusted'
  # shellcheck disable=SC2046
  expect_closed "mTLS: productpage's ID signed by other.org's root (cross trust domain) is refused" \
    $(cert cross-td) "${auth[@]}" $T/details/0
  check "mTLS: the cross-domain forgery is logged (reason svid_untrusted)" log_has 'reason=svid_untrusted'
  # The keep-alive connection keeps its verified identity (cached per connection).
  # shellcheck disable=SC2046
  codes=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{num_connects}\n' \
    --cacert "$dir/pki/root.pem" $(cert productpage) "${auth[@]}" $T/details/0 --next \
    -o /dev/null -w '%{http_code} %{num_connects}\n' \
    --cacert "$dir/pki/root.pem" $(cert productpage) "${auth[@]}" $T/details/1 | tr '\n' ' ') || true
  check "mTLS: two requests on one keep-alive connection -> 200 twice ($codes)" \
    test "$codes" = "200 1 200 0 "
  # A resumed TLS session carries no certificate: the identity must come
  # back with the session (openssl s_client: a ticket saved, then reused).
  # TLS 1.3 and 1.2 tickets, then TLS 1.2 session IDs from nginx's shared
  # cache (the server has both, as most do).
  for how in "TLS1.3-ticket -tls1_3" "TLS1.2-ticket -tls1_2" "TLS1.2-session-id -tls1_2 -no_ticket"; do
    for who in productpage sleep; do
      # shellcheck disable=SC2086 # ${how#* } is a list of options
      resume "$who" /admin/users ${how#* }
      if [ "$who" = productpage ]; then want=200; else want=403; fi
      check "mTLS resumed (${how%% *}): $who's session is reused, /admin/users -> $want" \
        grep -q "HTTP/1.1 $want " "$dir/resume.out"
      check "mTLS resumed (${how%% *}): $who's principal is logged" \
        log_has "principal=cluster.local/ns/default/sa/[a-z-]*$who "
    done
  done

  # PERMISSIVE, a DENY on a path, ipBlocks, remoteIpBlocks.
  expect "PERMISSIVE: a plaintext client is accepted -> 200" 200 $L/public
  check "PERMISSIVE: no principal for a plaintext peer" log_has 'principal=- '
  expect "DENY on a path: /private/data -> 403" 403 $L/private/data
  check "DENY on a path: deny-private is logged" log_has 'policy=ns\[legacy\]-policy\[deny-private\]-rule\[0\]'
  expect "DENY on a path: /public/private -> 200" 200 $L/public/private
  expect "ipBlocks: from 127.0.0.2 -> 403" 403 --interface 127.0.0.2 $L/public
  check "ipBlocks: deny-ip rule 0 is logged" log_has 'policy=ns\[legacy\]-policy\[deny-ip\]-rule\[0\]'
  expect "ipBlocks: from 127.0.0.1 -> 200" 200 --interface 127.0.0.1 $L/public
  expect "remoteIpBlocks: X-Forwarded-For 203.0.113.9 through one trusted proxy -> 403" 403 \
    -H "X-Forwarded-For: 203.0.113.9" $L/public
  expect "remoteIpBlocks: X-Forwarded-For 198.51.100.9 -> 200" 200 \
    -H "X-Forwarded-For: 198.51.100.9" $L/public
  # index: an internal redirect from /files/ to /files/index.html, which
  # the DENY names; the decision is the one made on the path the client sent.
  F=http://127.0.0.1:28085
  expect "internal redirect: /files/ (index to /files/index.html) is decided on /files/ -> 200" 200 $F/files/
  check "internal redirect: the file is served" has "$dir/b" '^files index$'
  check "internal redirect: one decision logged for /files/ (allow)" log_has '^28085 200 decision=allow .*uri=/files/$'
  expect "internal redirect: /files/index.html asked directly -> 403" 403 $F/files/index.html
  # jwksUri served from a file; the payload header and the original token.
  expect "jwksUri (ztauth_jwks): the sample token -> 200" 200 "${auth[@]}" $L/public
  check "jwksUri: the request principal is logged" log_has 'rp=testing@secure.istio.io/testing@secure.istio.io '
  check "outputPayloadToHeader: the upstream gets x-jwt-payload" has "$dir/b" 'payload=\[eyJ[A-Za-z0-9_-]+=*\]'
  check "forwardOriginalToken: the upstream gets the token" has "$dir/b" 'authorization=\[Bearer eyJ'
  expect "jwksUri: badtoken -> 401" 401 -H "Authorization: Bearer badtoken" $L/public
else
  not_ok "nginx starts with every policy, two trust bundles and three workloads"
  diag "$dir/start.out" "$dir/error.log"
fi

# ---- 4. a reload with new policies under load ----------------------------------

# load SECONDS URL: requests on fresh connections (every request must
# succeed: a reload may close idle keep-alive connections, which clients
# retry, but must never lose a request). wrk when installed (4 connections,
# Connection: close), else 4 curl loops; the outcome of each request, or
# wrk's summary, goes to $dir/load.*.
load() {
  local i
  if command -v wrk >/dev/null; then
    wrk -t1 -c4 -d"$1s" -H "Connection: close" "$2" >"$dir/load.wrk" 2>&1 &
    load_pids+=($!)
    return
  fi
  for i in 1 2 3 4; do
    (
      end=$((SECONDS + $1))
      while [ $SECONDS -lt $end ]; do
        curl -s -o /dev/null --max-time 5 -w '%{http_code}\n' "$2" || echo "curl-exit-$?"
      done
    ) >"$dir/load.$i" &
    load_pids+=($!)
  done
}
# load_result: sets total and bad (requests that did not answer 200).
load_result() {
  if [ -f "$dir/load.wrk" ]; then
    total=$(awk '/requests in/ { print $1 }' "$dir/load.wrk")
    bad=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END { print n + 0 }' "$dir/load.wrk")
  else
    total=$(cat "$dir"/load.* | wc -l)
    bad=$(cat "$dir"/load.* | grep -vc '^200$' || true)
  fi
  total=${total:-0}
}

if [ -n "$(nginx_pid)" ] && kill -0 "$(nginx_pid)" 2>/dev/null; then
  V=http://127.0.0.1:28083
  expect "reload: /blocked -> 200 before the new policy" 200 $V/blocked
  load 5 $V/ok
  sleep 1
  cat >"$dir/live/deny-blocked.yaml" <<'EOF'
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-blocked
  namespace: live
spec:
  action: DENY
  rules:
  - to:
    - operation:
        paths: ["/blocked"]
EOF
  reload_rc=0
  "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/mesh.conf" -s reload >"$dir/reload.out" 2>&1 || reload_rc=$?
  sleep 1
  "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/mesh.conf" -s reload >>"$dir/reload.out" 2>&1 || reload_rc=$?
  wait "${load_pids[@]}" || true
  load_pids=()
  check "reload: nginx -s reload (twice) succeeds" test "$reload_rc" = 0
  load_result
  check "reload: $total requests under load, none failed ($bad failed)" test "$total" -gt 0 -a "$bad" = 0
  sleep 0.5
  expect "reload: the new policy is in effect: /blocked -> 403" 403 $V/blocked
  check "reload: deny-blocked is logged" log_has 'policy=ns\[live\]-policy\[deny-blocked\]-rule\[0\]'
  expect "reload: /ok still -> 200" 200 $V/ok
else
  not_ok "reload: nginx is running" "nginx did not start with mesh.conf"
fi

# ---- 5. nginx -t refuses an invalid policy ---------------------------------------

write_conf "$dir/broken.conf" "    ztauth_mesh $ex/mesh.yaml;
    ztauth_policy $ex/broken/typos.yaml;
$details_plain"
t_rc=0
"$nginx" -t -e "$dir/error.log" -p "$dir" -c "$dir/broken.conf" >"$dir/t.out" 2>&1 || t_rc=$?
check "nginx -t refuses a configuration with an invalid policy (exit $t_rc)" \
  refused "test failed"
if grep -qE 'typos\.yaml:16:9' "$dir/t.out"; then
  ok "nginx -t prints file:line:col (typos.yaml:16:9)"
else
  not_ok "nginx -t prints file:line:col (typos.yaml:16:9)"
  diag "$dir/t.out"
fi
# A running nginx keeps its policies when a reload brings an invalid one.
if [ -n "$(nginx_pid)" ] && kill -0 "$(nginx_pid)" 2>/dev/null; then
  cp "$ex/broken/typos.yaml" "$dir/live/"
  "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/mesh.conf" -s reload >/dev/null 2>&1 || true
  sleep 1
  expect "reload with an invalid policy: the old set stays in force (/ok -> 200)" 200 http://127.0.0.1:28083/ok
  expect "reload with an invalid policy: the old set stays in force (/blocked -> 403)" 403 \
    http://127.0.0.1:28083/blocked
  check "reload with an invalid policy: the error log names typos.yaml:16:9" \
    grep -q 'typos\.yaml:16:9' "$dir/error.log"
fi

# ---- 6. configuration-time refusals ----------------------------------------------

write_conf "$dir/satisfy.conf" "    ztauth_mesh $ex/mesh.yaml;
    server {
        listen 127.0.0.1:28084;
        ztauth on;
        ztauth_workload namespace=default label=app=details;
        satisfy any;
        allow 127.0.0.1;
        location / { proxy_pass http://127.0.0.1:28090; }
    }"
t_rc=0
"$nginx" -t -e "$dir/error.log" -p "$dir" -c "$dir/satisfy.conf" >"$dir/t.out" 2>&1 || t_rc=$?
check "nginx -t refuses ztauth under satisfy any (exit $t_rc)" \
  refused satisfy

# ---- 7. CUSTOM: ext_authz providers asked through subrequests ------------------

mkdir -p "$dir/ext"
cat >"$dir/ext/mesh.yaml" <<'EOF'
rootNamespace: istio-system
trustDomain: cluster.local
extensionProviders:
- name: sample-ext-authz
  envoyExtAuthzHttp:
    service: ext-authz.shop.svc.cluster.local
    port: 8000
- name: down-closed
  envoyExtAuthzHttp:
    service: down.shop.svc.cluster.local
    port: 9
    statusOnError: "503"
- name: down-open
  envoyExtAuthzHttp:
    service: down.shop.svc.cluster.local
    port: 9
    failOpen: true
- name: sample-open
  envoyExtAuthzHttp:
    service: ext-authz.shop.svc.cluster.local
    port: 8000
    failOpen: true
- name: unmapped
  envoyExtAuthzHttp:
    service: nowhere.shop.svc.cluster.local
    port: 9
EOF
# custom APP PROVIDER PATH: a CUSTOM policy of app on PATH.
custom() {
  cat <<EOF
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ext-$1
  namespace: shop
spec:
  selector:
    matchLabels:
      app: $1
  action: CUSTOM
  provider:
    name: $2
  rules:
  - to:
    - operation:
        paths: ["$3"]
EOF
}
{
  custom shop sample-ext-authz "/ext/*"
  custom closed down-closed "/closed/*"
  custom open down-open "/open/*"
  custom unmapped unmapped "/unmapped/*"
  # app=jwt: a failOpen provider, then a token (the walkthrough's rule)
  custom jwt sample-open "/jwt/*"
  echo "---"
  sed -e 's/namespace: default/namespace: shop/' -e 's/app: details/app: jwt/' \
    "$ex/authn/request-authentication.yaml"
  cat <<'EOF'
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-admin
  namespace: shop
spec:
  selector:
    matchLabels:
      app: shop
  action: DENY
  rules:
  - to:
    - operation:
        paths: ["/ext/admin"]
EOF
} >"$dir/ext/policies.yaml"
# shop LOCATION APP: a protected location of workload shop/app=APP.
shop() {
  cat <<EOF
        location $1 {
            ztauth_workload namespace=shop label=app=$2;
            proxy_pass http://127.0.0.1:28090;
        }
EOF
}
# The provider: Istio's sample ext-authz server allows "x-ext-authz: allow"
# and denies the rest with x-ext-authz-check-result; "redirect" stands for a
# login flow. Its own log counts the checks.
write_conf "$dir/ext.conf" "    ztauth_mesh $dir/ext/mesh.yaml;
    ztauth_policy $dir/ext/policies.yaml;
    ztauth_ext_authz sample-ext-authz /_ext_authz/sample;
    ztauth_ext_authz sample-open /_ext_authz/sample;
    ztauth_ext_authz down-closed /_ext_authz/down;
    ztauth_ext_authz down-open /_ext_authz/down;
    server {
        listen 127.0.0.1:28091;
        ztauth off;
        access_log $dir/checks.log zt;
        location / {
            if (\$http_x_ext_authz = allow) {
                return 200;
            }
            if (\$http_x_ext_authz = redirect) {
                return 302 https://login.example.test/start;
            }
            add_header x-ext-authz-check-result denied always;
            return 403;
        }
    }
    server {
        listen 127.0.0.1:28086;
        ztauth on;
        ztauth_workload namespace=shop label=app=shop;
        location = /_ext_authz/sample {
            internal;
            proxy_pass http://127.0.0.1:28091\$request_uri;
            proxy_pass_request_body off;
            proxy_set_header Content-Length \"\";
        }
        location = /_ext_authz/down {
            internal;
            proxy_pass http://127.0.0.1:28093;
        }
$(shop /ext/ shop)
$(shop /other/ shop)
$(shop /closed/ closed)
$(shop /open/ open)
$(shop /unmapped/ unmapped)
$(shop /jwt/ jwt)
    }"
checks() {
  if [ -f "$dir/checks.log" ]; then wc -l <"$dir/checks.log"; else echo 0; fi
}
X=http://127.0.0.1:28086
if start_nginx "$dir/ext.conf"; then
  ok "nginx starts with CUSTOM providers mapped by ztauth_ext_authz"
  expect "CUSTOM: the provider allows (x-ext-authz: allow) -> 200" 200 -H "x-ext-authz: allow" $X/ext/a
  check "CUSTOM: the backend got the request" has "$dir/b" "backend uri=/ext/a"
  check "CUSTOM: the provider was asked once" test "$(checks)" = 1
  check "CUSTOM: the provider saw the request's own URI" grep -q "uri=/ext/a" "$dir/checks.log"
  expect "CUSTOM: the provider denies -> its 403" 403 $X/ext/a
  check "CUSTOM: the denial carries the provider's headers" has "$dir/h" "^x-ext-authz-check-result: denied"
  check "CUSTOM: custom_denied and the policy are logged" \
    log_has "reason=custom_denied policy=ns\[shop\]-policy\[ext-shop\]-rule\[0\]"
  expect "CUSTOM: a login redirect -> 302" 302 -H "x-ext-authz: redirect" $X/ext/a
  check "CUSTOM: the redirect keeps the provider's Location" has "$dir/h" "^location: https://login.example.test/start"
  before=$(checks)
  expect "CUSTOM then DENY: allowed by the provider, denied by deny-admin -> 403" 403 \
    -H "x-ext-authz: allow" $X/ext/admin
  check "CUSTOM then DENY: rbac_denied is logged" log_has "reason=rbac_denied policy=ns\[shop\]-policy\[deny-admin\]"
  check "CUSTOM then DENY: the provider was asked first" test "$(checks)" = $((before + 1))
  before=$(checks)
  expect "CUSTOM: a path no CUSTOM rule matches -> 200" 200 $X/other/a
  check "CUSTOM: ...without asking the provider" test "$(checks)" = "$before"
  expect "CUSTOM: provider unreachable, statusOnError 503 -> 503" 503 $X/closed/a
  check "CUSTOM: custom_error is logged" log_has "reason=custom_error"
  expect "CUSTOM: provider unreachable, failOpen -> 200" 200 $X/open/a
  expect "CUSTOM: a provider with no ztauth_ext_authz fails closed -> 403" 403 $X/unmapped/a
  # The pass that waits for a failOpen provider goes on to the token: what
  # it found must not outlive it when the provider then denies.
  expect "CUSTOM + JWT: the provider allows, the token verifies -> 200" 200 \
    -H "x-ext-authz: allow" "${auth[@]}" $X/jwt/a
  check "CUSTOM + JWT: the request principal is logged" \
    log_has "rp=testing@secure.istio.io/testing@secure.istio.io uri=/jwt/a"
  expect "CUSTOM + JWT: the provider denies -> 403" 403 "${auth[@]}" $X/jwt/a
  check "CUSTOM + JWT: a denial before the token logs no request principal" \
    log_has "reason=custom_denied .*rp=- uri=/jwt/a"
  check "CUSTOM: the error log names the unmapped provider" \
    grep -q 'no "ztauth_ext_authz" for the CUSTOM provider "unmapped"' "$dir/error.log"
else
  not_ok "CUSTOM: nginx is running" "nginx did not start with ext.conf: $(cat "$dir/start.out")"
fi
write_conf "$dir/ext-bad.conf" "    ztauth_ext_authz sample-ext-authz _ext_authz;"
t_rc=0
"$nginx" -t -e "$dir/error.log" -p "$dir" -c "$dir/ext-bad.conf" >"$dir/t.out" 2>&1 || t_rc=$?
check "nginx -t refuses a ztauth_ext_authz URI that is not a path (exit $t_rc)" \
  refused 'needs a URI that starts with "/"'

stop_nginx
if [ -n "$vg_dir" ]; then
  procs=$(find "$vg_dir" -name 'nginx.*.log' | wc -l)
  if [ "$procs" -gt 0 ] && [ -z "$(cat "$vg_dir"/nginx.*.log)" ]; then
    ok "valgrind: no memory error in $procs nginx processes"
  else
    not_ok "valgrind: no memory error in $procs nginx processes"
    diag "$vg_dir"/nginx.*.log
  fi
fi
echo "1..$n"
[ "$failed" = 0 ]
