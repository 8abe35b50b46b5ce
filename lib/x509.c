#include "x509.h"

#include <stdio.h>
#include <string.h>

/* The compat layer first: it must precede every other mbedTLS header. */
#include "mbedtls_compat.h"

#include "mbedtls/oid.h"

#include "b64url.h"

struct zt_x509_certs {
  zt_allocator mem;
  mbedtls_x509_crt head; /* the first certificate; the rest follow ->next */
  size_t n;
};

static const zt_allocator *mem_or_default(const zt_allocator *mem) {
  return mem ? mem : &zt_default_allocator;
}

const char *zt_x509_rc_text(zt_x509_rc rc) {
  static const char *const text[] = {
      [ZT_X509_OK] = "ok",
      [ZT_X509_EMPTY] = "no certificate",
      [ZT_X509_TOO_MANY] = "too many certificates",
      [ZT_X509_BAD_DER] = "DER framing is broken",
      [ZT_X509_BAD_PEM] = "PEM is broken",
      [ZT_X509_PEM_LABEL] = "PEM block is not a CERTIFICATE",
      [ZT_X509_MALFORMED] = "not a well-formed X.509 certificate",
      [ZT_X509_UNSUPPORTED_EXT] = "unsupported critical extension",
      [ZT_X509_NOT_CA] = "not a CA certificate (cA, keyCertSign)",
      [ZT_X509_WEAK_KEY] =
          "key is neither RSA of 2048+ bits nor EC on P-256/384/521",
      [ZT_X509_WEAK_SIGNATURE] = "signature hash is not SHA-256/384/512",
      [ZT_X509_UNTRUSTED] = "no path to a trust anchor",
      [ZT_X509_NOMEM] = "out of memory",
      [ZT_X509_INTERNAL] = "internal mbedTLS failure",
  };
  if ((unsigned)rc >= sizeof text / sizeof text[0])
    return "unknown";
  return text[rc];
}

static void set_fail(zt_x509_fail *fail, size_t index) {
  if (fail) {
    fail->index = index;
    fail->ext[0] = '\0';
  }
}

/* ---- DER framing --------------------------------------------------------- */

/* The length of the SEQUENCE at p, header included, if it fits in n bytes
 * with a definite, minimal length of at most 4 bytes; else 0. */
static size_t der_seq_len(const uint8_t *p, size_t n) {
  if (n < 2 || p[0] != 0x30)
    return 0;
  size_t hdr = 2, body = p[1];
  if (body & 0x80) {
    size_t k = body & 0x7f;
    if (k == 0 || k > 4 || n < 2 + k || p[2] == 0)
      return 0;
    body = 0;
    for (size_t i = 0; i < k; i++)
      body = body << 8 | p[2 + i];
    if (body < 0x80)
      return 0;
    hdr += k;
  }
  return body <= n - hdr ? hdr + body : 0;
}

static bool looks_der(const char *in, size_t len) {
  const uint8_t *p = (const uint8_t *)in;
  return len >= 2 && p[0] == 0x30 && p[1] >= 0x81 && p[1] <= 0x84;
}

static zt_x509_rc split_der(const char *in, size_t len, size_t max, zt_der *out,
                            size_t *n, zt_x509_fail *fail) {
  const uint8_t *p = (const uint8_t *)in;
  size_t pos = 0, k = 0;
  while (pos < len) {
    size_t l = der_seq_len(p + pos, len - pos);
    set_fail(fail, k);
    if (l == 0)
      return ZT_X509_BAD_DER;
    if (k == max)
      return ZT_X509_TOO_MANY;
    out[k].p = p + pos;
    out[k++].n = l;
    pos += l;
  }
  *n = k;
  return ZT_X509_OK;
}

/* ---- PEM ----------------------------------------------------------------- */

typedef struct text {
  const char *p;
  size_t n;
} text;

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next line from *pos, end of line and surrounding blanks removed;
 * false at the end of the text. */
static bool next_line(const char *s, size_t n, size_t *pos, text *line) {
  if (*pos >= n)
    return false;
  const char *start = s + *pos;
  const char *nl = memchr(start, '\n', n - *pos);
  size_t len = nl ? (size_t)(nl - start) : n - *pos;
  *pos += nl ? len + 1 : len;
  while (len && is_blank(*start)) {
    start++;
    len--;
  }
  while (len && is_blank(start[len - 1]))
    len--;
  line->p = start;
  line->n = len;
  return true;
}

static bool has_prefix(text t, const char *lit) {
  size_t k = strlen(lit);
  return t.n >= k && memcmp(t.p, lit, k) == 0;
}

static bool text_is(text t, const char *lit) {
  return t.n == strlen(lit) && memcmp(t.p, lit, t.n) == 0;
}

/* The label of a boundary line "-----<kind> <label>-----". */
static bool boundary(text line, const char *kind, text *label) {
  static const char dashes[] = "-----";
  size_t k = strlen(kind);
  if (line.n < k + 5 + 1 || memcmp(line.p, kind, k) != 0 ||
      memcmp(line.p + line.n - 5, dashes, 5) != 0)
    return false;
  label->p = line.p + k;
  label->n = line.n - k - 5;
  return true;
}

typedef struct pem_block {
  text label;
  const char *body; /* the lines between the boundaries */
  size_t body_len;
} pem_block;

/* The next block from *pos: ZT_X509_OK, ZT_X509_EMPTY when no block is
 * left, ZT_X509_BAD_PEM for a broken one. Lines that do not begin a block
 * are text around blocks: ignored. */
static zt_x509_rc pem_next(const char *s, size_t n, size_t *pos, pem_block *b) {
  text line, end;
  while (next_line(s, n, pos, &line)) {
    if (!has_prefix(line, "-----BEGIN"))
      continue;
    if (!boundary(line, "-----BEGIN ", &b->label))
      return ZT_X509_BAD_PEM;
    size_t start = *pos;
    for (;;) {
      size_t at = *pos;
      if (!next_line(s, n, pos, &line))
        return ZT_X509_BAD_PEM;
      if (!has_prefix(line, "-----"))
        continue;
      if (!boundary(line, "-----END ", &end) || end.n != b->label.n ||
          memcmp(end.p, b->label.p, end.n) != 0)
        return ZT_X509_BAD_PEM;
      b->body = s + start;
      b->body_len = at - start;
      return ZT_X509_OK;
    }
  }
  return ZT_X509_EMPTY;
}

static bool all_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_blank(s[i]))
      return false;
  return true;
}

/* Counts the blocks, all CERTIFICATE, up to max. */
static zt_x509_rc pem_count(const char *in, size_t len, size_t max,
                            size_t *count, zt_x509_fail *fail) {
  size_t pos = 0, k = 0;
  pem_block b;
  for (;;) {
    set_fail(fail, k);
    zt_x509_rc rc = pem_next(in, len, &pos, &b);
    if (rc == ZT_X509_EMPTY)
      break;
    if (rc != ZT_X509_OK)
      return rc;
    if (!text_is(b.label, "CERTIFICATE"))
      return ZT_X509_PEM_LABEL;
    if (k == max)
      return ZT_X509_TOO_MANY;
    k++;
  }
  if (k == 0)
    return all_blank(in, len) ? ZT_X509_EMPTY : ZT_X509_BAD_PEM;
  *count = k;
  return ZT_X509_OK;
}

/* Decodes one block body: its blanks dropped into scratch, then strict
 * standard base64 into out (cap bytes). */
static bool pem_decode(const pem_block *b, char *scratch, uint8_t *out,
                       size_t cap, size_t *n) {
  size_t k = 0;
  for (size_t i = 0; i < b->body_len; i++)
    if (!is_blank(b->body[i]))
      scratch[k++] = b->body[i];
  return zt_b64_decode(scratch, k, out, cap, n) && *n > 0;
}

/* The buffer holds a scratch area of len bytes for one body's base64, then
 * the decoded certificates, which are shorter than their text. */
static zt_x509_rc split_pem(const zt_allocator *mem, const char *in, size_t len,
                            size_t max, zt_der *out, size_t *n, uint8_t **buf,
                            zt_x509_fail *fail) {
  size_t count = 0;
  zt_x509_rc rc = pem_count(in, len, max, &count, fail);
  if (rc != ZT_X509_OK)
    return rc;
  if (len > SIZE_MAX / 2 || !(*buf = zt_alloc(mem, 2 * len)))
    return ZT_X509_NOMEM;
  char *scratch = (char *)*buf;
  uint8_t *dst = *buf + len;
  size_t pos = 0, used = 0;
  pem_block b;
  for (size_t i = 0; i < count; i++) {
    size_t got = 0;
    set_fail(fail, i);
    if (pem_next(in, len, &pos, &b) != ZT_X509_OK ||
        !pem_decode(&b, scratch, dst + used, len - used, &got))
      return ZT_X509_BAD_PEM;
    out[i].p = dst + used;
    out[i].n = got;
    used += got;
  }
  *n = count;
  return ZT_X509_OK;
}

zt_x509_rc zt_x509_split(const zt_allocator *mem, const char *in, size_t len,
                         unsigned forms, size_t max, zt_der *out, size_t *n,
                         uint8_t **buf, zt_x509_fail *fail) {
  mem = mem_or_default(mem);
  *buf = NULL;
  *n = 0;
  set_fail(fail, 0);
  if (!in || len == 0)
    return ZT_X509_EMPTY;
  bool der = (forms & ZT_X509_DER) && looks_der(in, len);
  if (!der && !(forms & ZT_X509_PEM))
    return ZT_X509_BAD_DER;
  if (der)
    return split_der(in, len, max, out, n, fail);
  zt_x509_rc rc = split_pem(mem, in, len, max, out, n, buf, fail);
  if (rc != ZT_X509_OK) {
    zt_free(mem, *buf);
    *buf = NULL;
    *n = 0;
  }
  return rc;
}

/* ---- Parsing ------------------------------------------------------------- */

/* What the extension callback saw: a critical extension it refused. */
typedef struct ext_seen {
  bool refused;
  char name[64];
} ext_seen;

static void ext_name(const mbedtls_x509_buf *oid, char *out, size_t cap) {
  static const struct {
    const char *oid;
    size_t len;
    const char *name;
  } known[] = {
#define KNOWN(o, n) {o, sizeof(o) - 1, n}
      KNOWN(MBEDTLS_OID_NAME_CONSTRAINTS, "nameConstraints"),
      KNOWN(MBEDTLS_OID_CERTIFICATE_POLICIES, "certificatePolicies"),
      KNOWN(MBEDTLS_OID_POLICY_CONSTRAINTS, "policyConstraints"),
      KNOWN(MBEDTLS_OID_POLICY_MAPPINGS, "policyMappings"),
#undef KNOWN
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (oid->len == known[i].len &&
        memcmp(oid->p, known[i].oid, oid->len) == 0) {
      snprintf(out, cap, "%s", known[i].name);
      return;
    }
  if (mbedtls_oid_get_numeric_string(out, cap, oid) < 0)
    snprintf(out, cap, "%s", "an extension with an unreadable OID");
}

/* Key identifiers constrain nothing, and 3.x parses them while 2.28 does
 * not: accepting them when critical makes both versions agree. */
static bool is_key_identifier(const mbedtls_x509_buf *oid) {
  return MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER, oid) == 0 ||
         MBEDTLS_OID_CMP(MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, oid) == 0;
}

/* Called for extensions mbedTLS does not know (and certificatePolicies
 * with policies other than anyPolicy). A non-critical one may be ignored
 * (RFC 5280 §4.2); a critical one fails the parse: accepting it would not
 * enforce it (spiffe.md §4.2: nameConstraints). */
static int on_extension(void *ctx, mbedtls_x509_crt const *crt,
                        mbedtls_x509_buf const *oid, int critical,
                        const unsigned char *p, const unsigned char *end) {
  (void)crt;
  (void)p;
  (void)end;
  if (!critical || is_key_identifier(oid))
    return 0;
  ext_seen *seen = ctx;
  seen->refused = true;
  ext_name(oid, seen->name, sizeof seen->name);
  return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
}

static zt_x509_rc parse_into(mbedtls_x509_crt *crt, const uint8_t *der,
                             size_t n, bool copy, zt_x509_fail *fail) {
  if (!der || der_seq_len(der, n) != n)
    return ZT_X509_BAD_DER;
  ext_seen seen = {false, ""};
  int ret = mbedtls_x509_crt_parse_der_with_ext_cb(crt, der, n, copy,
                                                   on_extension, &seen);
  if (ret == 0)
    return ZT_X509_OK;
  if (seen.refused) {
    if (fail)
      snprintf(fail->ext, sizeof fail->ext, "%s", seen.name);
    return ZT_X509_UNSUPPORTED_EXT;
  }
  return zt_mbedtls_nomem(ret) ? ZT_X509_NOMEM : ZT_X509_MALFORMED;
}

zt_x509_rc zt_x509_certs_new(const zt_allocator *mem, zt_x509_certs **out) {
  mem = mem_or_default(mem);
  zt_x509_certs *c = zt_alloc(mem, sizeof *c);
  *out = c;
  if (!c)
    return ZT_X509_NOMEM;
  c->mem = *mem;
  mbedtls_x509_crt_init(&c->head);
  c->n = 0;
  return ZT_X509_OK;
}

void zt_x509_certs_free(zt_x509_certs *c) {
  if (!c)
    return;
  mbedtls_x509_crt_free(&c->head);
  zt_allocator mem = c->mem;
  zt_free(&mem, c);
}

size_t zt_x509_count(const zt_x509_certs *c) {
  return c ? c->n : 0;
}

zt_x509_rc zt_x509_add(zt_x509_certs *c, const uint8_t *der, size_t n,
                       zt_x509_fail *fail) {
  zt_x509_rc rc = parse_into(&c->head, der, n, false, fail);
  if (rc == ZT_X509_OK)
    c->n++;
  return rc;
}

/* ---- Trust anchors ------------------------------------------------------- */

/* SHA-256/384/512; RSA of 2048 bits or more (PKCS#1 v1.5 or PSS); EC on
 * P-256, P-384, P-521. Passed explicitly because the defaults of 2.28
 * (SHA-224, any curve) and 3.6 differ. */
static const mbedtls_x509_crt_profile profile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP521R1),
    2048,
};

/* The profile's rule for keys, as mbedTLS applies it to every certificate
 * of a path, here for an anchor before it is trusted. */
static bool key_in_profile(const mbedtls_pk_context *pk) {
  switch (mbedtls_pk_get_type(pk)) {
  case MBEDTLS_PK_RSA:
    return mbedtls_pk_get_bitlen(pk) >= profile.rsa_min_bitlen;
  case MBEDTLS_PK_ECKEY:
  case MBEDTLS_PK_ECDSA: {
    mbedtls_ecp_group_id id = zt_pk_ec_group(pk);
    return id != MBEDTLS_ECP_DP_NONE &&
           (profile.allowed_curves & MBEDTLS_X509_ID_FLAG(id)) != 0;
  }
  default:
    return false;
  }
}

/*
 * One verification that must fail, through mbedtls_pk_verify(), the entry
 * point path validation uses with an anchor's key: whatever it builds
 * lazily on the key is built now, before the anchor is shared. For RSA that
 * is R^2 mod N (written on first use, under the key's mutex when mbedTLS
 * has threading). For EC it is the comb table for G in the key's group on
 * 3.x builds without static tables; 2.28 verifies on a copy of the group
 * and 3.6 loads static tables for the NIST curves (both checked: the
 * anchor's group is never written), so there it is a guard. crypto.c's
 * group_warm() cannot serve: it warms crypto.c's own groups, which path
 * validation never sees. r = s = 1 runs the whole ECDSA check, s = 2 < N
 * the whole RSA one.
 */
static zt_x509_rc warm_key(mbedtls_pk_context *pk) {
  static const uint8_t ec_sig[] = {0x30, 0x06, 0x02, 0x01,
                                   0x01, 0x02, 0x01, 0x01};
  uint8_t hash[32], sig[MBEDTLS_MPI_MAX_SIZE];
  size_t n = sizeof ec_sig;
  memset(hash, 0x5a, sizeof hash);
  if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
    n = mbedtls_pk_get_len(pk);
    if (n < 2 || n > sizeof sig)
      return ZT_X509_INTERNAL;
    memset(sig, 0, n);
    sig[n - 1] = 2;
  } else {
    memcpy(sig, ec_sig, n);
  }
  int ret = mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, hash, sizeof hash, sig, n);
  if (ret == MBEDTLS_ERR_ECP_VERIFY_FAILED ||
      ret == MBEDTLS_ERR_RSA_VERIFY_FAILED)
    return ZT_X509_OK;
  return zt_mbedtls_nomem(ret) ? ZT_X509_NOMEM : ZT_X509_INTERNAL;
}

/* Judges the anchor on a parse of its own, before it joins the list: a CA
 * whose keyUsage lacks keyCertSign could never sign a path (mbedTLS
 * refuses it as a parent), and v1 roots without basicConstraints are
 * refused too. */
static zt_x509_rc anchor_check(const uint8_t *der, size_t n,
                               zt_x509_fail *fail) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  zt_x509_rc rc = parse_into(&crt, der, n, false, fail);
  if (rc == ZT_X509_OK &&
      (!zt_crt_is_ca(&crt) ||
       (zt_crt_has_ext(&crt, MBEDTLS_X509_EXT_KEY_USAGE) &&
        !zt_crt_has_ku(&crt, MBEDTLS_X509_KU_KEY_CERT_SIGN))))
    rc = ZT_X509_NOT_CA;
  if (rc == ZT_X509_OK && !key_in_profile(&crt.pk))
    rc = ZT_X509_WEAK_KEY;
  mbedtls_x509_crt_free(&crt);
  return rc;
}

zt_x509_rc zt_x509_add_anchor(zt_x509_certs *c, const uint8_t *der, size_t n,
                              zt_x509_fail *fail) {
  zt_x509_rc rc = anchor_check(der, n, fail);
  if (rc == ZT_X509_OK)
    rc = parse_into(&c->head, der, n, true, fail);
  if (rc != ZT_X509_OK)
    return rc;
  c->n++;
  mbedtls_x509_crt *last = &c->head;
  while (last->next)
    last = last->next;
  return warm_key(&last->pk);
}

/* ---- The leaf ------------------------------------------------------------ */

#define SAN_URI (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)
#define SAN_URI_CONSTRUCTED (SAN_URI | MBEDTLS_ASN1_CONSTRUCTED)

/* 2.28 and 3.6 both keep every GeneralName of the SAN extension in
 * subject_alt_names with its tag byte; neither checks the form of [6]. */
zt_x509_san zt_x509_uri_san(const zt_x509_certs *c, const char **uri,
                            size_t *len) {
  const mbedtls_x509_buf *found = NULL;
  size_t count = 0;
  *uri = NULL;
  *len = 0;
  for (const mbedtls_x509_sequence *s = &c->head.subject_alt_names; s;
       s = s->next) {
    if (!s->buf.p)
      continue; /* the empty list */
    if (s->buf.tag == SAN_URI_CONSTRUCTED)
      return ZT_X509_SAN_MALFORMED;
    if (s->buf.tag == SAN_URI) {
      count++;
      found = &s->buf;
    }
  }
  if (count == 0)
    return ZT_X509_SAN_NONE;
  if (count > 1)
    return ZT_X509_SAN_MULTIPLE;
  for (size_t i = 0; i < found->len; i++)
    if (found->p[i] > 0x7f)
      return ZT_X509_SAN_MALFORMED; /* not an IA5String */
  *uri = (const char *)found->p;
  *len = found->len;
  return ZT_X509_SAN_ONE;
}

void zt_x509_leaf_facts(const zt_x509_certs *c, zt_x509_leaf *out) {
  const mbedtls_x509_crt *crt = &c->head;
  memset(out, 0, sizeof *out);
  out->ca = zt_crt_is_ca(crt);
  out->has_ku = zt_crt_has_ext(crt, MBEDTLS_X509_EXT_KEY_USAGE);
  if (out->has_ku) {
    out->ku_digital_signature =
        zt_crt_has_ku(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    out->ku_key_cert_sign = zt_crt_has_ku(crt, MBEDTLS_X509_KU_KEY_CERT_SIGN);
    out->ku_crl_sign = zt_crt_has_ku(crt, MBEDTLS_X509_KU_CRL_SIGN);
  }
  out->has_eku = zt_crt_has_ext(crt, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE);
  if (!out->has_eku)
    return;
  for (const mbedtls_x509_sequence *s = &crt->ext_key_usage; s; s = s->next) {
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_SERVER_AUTH, &s->buf) == 0)
      out->eku_server_auth = true;
    else if (MBEDTLS_OID_CMP(MBEDTLS_OID_CLIENT_AUTH, &s->buf) == 0)
      out->eku_client_auth = true;
    else if (MBEDTLS_OID_CMP(MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE, &s->buf) == 0)
      out->eku_any = true;
  }
}

/* ---- Path validation ----------------------------------------------------- */

bool zt_x509_unix_time(int year, int mon, int day, int hour, int min, int sec,
                       int64_t *out) {
  static const int before[12] = {0,   31,  59,  90,  120, 151,
                                 181, 212, 243, 273, 304, 334};
  static const int length[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
  if (year < 0 || year > 9999 || mon < 1 || mon > 12)
    return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days_in_month = length[mon - 1] + (mon == 2 && leap);
  if (day < 1 || day > days_in_month || hour < 0 || hour > 23 || min < 0 ||
      min > 59 || sec < 0 || sec > 59)
    return false;
  /* Days from 0000-01-01 to the first of the year: 365 per year plus the
   * leap years before it (0, 4, ... less the centuries but every fourth);
   * 719528 of them lie before 1970-01-01. */
  int64_t y = year;
  int64_t leaps = y == 0 ? 0 : (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400 + 1;
  int64_t days = 365 * y + leaps - 719528;
  days += before[mon - 1] + (mon > 2 && leap) + (day - 1);
  *out = days * 86400 + hour * 3600 + min * 60 + sec;
  return true;
}

static bool crt_time(const mbedtls_x509_time *t, int64_t *out) {
  return zt_x509_unix_time(t->year, t->mon, t->day, t->hour, t->min, t->sec,
                           out);
}

typedef struct path_seen {
  zt_x509_window win;
  bool bad_time;
} path_seen;

/* Called for every certificate of the path, the anchor included: the
 * window is narrowed to it, and the verdicts on time, which mbedTLS takes
 * from the system clock, are dropped: the caller's clock decides. */
static int on_path(void *ctx, mbedtls_x509_crt *crt, int depth,
                   uint32_t *flags) {
  (void)depth;
  path_seen *seen = ctx;
  int64_t from, to;
  if (!crt_time(&crt->valid_from, &from) || !crt_time(&crt->valid_to, &to)) {
    seen->bad_time = true;
  } else {
    if (from > seen->win.not_before)
      seen->win.not_before = from;
    if (to < seen->win.not_after)
      seen->win.not_after = to;
  }
  *flags &=
      ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  return 0;
}

static zt_x509_rc verdict(uint32_t flags) {
  if (flags & MBEDTLS_X509_BADCERT_BAD_MD)
    return ZT_X509_WEAK_SIGNATURE;
  if (flags & (MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_PK))
    return ZT_X509_WEAK_KEY;
  return ZT_X509_UNTRUSTED;
}

/* mbedTLS takes the lists without const; path validation reads them (an
 * RSA anchor's mutex aside, which is what it is for). */
zt_x509_rc zt_x509_verify(const zt_x509_certs *chain,
                          const zt_x509_certs *anchors, zt_x509_window *win) {
  if (!chain || chain->n == 0 || !anchors || anchors->n == 0)
    return ZT_X509_UNTRUSTED;
  path_seen seen = {{INT64_MIN, INT64_MAX}, false};
  uint32_t flags = 0;
  int ret = mbedtls_x509_crt_verify_with_profile(
      (mbedtls_x509_crt *)&chain->head, (mbedtls_x509_crt *)&anchors->head,
      NULL, &profile, NULL, &flags, on_path, &seen);
  if (ret == 0) {
    if (seen.bad_time)
      return ZT_X509_INTERNAL;
    *win = seen.win;
    return ZT_X509_OK;
  }
  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    return verdict(flags);
  if (ret == MBEDTLS_ERR_X509_FATAL_ERROR)
    return ZT_X509_UNTRUSTED; /* a path longer than mbedTLS follows */
  return zt_mbedtls_nomem(ret) ? ZT_X509_NOMEM : ZT_X509_INTERNAL;
}
