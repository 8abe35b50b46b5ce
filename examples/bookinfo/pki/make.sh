#!/bin/sh
# make.sh: remakes the walkthrough's certificates (README.md) with openssl
# 3.0. The private keys live in a temporary directory and are deleted at
# the end: only certificates are written here. Every run makes new keys,
# so new certificates (same names, subjects, extensions and dates).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# Istio's shapes: the root has O=<trust domain> and no SAN; a workload leaf
# has an empty subject, a critical URI SAN and both TLS purposes.
cat >openssl.cnf <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
O = cluster.local
[ ca ]
default_ca = bookinfo
[ bookinfo ]
database = ./index.txt
new_certs_dir = .
serial = ./serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[ any ]
organizationName = optional
commonName = optional
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
EOF
SAN=none
export SAN
: >index.txt
echo 1000 >serial
FROM=20260101000000Z
TO=21251231235959Z

# key NAME: an EC P-256 key and a request for it.
key() {
  openssl req -new -config openssl.cnf -newkey EC \
    -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$1.key" -out "$1.csr"
}
# root NAME SUBJECT: a self-signed root.
root() {
  key "$1"
  openssl ca -batch -notext -config openssl.cnf -selfsign -keyfile "$1.key" \
    -startdate $FROM -enddate $TO -extensions root -subj "$2" -in "$1.csr" \
    -out "$here/$1.pem"
}
# leaf NAME ISSUER SPIFFE_ID: a workload certificate signed by ISSUER.
leaf() {
  key "$1"
  SAN="URI:$3" openssl ca -batch -notext -config openssl.cnf \
    -cert "$here/$2.pem" -keyfile "$2.key" -startdate $FROM -enddate $TO \
    -extensions workload -subj / -in "$1.csr" -out "$here/$1.pem"
}

# The trust bundle of cluster.local, and two workloads it vouches for.
root root /O=cluster.local
leaf productpage root spiffe://cluster.local/ns/default/sa/bookinfo-productpage
leaf sleep root spiffe://cluster.local/ns/default/sa/sleep
# A forgery: productpage's identity, signed by a root in no bundle that
# copies the real root's subject.
root rogue-root /O=cluster.local
leaf forged-productpage rogue-root \
  spiffe://cluster.local/ns/default/sa/bookinfo-productpage
