# shellcheck shell=bash
# tests/nginx/pki.sh: sourced by tests/nginx/run.sh and
# scripts/bench_nginx.sh. Defines nginx_pki DIR, which writes a fresh PKI
# with private keys into DIR (openssl 3.0; about 0.3 s):
#
#   root.pem/.key         the trust bundle of cluster.local (O=cluster.local)
#   other-root.pem/.key   the trust bundle of other.org
#   rogue-root.pem/.key   a root in no bundle, with root.pem's subject
#   productpage.pem/.key  spiffe://cluster.local/ns/default/sa/bookinfo-productpage
#   sleep.pem/.key        spiffe://cluster.local/ns/default/sa/sleep
#   forged.pem/.key       productpage's ID signed by rogue-root
#   cross-td.pem/.key     productpage's ID signed by other.org's root: a
#                         federated root minting another domain's identity
#   server.pem/.key       nginx's TLS certificate (IP 127.0.0.1, localhost),
#                         signed by root.pem
#
# Leaves have Istio's shape: a critical URI SAN, keyUsage digitalSignature
# and keyEncipherment, both TLS purposes, EC P-256. They are valid from the
# moment they are made for ten years.

nginx_pki() {
  local dir=$1
  # ext.cnf names ${ENV::SAN}, which must be set whenever openssl reads it.
  local SAN=none
  export SAN
  mkdir -p "$dir"
  cat >"$dir/ext.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = root
[ dn ]
O = unused
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ workload ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
authorityKeyIdentifier = keyid
subjectAltName = critical, ${ENV::SAN}
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
  # pki_root NAME SUBJECT
  pki_root() {
    openssl req -x509 -new -newkey EC -pkeyopt ec_paramgen_curve:P-256 \
      -noenc -keyout "$dir/$1.key" -out "$dir/$1.pem" -subj "$2" \
      -days 3650 -config "$dir/ext.cnf" 2>/dev/null
  }
  # pki_leaf NAME ISSUER PROFILE SAN
  pki_leaf() {
    openssl req -new -newkey EC -pkeyopt ec_paramgen_curve:P-256 -noenc \
      -config "$dir/ext.cnf" -keyout "$dir/$1.key" -subj "/O=${1}" -out "$dir/$1.csr" 2>/dev/null
    SAN=$4 openssl x509 -req -in "$dir/$1.csr" -CA "$dir/$2.pem" \
      -CAkey "$dir/$2.key" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
      -days 3650 -sha256 -extfile "$dir/ext.cnf" -extensions "$3" \
      -out "$dir/$1.pem" 2>/dev/null
    rm -f "$dir/$1.csr"
  }
  local pp=spiffe://cluster.local/ns/default/sa/bookinfo-productpage
  pki_root root /O=cluster.local
  pki_root other-root /O=other.org
  pki_root rogue-root /O=cluster.local
  pki_leaf productpage root workload "URI:$pp"
  pki_leaf sleep root workload URI:spiffe://cluster.local/ns/default/sa/sleep
  pki_leaf forged rogue-root workload "URI:$pp"
  pki_leaf cross-td other-root workload "URI:$pp"
  pki_leaf server root server none
  chmod 644 "$dir"/*.key
}
