#!/usr/bin/env bash
# The ztauth command end to end (TAP). Usage: cli_test.sh ZTAUTH SOURCE_ROOT
zt=$1 root=$2
ex=$root/examples/bookinfo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out" | head -20; }
expect() { # description, wanted exit status, command...
  local what=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>&1; local got=$?
  if [ "$got" = "$want" ]; then ok "$what"; else echo "# exit $got, want $want" >>"$tmp/out"; bad "$what"; fi
}
has() { # description, text expected in the last output
  if grep -qF -- "$2" "$tmp/out"; then ok "$1"; else bad "$1 (no '$2')"; fi
}

expect "lint accepts the bundled example" 0 "$zt" lint --mesh "$ex/mesh.yaml" "$ex/authn" "$ex/authz"
expect "lint rejects the broken example" 1 "$zt" lint "$ex/broken"
has "unknown field named with position" "typos.yaml:16:9: error: AuthorizationPolicy default/details-viewer: spec.rules[0].from[0].source: unknown field \"principal\" (did you mean \"principals\"?)"
has "integer port named with position" "typos.yaml:20:17: error: AuthorizationPolicy default/details-viewer: spec.rules[0].to[0].operation.ports[0]: expected a string, got an integer 9080 (quote it: \"9080\")"
has "DENY without rules" "typos.yaml:28:11: error: AuthorizationPolicy default/deny-everything: DENY action without \`rules\`"
has "portLevelMtls without selector" "typos.yaml:39:5: error: PeerAuthentication default/details-ports: spec.portLevelMtls: requires a selector"
has "error count" "4 errors"
expect "lint without paths is a usage error" 2 "$zt" lint
expect "unknown option is a usage error" 2 "$zt" lint --bogus "$ex/authn"
expect "unknown command is a usage error" 2 "$zt" frobnicate
expect "missing file is an invalid input" 1 "$zt" lint "$tmp/nope.yaml"
has "missing file named" "nope.yaml: error: No such file or directory"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n' >"$tmp/other.yaml"
expect "other kinds are skipped" 0 "$zt" lint "$tmp/other.yaml"
expect "skipped kinds reported with --verbose" 0 "$zt" lint --verbose "$tmp/other.yaml"
has "note for skipped kind" "other.yaml:1:1: note: skipped apps/v1 Deployment: not a security policy"
expect "bad mesh file is a usage error" 2 "$zt" lint --mesh "$tmp/other.yaml" "$ex/authn"
expect "policies lists the example" 0 "$zt" policies --mesh "$ex/mesh.yaml" -p "$ex/authn" -p "$ex/authz"
has "mesh-wide STRICT listed" "istio-system/default"
has "workload DENY listed" "default/deny-admin"
expect "policies refuses an invalid set" 2 "$zt" policies -p "$ex/broken"
expect "version" 0 "$zt" version
echo "1..$n"
[ "$failed" = 0 ]
