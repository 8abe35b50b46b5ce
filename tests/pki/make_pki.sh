#!/bin/sh
# make_pki.sh OUTDIR STAMP
#
# Builds the test PKI described by tests/pki/cases.json (shared/spec/
# spiffe.md §3.7 and §5) into OUTDIR with openssl 3.0 and the profiles of
# tests/pki/openssl.cnf, then touches STAMP. Run by meson at build time
# (tests/meson.build, target test_pki); by hand:
#   sh tests/pki/make_pki.sh /tmp/pki /tmp/pki.stamp
#
# Certificates are valid from one day ago for ten years, so that none can
# expire, except the deliberate 2020 (expired) and 2045 (not yet valid)
# ones. The structure (names, subjects, extensions, serials, chains,
# bundles) is the same on every run; keys, signatures and dates are new.
#
# OUTDIR, afterwards:
#   <chain>.pem, <chain>.der  a case's chain: the leaf first, then the
#                             certificates the case sends (PEM blocks, or
#                             DER certificates back to back)
#   bundle_<name>.pem/.json   trust bundles: the roots as PEM, and as a
#                             SPIFFE bundle (JWKS, use x509-svid, x5c)
#   doc_<name>.pem/.json      bundle documents of the loader's cases
#   <name>.pem, <name>.der    every certificate on its own (root_a,
#                             inter_a, ...; a one-leaf case's chain is
#                             its leaf's file)
#   keys/<name>.key           the private keys (never committed anywhere)
#
# Speed: one key per role, RSA only where a case needs it, one `openssl
# ca` per certificate writing both forms (each process costs 10-40 ms, so
# everything else is done by the shell itself), PKI_JOBS (default: the
# number of CPUs) of them at once: about 3 s of CPU in all.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: make_pki.sh OUTDIR STAMP" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
cnf=$here/openssl.cnf
mkdir -p "$1"
out=$(cd "$1" && pwd)
stamp=$2
work=$out/work
rm -rf "$work" "$out/keys"
mkdir -p "$work/db" "$work/log" "$out/keys"

# openssl.cnf reads these when it is loaded, by every command.
CADIR=$work/db
CANAME=none
CATD=example.org
SAN=URI:spiffe://example.org/ns/default/sa/sleep
export CADIR CANAME CATD SAN

# A time DAYS from now, as openssl ca wants it (GNU date, else BSD date).
at() {
  date -u -d "$1 days" +%Y%m%d%H%M%SZ 2>/dev/null ||
    date -u -v"$1"d +%Y%m%d%H%M%SZ
}
FROM=$(at -1)
TO=$(at +3650)
ID=spiffe://example.org/ns/default/sa/sleep

# ---- Parallel stages -------------------------------------------------------

# At most PKI_JOBS `openssl` runs at once (default: the number of CPUs).
PKI_JOBS=${PKI_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
jobs_=''
njobs=0
# job NAME COMMAND...: runs COMMAND in the background, output in work/log.
job() {
  name=$1
  shift
  ("$@") >"$work/log/$name" 2>&1 &
  jobs_="$jobs_ $!=$name"
  njobs=$((njobs + 1))
  if [ "$njobs" -ge "$PKI_JOBS" ]; then
    reap
  fi
}
# Waits for the oldest job; a failure ends the script.
reap() {
  j=${jobs_# }
  j=${j%% *}
  jobs_=${jobs_#" $j"}
  njobs=$((njobs - 1))
  if ! wait "${j%%=*}"; then
    echo "make_pki.sh: ${j#*=} failed:" >&2
    cat "$work/log/${j#*=}" >&2
    exit 1
  fi
}
# Waits for every job of the stage.
stage() {
  while [ "$njobs" -gt 0 ]; do
    reap
  done
}

# Standard base64 to bytes: coreutils' base64 when there is one (it starts
# faster than an openssl process, and this runs once per certificate),
# else openssl's.
if command -v base64 >/dev/null 2>&1; then
  unb64() { base64 -d; }
else
  unb64() { openssl base64 -d; }
fi

# ---- Keys --------------------------------------------------------------------

# key NAME ec|p384|rsa2048|rsa1024 root|issued: the key, and what
# `openssl ca` takes for it: a request (CSR) for a root, signed by itself;
# an SPKAC for a certificate that another one issues (then `openssl ca`
# writes the certificate as DER, and its PEM copy into its database: both
# forms from one process).
key() {
  case $2 in
  ec) set -- "$1" "EC -pkeyopt ec_paramgen_curve:P-256" "$3" ;;
  p384) set -- "$1" "EC -pkeyopt ec_paramgen_curve:P-384" "$3" ;;
  rsa2048) set -- "$1" "RSA -pkeyopt rsa_keygen_bits:2048" "$3" ;;
  rsa1024) set -- "$1" "RSA -pkeyopt rsa_keygen_bits:1024" "$3" ;;
  esac
  if [ "$3" = root ]; then
    # shellcheck disable=SC2086 # $2 is a list of options
    openssl req -new -config "$cnf" -newkey $2 -noenc \
      -keyout "$out/keys/$1.key" -out "$work/$1.csr"
  else
    # shellcheck disable=SC2086
    openssl genpkey -algorithm $2 -out "$out/keys/$1.key"
    openssl spkac -key "$out/keys/$1.key" -challenge ztauth -digest sha256 \
      -out "$work/$1.spkac"
  fi
}

# ---- Certificates ------------------------------------------------------------

# copy FROM TO, by the shell (no process); with a filter -b: the PEM body.
copy() {
  if [ "$1" = -b ]; then
    shift
    while IFS= read -r line; do
      case $line in
      -----*) ;;
      *) printf '%s\n' "$line" ;;
      esac
    done <"$1" >"$2"
  else
    while IFS= read -r line; do
      printf '%s\n' "$line"
    done <"$1" >"$2"
  fi
}

# sign NAME KEY ISSUER ISSUER_KEY PROFILE SERIAL SUBJECT TD SAN FROM TO MD
# ISSUER is a certificate made before, or "self". Writes NAME.pem and
# NAME.der (the certificate alone).
sign() {
  : >"$work/db/$1.index"
  echo "$6" >"$work/db/$1.serial"
  name=$1 key=$2 issuer=$3 issuer_key=$4 profile=$5 serial_=$6 subj=$7 td=$8
  san=$9
  shift 9
  set -- -batch -notext -config "$cnf" -md "$3" -startdate "$1" \
    -enddate "$2" -extensions "$profile" -subj "$subj"
  if [ "$issuer" = self ]; then
    CANAME=$name CATD=$td SAN=$san openssl ca "$@" -selfsign \
      -keyfile "$out/keys/$key.key" -in "$work/$key.csr" -out "$out/$name.pem"
    copy -b "$out/$name.pem" "$work/$name.b64"
    unb64 <"$work/$name.b64" >"$out/$name.der"
  else
    CANAME=$name CATD=$td SAN=$san openssl ca "$@" -cert "$out/$issuer.pem" \
      -keyfile "$out/keys/$issuer_key.key" -spkac "$work/$key.spkac" \
      -out "$out/$name.der"
    copy "$work/db/$serial_.pem" "$out/$name.pem"
  fi
}

serial=1000 # serials 1001, 1002, ... (hexadecimal: 0x1001)
# issue NAME KEY ISSUER PROFILE [subj=S] [td=T] [san=S] [from=T] [to=T]
#       [md=M]: signs NAME in the current stage.
issue() {
  i_name=$1 i_key=$2 i_issuer=$3 i_profile=$4
  shift 4
  i_subj="/O=SPIFFE/CN=$i_name" i_td=example.org i_san=URI:$ID
  i_from=$FROM i_to=$TO i_md=sha256
  for opt in "$@"; do
    case $opt in
    subj=*) i_subj=${opt#subj=} ;;
    td=*) i_td=${opt#td=} ;;
    san=*) i_san=${opt#san=} ;;
    from=*) i_from=${opt#from=} ;;
    to=*) i_to=${opt#to=} ;;
    md=*) i_md=${opt#md=} ;;
    *)
      echo "make_pki.sh: issue $i_name: bad option $opt" >&2
      exit 1
      ;;
    esac
  done
  serial=$((serial + 1))
  eval "key_$i_name=\$i_key"
  i_ikey=$i_key
  if [ "$i_issuer" != self ]; then
    eval "i_ikey=\$key_$i_issuer"
  fi
  job "$i_name" sign "$i_name" "$i_key" "$i_issuer" "$i_ikey" "$i_profile" \
    "$serial" "$i_subj" "$i_td" "$i_san" "$i_from" "$i_to" "$i_md"
}

# chain NAME CERT...: OUTDIR/NAME.pem and NAME.der, the certificates in order.
chain() {
  c_name=$1
  shift
  for c in "$@"; do
    set -- "$@" "$out/$c.pem"
    shift
  done
  cat "$@" >"$out/$c_name.pem"
  for c in "$@"; do
    set -- "$@" "${c%.pem}.der"
    shift
  done
  cat "$@" >"$out/$c_name.der"
}

# ---- Stage 1: keys (a P-256 key per role; RSA and P-384 where needed) ---------

for k in root_a root_a2 root_b rogue root_nc root_expired; do
  job "key_$k" key "$k" ec root
done
job key_root_a_rsa key root_a_rsa rsa2048 root
job key_inter key inter ec issued
job key_leaf key leaf ec issued
job key_leaf_rsa key leaf_rsa rsa2048 issued
job key_leaf_p384 key leaf_p384 p384 issued
job key_weak key weak rsa1024 issued
stage

# ---- Stage 2: roots ------------------------------------------------------------
# rootA2 (rotation) and the rogue root copy rootA's subject: the verifier
# must tell them apart by signature, not by name.

issue root_a root_a self v3_root subj=/O=SPIFFE/CN=rootA
issue root_a_rsa root_a_rsa self v3_root subj=/O=SPIFFE/CN=rootA-rsa
issue root_a2 root_a2 self v3_root subj=/O=SPIFFE/CN=rootA
issue root_b root_b self v3_root subj=/O=SPIFFE/CN=rootB td=other.org
issue rogue rogue self v3_root subj=/O=SPIFFE/CN=rootA
issue root_nc root_nc self v3_root_nc subj=/O=SPIFFE/CN=rootNC
issue root_expired root_expired self v3_root subj=/O=SPIFFE/CN=rootA-expired \
  from=20200101000000Z to=20200201000000Z
stage

# ---- Stage 3: intermediates (all under rootA, one shared key) -------------------

issue inter_a inter root_a v3_inter_pl0 subj=/O=SPIFFE/CN=interA
issue inter_a1 inter root_a v3_inter subj=/O=SPIFFE/CN=interA1
issue inter_expired inter root_a v3_inter subj=/O=SPIFFE/CN=interA-expired \
  from=20200101000000Z to=20200201000000Z
issue inter_noca inter root_a v3_inter_noca subj=/O=SPIFFE/CN=interNoCA
issue inter_nokcs inter root_a v3_inter_nokcs subj=/O=SPIFFE/CN=interNoKCS
issue inter_nc inter root_a v3_inter_nc subj=/O=SPIFFE/CN=interNC
issue inter_rsa1024 weak root_a v3_inter subj=/O=SPIFFE/CN=interRSA1024
stage
issue inter_a2 inter inter_a1 v3_inter_pl0 subj=/O=SPIFFE/CN=interA2
stage

# ---- Stage 4: leaves (one shared P-256 key unless the case is about the key) ---

E=spiffe://example.org
issue valid_ec leaf root_a v3_leaf
issue valid_rsa leaf_rsa root_a_rsa v3_leaf
issue valid_dns_and_uri leaf root_a v3_leaf san=DNS:sleep.default.svc,URI:$ID
issue valid_empty_subject leaf root_a v3_leaf subj=/
issue valid_upper_path leaf root_a v3_leaf san=URI:$E/ns/Default/sa/Sleep
issue leaf_via_inter leaf inter_a v3_leaf
issue leaf_two_inters leaf inter_a2 v3_leaf
issue rotated leaf root_a2 v3_leaf
issue expired leaf root_a v3_leaf from=20200101000000Z to=20200102000000Z
issue not_yet_valid leaf root_a v3_leaf from=20450101000000Z \
  to=20450102000000Z
issue leaf_expired_inter leaf inter_expired v3_leaf
issue leaf_expired_root leaf root_expired v3_leaf
issue rogue_ca leaf rogue v3_leaf
issue forged_cross_td leaf root_b v3_leaf
issue valid_other_td leaf root_b v3_leaf \
  san=URI:spiffe://other.org/ns/default/sa/sleep
issue no_bundle_td leaf root_a v3_leaf \
  san=URI:spiffe://third.org/ns/default/sa/sleep
issue two_uri_sans leaf root_a v3_leaf san=URI:$ID,URI:$E/ns/default/sa/other
issue two_uri_sans_https leaf root_a v3_leaf \
  san=URI:$ID,URI:https://example.org/sleep
issue no_uri_san leaf root_a v3_leaf san=DNS:sleep.default.svc
issue no_san leaf root_a v3_leaf_nosan
issue non_spiffe_uri leaf root_a v3_leaf \
  san=URI:https://example.org/ns/default/sa/sleep
issue root_path_id leaf root_a v3_leaf san=URI:$E
issue bad_id_uppercase_td leaf root_a v3_leaf \
  san=URI:spiffe://Example.org/ns/default/sa/sleep
issue bad_id_uppercase_scheme leaf root_a v3_leaf \
  san=URI:SPIFFE://example.org/ns/default/sa/sleep
issue bad_id_percent leaf root_a v3_leaf san=URI:$E/ns/def%61ult/sa/sleep
issue bad_id_query leaf root_a v3_leaf san=URI:$ID?x=1
issue bad_id_fragment leaf root_a v3_leaf san=URI:$ID#f
issue bad_id_trailing_slash leaf root_a v3_leaf san=URI:$ID/
issue bad_id_dotdot leaf root_a v3_leaf san=URI:$E/ns/../sa/sleep
issue bad_id_dot leaf root_a v3_leaf san=URI:$E/ns/./sa/sleep
issue bad_id_empty_segment leaf root_a v3_leaf san=URI:$E/ns//sa/sleep
issue bad_id_port leaf root_a v3_leaf \
  san=URI:spiffe://example.org:8443/ns/default/sa/sleep
issue bad_id_userinfo leaf root_a v3_leaf \
  san=URI:spiffe://user@example.org/ns/default/sa/sleep
issue bad_id_path_char leaf root_a v3_leaf san=URI:$E/ns/default/sa/sle+ep
issue bad_id_empty_td leaf root_a v3_leaf san=URI:spiffe:///ns/default/sa/sleep
issue malformed_san leaf root_a v3_leaf_badsan
issue leaf_ca_true leaf root_a v3_leaf_ca
issue leaf_keycertsign leaf root_a v3_leaf_kcs
issue leaf_crlsign leaf root_a v3_leaf_crl
issue leaf_no_digital_signature leaf root_a v3_leaf_nods
issue leaf_no_key_usage leaf root_a v3_leaf_noku
issue leaf_eku_server leaf root_a v3_leaf_ekuserver
issue leaf_eku_client leaf root_a v3_leaf_ekuclient
issue leaf_no_eku leaf root_a v3_leaf_noeku
issue leaf_no_basic_constraints leaf root_a v3_leaf_nobc
issue leaf_inter_not_ca leaf inter_noca v3_leaf
issue leaf_inter_no_keycertsign leaf inter_nokcs v3_leaf
issue leaf_inter_name_constraints leaf inter_nc v3_leaf
issue leaf_unknown_critical leaf root_a v3_leaf_unkcrit
issue rsa1024_leaf weak root_a v3_leaf
issue leaf_rsa1024_inter leaf inter_rsa1024 v3_leaf
issue sha1_leaf leaf root_a v3_leaf md=sha1
issue ec_p384_leaf leaf_p384 root_a v3_leaf
stage

# ---- Chains ------------------------------------------------------------------------

# A case whose chain is one leaf sends the file of that leaf (above).
chain expired_root leaf_expired_root
# The leaf and the intermediates it needs.
chain valid_via_inter leaf_via_inter inter_a
chain via_inter_missing leaf_via_inter
chain valid_two_inters leaf_two_inters inter_a2 inter_a1
chain valid_root_sent valid_ec root_a
chain expired_inter leaf_expired_inter inter_expired
chain inter_not_ca leaf_inter_not_ca inter_noca
chain inter_no_keycertsign leaf_inter_no_keycertsign inter_nokcs
chain inter_name_constraints leaf_inter_name_constraints inter_nc
chain rsa1024_inter leaf_rsa1024_inter inter_rsa1024
# Eleven certificates: the leaf and interA ten times.
chain chain_too_long leaf_via_inter inter_a inter_a inter_a inter_a inter_a \
  inter_a inter_a inter_a inter_a inter_a

# No certificate; bytes that are no certificate; a certificate cut short.
: >"$out/empty_chain.pem"
: >"$out/empty_chain.der"
# DER of SEQUENCE { INTEGER 5 }: well-formed DER, not a certificate.
printf '\060\003\002\001\005' >"$out/garbage.der"
pem_of() { # pem_of DERFILE: a CERTIFICATE block of any bytes
  echo "-----BEGIN CERTIFICATE-----"
  openssl base64 -in "$1"
  echo "-----END CERTIFICATE-----"
}
pem_of "$out/garbage.der" >"$out/garbage.pem"
dd if="$out/valid_ec.der" of="$out/truncated.der" bs=200 count=1 2>/dev/null
pem_of "$out/truncated.der" >"$out/truncated.pem"

# ---- Bundles -----------------------------------------------------------------------

b64() { # b64 CERT: the DER of CERT.pem in standard base64, one line
  b64_=
  while IFS= read -r line; do
    case $line in
    -----*) ;;
    *) b64_=$b64_$line ;;
    esac
  done <"$out/$1.pem"
  printf '%s' "$b64_"
}
x509_jwk() { # x509_jwk KTY CERT...: one x509-svid JWK, x5c = the CERTs
  printf '{"kty": "%s", "use": "x509-svid", "x5c": [' "$1"
  shift
  sep=
  for c in "$@"; do
    printf '%s"%s"' "$sep" "$(b64 "$c")"
    sep=", "
  done
  printf ']}'
}
# bundle_json SEQ JWK...: a SPIFFE bundle (JWK Set) of these JWK texts
bundle_json() {
  printf '{"spiffe_sequence": %s, "spiffe_refresh_hint": 300, "keys": [' "$1"
  shift
  sep=
  for k in "$@"; do
    printf '%s\n  %s' "$sep" "$k"
    sep=,
  done
  printf '\n]}\n'
}
# bundle NAME SEQ KTY:CERT...: bundle_NAME.pem (the roots) and .json
bundle() {
  b_name=$1 b_seq=$2
  shift 2
  b_jwks=
  for kc in "$@"; do
    b_jwks="$b_jwks$(x509_jwk "${kc%%:*}" "${kc#*:}")
"
    set -- "$@" "$out/${kc#*:}.pem"
    shift
  done
  cat "$@" >"$out/bundle_$b_name.pem"
  # One JWK text a line (no JWK text holds a newline): split on lines.
  old_ifs=$IFS
  IFS='
'
  # shellcheck disable=SC2086 # split into one argument per JWK
  bundle_json "$b_seq" $b_jwks >"$out/bundle_$b_name.json"
  IFS=$old_ifs
}

bundle a 1 EC:root_a RSA:root_a_rsa     # example.org
bundle a1 2 EC:root_a                   # example.org before rotation
bundle a_rot 3 EC:root_a EC:root_a2     # example.org during rotation
bundle a_new 4 EC:root_a2               # example.org after rotation
bundle b 1 EC:root_b                    # other.org
bundle a_wrong 5 EC:root_b              # other.org's root under example.org
bundle a_expired 6 EC:root_expired      # example.org, an expired root
bundle_json 7 >"$out/bundle_a_empty.json" # example.org trusts nothing

# ---- Bundle documents of the loader (cases.json "bundle_docs") ----------------------

jwk_a=$(x509_jwk EC root_a)
printf '{"spiffe_sequence": 1, "spiffe_refresh_hint": 300}\n' \
  >"$out/doc_no_keys.json"
printf '{"spiffe_sequence": 1, "keys": {}}\n' >"$out/doc_keys_not_array.json"
bundle_json 1 "$jwk_a" '{"kty": "EC", "use": "x509-svid"}' \
  >"$out/doc_no_x5c.json"
bundle_json 1 "$jwk_a" '{"kty": "EC", "use": "x509-svid", "x5c": []}' \
  >"$out/doc_empty_x5c.json"
bundle_json 1 "$jwk_a" \
  "{\"kty\": \"EC\", \"use\": \"jwt-svid\", \"kid\": \"k1\", \"x5c\": [\"$(b64 root_b)\"]}" \
  >"$out/doc_jwt_svid.json"
bundle_json 1 \
  "{\"kty\": \"EC\", \"use\": \"jwt-svid\", \"kid\": \"k1\", \"x5c\": [\"$(b64 root_b)\"]}" \
  >"$out/doc_only_jwt_svid.json"
bundle_json 1 "$jwk_a" \
  "{\"kty\": \"EC\", \"use\": \"x509-svid-v2\", \"x5c\": [\"$(b64 root_b)\"]}" \
  >"$out/doc_unknown_use.json"
bundle_json 1 "$jwk_a" "{\"kty\": \"EC\", \"x5c\": [\"$(b64 root_b)\"]}" \
  >"$out/doc_no_use.json"
bundle_json 1 "$(x509_jwk EC root_a root_b)" >"$out/doc_two_x5c.json"
bundle_json 1 '{"kty": "EC", "use": "x509-svid", "x5c": ["%%not base64%%"]}' \
  >"$out/doc_bad_base64.json"
bundle_json 1 '{"kty": "EC", "use": "x509-svid", "x5c": ["MAMCAQU="]}' \
  >"$out/doc_bad_der.json"
bundle_json 1 "$(x509_jwk EC root_nc)" >"$out/doc_nc_root.json"
cat "$out/root_a.pem" "$out/root_nc.pem" >"$out/doc_nc_root.pem"
bundle_json 1 "$jwk_a" "$(x509_jwk EC valid_ec)" >"$out/doc_leaf.json"
cat "$out/root_a.pem" "$out/valid_ec.pem" >"$out/doc_leaf.pem"
: >"$out/doc_empty.pem"
cp "$out/garbage.pem" "$out/doc_bad_block.pem"
printf '{"spiffe_sequence": 1, "keys": [' >"$out/doc_syntax.json"
{
  printf '{"trust_domains": {\n"example.org": '
  cat "$out/bundle_a.json"
  printf ',\n"other.org": '
  cat "$out/bundle_b.json"
  printf '}}\n'
} >"$out/doc_map.json"
{
  printf '{"trust_domains": {\n"example.org": '
  cat "$out/bundle_a1.json"
  printf ',\n"example.org": '
  cat "$out/bundle_a_new.json"
  printf '}}\n'
} >"$out/doc_map_duplicate.json"

rm -rf "$work"
: >"$stamp"
