#include "bundle.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "json.h"
#include "spiffe_id.h"
#include "x509.h"

/* Tokens of one document: a 1 MiB map of 256 trust domains with 64 roots
 * each stays well below. */
#define MAX_TOKENS (1u << 18)

struct zt_bundle {
  atomic_uint refs;
  zt_allocator mem;
  zt_x509_certs *roots; /* NULL: the bundle trusts nothing */
  bool has_seq;
  uint64_t seq;
  size_t td_len;
  char td[ZT_SPIFFE_TD_MAX + 1];
};

/* Where in a document a message points: "" for a single bundle,
 * trust_domains["td"]: in a map. */
typedef struct where {
  char s[ZT_SPIFFE_TD_MAX + 24];
} where;

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static int fail(zt_bundle_err *err, int rc, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static int fail(zt_bundle_err *err, int rc, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return rc;
}

static const zt_allocator *mem_or_default(const zt_allocator *mem) {
  return mem ? mem : &zt_default_allocator;
}

/* Why (s, n) is not a bare trust domain name, or NULL. A bare name only:
 * zt_spiffe_trust_domain() also takes "spiffe://td/x" and keeps its trust
 * domain, which would give one bundle two spellings. */
static const char *not_bare_td(const char *s, size_t n) {
  zt_spiffe_id id;
  zt_spiffe_err e = zt_spiffe_trust_domain(s, n, 0, &id);
  if (e != ZT_SPIFFE_OK)
    return zt_spiffe_err_text(e);
  if (id.td.len != n || memcmp(id.td.ptr, s, n) != 0)
    return "a SPIFFE ID, not a bare name";
  return NULL;
}

/* ---- Life cycle ---------------------------------------------------------- */

static int bundle_new(const zt_allocator *mem, const char *td, size_t td_len,
                      zt_bundle **out) {
  zt_bundle *b = zt_calloc(mem, 1, sizeof *b);
  *out = b;
  if (!b)
    return ZT_ENOMEM;
  atomic_init(&b->refs, 1);
  b->mem = *mem;
  memcpy(b->td, td, td_len);
  b->td[td_len] = '\0';
  b->td_len = td_len;
  if (zt_x509_certs_new(mem, &b->roots) != ZT_X509_OK) {
    zt_bundle_release(b);
    *out = NULL;
    return ZT_ENOMEM;
  }
  return ZT_OK;
}

/* An empty bundle keeps no list: zt_bundle_chain() says NULL. */
static void bundle_seal(zt_bundle *b) {
  if (zt_x509_count(b->roots) == 0) {
    zt_x509_certs_free(b->roots);
    b->roots = NULL;
  }
}

void zt_bundle_retain(zt_bundle *b) {
  if (b)
    atomic_fetch_add(&b->refs, 1);
}

void zt_bundle_release(zt_bundle *b) {
  if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
    return;
  zt_x509_certs_free(b->roots);
  zt_allocator mem = b->mem;
  zt_free(&mem, b);
}

const char *zt_bundle_trust_domain(const zt_bundle *b, size_t *len) {
  if (len)
    *len = b ? b->td_len : 0;
  return b ? b->td : "";
}

uint32_t zt_bundle_roots(const zt_bundle *b) {
  return b ? (uint32_t)zt_x509_count(b->roots) : 0;
}

bool zt_bundle_sequence(const zt_bundle *b, uint64_t *seq) {
  if (!b || !b->has_seq)
    return false;
  if (seq)
    *seq = b->seq;
  return true;
}

const void *zt_bundle_chain(const zt_bundle *b) {
  return b ? b->roots : NULL;
}

/* ---- Roots --------------------------------------------------------------- */

/* Adds one root; what names it in a message. */
static int add_root(zt_bundle *b, const uint8_t *der, size_t n,
                    const char *what, zt_bundle_err *err) {
  if (zt_x509_count(b->roots) >= ZT_BUNDLE_MAX_ROOTS)
    return fail(err, ZT_ELIMIT, "%s: more than %u roots", what,
                ZT_BUNDLE_MAX_ROOTS);
  zt_x509_fail f;
  zt_x509_rc rc = zt_x509_add_anchor(b->roots, der, n, &f);
  switch (rc) {
  case ZT_X509_OK:
    return ZT_OK;
  case ZT_X509_NOMEM:
    return fail(err, ZT_ENOMEM, "%s: out of memory", what);
  case ZT_X509_INTERNAL:
    return fail(err, ZT_EINTERNAL, "%s: %s", what, zt_x509_rc_text(rc));
  case ZT_X509_UNSUPPORTED_EXT:
    return fail(err, ZT_ESCHEMA, "%s: unsupported critical extension %s", what,
                f.ext);
  default:
    return fail(err, ZT_ESCHEMA, "%s: %s", what, zt_x509_rc_text(rc));
  }
}

static int split_failure(zt_x509_rc rc, const zt_x509_fail *f,
                         zt_bundle_err *err) {
  switch (rc) {
  case ZT_X509_NOMEM:
    return fail(err, ZT_ENOMEM, "out of memory");
  case ZT_X509_TOO_MANY:
    return fail(err, ZT_ELIMIT, "more than %u roots", ZT_BUNDLE_MAX_ROOTS);
  case ZT_X509_EMPTY:
    return fail(err, ZT_ESYNTAX, "no CERTIFICATE block");
  case ZT_X509_PEM_LABEL:
    return fail(err, ZT_ESYNTAX, "PEM block %zu is not a CERTIFICATE",
                f->index + 1);
  case ZT_X509_BAD_PEM:
    if (f->index == 0)
      return fail(err, ZT_ESYNTAX, "not PEM certificates");
    return fail(err, ZT_ESYNTAX,
                "PEM block %zu has no END line or is not base64", f->index + 1);
  default:
    return fail(err, ZT_ESYNTAX, "not PEM certificates");
  }
}

/* PEM: every block a CERTIFICATE, text around them ignored. */
static int roots_from_pem(zt_bundle *b, const char *doc, size_t len,
                          zt_bundle_err *err) {
  zt_der der[ZT_BUNDLE_MAX_ROOTS];
  size_t n = 0;
  uint8_t *buf = NULL;
  zt_x509_fail f;
  zt_x509_rc rc = zt_x509_split(&b->mem, doc, len, ZT_X509_PEM,
                                ZT_BUNDLE_MAX_ROOTS, der, &n, &buf, &f);
  int out = rc == ZT_X509_OK ? ZT_OK : split_failure(rc, &f, err);
  for (size_t i = 0; out == ZT_OK && i < n; i++) {
    char what[48];
    snprintf(what, sizeof what, "certificate %zu", i + 1);
    out = add_root(b, der[i].p, der[i].n, what, err);
  }
  zt_free(&b->mem, buf);
  return out;
}

/* ---- SPIFFE bundles (JWK sets) ------------------------------------------- */

static bool looks_json(const char *doc, size_t len) {
  size_t i = 0;
  while (i < len &&
         (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\r' || doc[i] == '\n'))
    i++;
  return i < len && doc[i] == '{';
}

static int parse_json(const zt_allocator *mem, const char *doc, size_t len,
                      zt_json_doc *d, zt_bundle_err *err) {
  zt_json_limits lim = {ZT_BUNDLE_MAX_BYTES, MAX_TOKENS, 0, 0};
  zt_json_error je = {0, NULL};
  int rc = zt_json_parse_alloc(d, mem, doc, len, &lim, &je);
  if (rc == ZT_OK)
    return ZT_OK;
  if (rc == ZT_ENOMEM)
    return fail(err, rc, "out of memory");
  return fail(err, rc, "JSON: %s at byte %zu",
              je.reason ? je.reason : "invalid", je.offset);
}

/* A non-negative integer, up to 2^64 - 1 (spiffe_sequence may use all 64
 * bits): zt_json_int64() refuses fractions and exponents, and says
 * ZT_ELIMIT only for integers, which zt_json_uint64() then reads. */
static bool read_count(const zt_json_doc *d, zt_json_val v, uint64_t *out) {
  int64_t i = 0;
  int rc = zt_json_int64(d, v, &i);
  if (rc == ZT_OK && i >= 0) {
    *out = (uint64_t)i;
    return true;
  }
  return rc == ZT_ELIMIT && zt_json_uint64(d, v, out) == ZT_OK;
}

static int read_members(zt_bundle *b, const zt_json_doc *d, zt_json_val obj,
                        const where *w, zt_bundle_err *err) {
  static const char *const names[] = {"spiffe_sequence", "spiffe_refresh_hint"};
  for (size_t i = 0; i < 2; i++) {
    zt_json_val v;
    uint64_t value = 0;
    if (!zt_json_member(d, obj, names[i], strlen(names[i]), &v))
      continue;
    if (!read_count(d, v, &value))
      return fail(err, ZT_ESCHEMA, "%s%s is not a non-negative integer", w->s,
                  names[i]);
    if (i == 0) {
      b->has_seq = true;
      b->seq = value;
    }
  }
  return ZT_OK;
}

/* x5c[0]: standard base64 (RFC 7517 §4.7) of one DER certificate. */
static int root_from_x5c(zt_bundle *b, const char *s, size_t n,
                         const char *what, zt_bundle_err *err) {
  size_t cap = zt_b64_decoded_len(n), got = 0;
  uint8_t *der = zt_alloc(&b->mem, cap);
  if (!der)
    return fail(err, ZT_ENOMEM, "%s: out of memory", what);
  int rc = zt_b64_decode(s, n, der, cap, &got)
               ? add_root(b, der, got, what, err)
               : fail(err, ZT_ESCHEMA, "%s is not standard base64", what);
  zt_free(&b->mem, der);
  return rc;
}

/* One JWK (SPIFFE bundle §4.1, X509-SVID §6): entries for other uses,
 * without kty, or without certificates are ignored; only x5c[0] counts. */
static int read_key(zt_bundle *b, const zt_json_doc *d, zt_json_val key,
                    uint32_t i, const where *w, zt_bundle_err *err) {
  zt_json_val use, kty, x5c, first;
  const char *s;
  size_t n;
  if (zt_json_type_of(d, key) != ZT_JSON_OBJECT)
    return fail(err, ZT_ESCHEMA, "%skeys[%u] is not an object", w->s, i);
  if (!zt_json_member(d, key, "use", 3, &use) ||
      !zt_json_string_eq(d, use, "x509-svid", 9) ||
      !zt_json_member(d, key, "kty", 3, &kty) ||
      !zt_json_string(d, kty, &s, &n) || n == 0 ||
      !zt_json_member(d, key, "x5c", 3, &x5c))
    return ZT_OK;
  if (zt_json_type_of(d, x5c) != ZT_JSON_ARRAY)
    return fail(err, ZT_ESCHEMA, "%skeys[%u]: x5c is not an array", w->s, i);
  zt_json_iter it;
  zt_json_iter_init(&it, d, x5c);
  if (!zt_json_iter_next(&it, NULL, &first))
    return ZT_OK;
  char what[sizeof w->s + 32];
  snprintf(what, sizeof what, "%skeys[%u]: x5c[0]", w->s, i);
  if (!zt_json_string(d, first, &s, &n))
    return fail(err, ZT_ESCHEMA, "%s is not a string", what);
  return root_from_x5c(b, s, n, what, err);
}

static int read_keys(zt_bundle *b, const zt_json_doc *d, zt_json_val obj,
                     const where *w, zt_bundle_err *err) {
  zt_json_val keys, key;
  if (!zt_json_member(d, obj, "keys", 4, &keys))
    return fail(err, ZT_ESCHEMA, "%skeys is missing", w->s);
  if (zt_json_type_of(d, keys) != ZT_JSON_ARRAY)
    return fail(err, ZT_ESCHEMA, "%skeys is not an array", w->s);
  zt_json_iter it;
  zt_json_iter_init(&it, d, keys);
  for (uint32_t i = 0; zt_json_iter_next(&it, NULL, &key); i++) {
    int rc = read_key(b, d, key, i, w, err);
    if (rc != ZT_OK)
      return rc;
  }
  return ZT_OK;
}

/* The bundle of td from the SPIFFE bundle object obj. */
static int bundle_from_json(const zt_allocator *mem, const zt_json_doc *d,
                            zt_json_val obj, const char *td, size_t td_len,
                            const where *w, zt_bundle **out,
                            zt_bundle_err *err) {
  zt_bundle *b = NULL;
  int rc = bundle_new(mem, td, td_len, &b);
  if (rc != ZT_OK)
    return fail(err, rc, "out of memory");
  rc = read_keys(b, d, obj, w, err);
  if (rc == ZT_OK)
    rc = read_members(b, d, obj, w, err);
  if (rc != ZT_OK) {
    zt_bundle_release(b);
    return rc;
  }
  bundle_seal(b);
  *out = b;
  return ZT_OK;
}

/* ---- Entry points -------------------------------------------------------- */

static int bundle_from_pem(const zt_allocator *mem, const char *td,
                           size_t td_len, const char *doc, size_t len,
                           zt_bundle **out, zt_bundle_err *err) {
  zt_bundle *b = NULL;
  int rc = bundle_new(mem, td, td_len, &b);
  if (rc != ZT_OK)
    return fail(err, rc, "out of memory");
  rc = roots_from_pem(b, doc, len, err);
  if (rc != ZT_OK) {
    zt_bundle_release(b);
    return rc;
  }
  bundle_seal(b);
  *out = b;
  return ZT_OK;
}

int zt_bundle_parse(const zt_allocator *mem, const char *td, size_t td_len,
                    const char *doc, size_t len, zt_bundle **out,
                    zt_bundle_err *err) {
  if (err)
    err->msg[0] = '\0';
  if (!out)
    return fail(err, ZT_EINVAL, "no place for the bundle");
  *out = NULL;
  if ((!td && td_len) || (!doc && len))
    return fail(err, ZT_EINVAL, "missing trust domain or document");
  const char *why = not_bare_td(td, td_len);
  if (why)
    return fail(err, ZT_EINVAL, "bad trust domain name: %s", why);
  if (len > ZT_BUNDLE_MAX_BYTES)
    return fail(err, ZT_ELIMIT, "document larger than %u bytes",
                ZT_BUNDLE_MAX_BYTES);
  mem = mem_or_default(mem);
  if (!looks_json(doc, len))
    return bundle_from_pem(mem, td, td_len, doc, len, out, err);
  zt_json_doc d;
  int rc = parse_json(mem, doc, len, &d, err);
  if (rc != ZT_OK)
    return rc;
  where w = {""};
  rc = bundle_from_json(mem, &d, ZT_JSON_ROOT, td, td_len, &w, out, err);
  zt_json_doc_free(&d);
  return rc;
}

static int by_trust_domain(const void *a, const void *b) {
  const zt_bundle *x = *(zt_bundle *const *)a, *y = *(zt_bundle *const *)b;
  size_t n = x->td_len < y->td_len ? x->td_len : y->td_len;
  int c = memcmp(x->td, y->td, n);
  return c ? c : (x->td_len > y->td_len) - (x->td_len < y->td_len);
}

/* One member of trust_domains: a bare name and a bundle object. */
static int map_entry(const zt_allocator *mem, const zt_json_doc *d,
                     zt_json_val name, zt_json_val val, uint32_t i,
                     zt_bundle **out, zt_bundle_err *err) {
  const char *td = NULL;
  size_t td_len = 0;
  zt_json_string(d, name, &td, &td_len);
  const char *why = not_bare_td(td, td_len);
  if (why)
    return fail(err, ZT_ESCHEMA,
                "trust_domains: member %u is not a trust domain name: %s", i,
                why);
  where w;
  snprintf(w.s, sizeof w.s, "trust_domains[\"%s\"]: ", td);
  if (zt_json_type_of(d, val) != ZT_JSON_OBJECT)
    return fail(err, ZT_ESCHEMA, "%sthe bundle is not an object", w.s);
  return bundle_from_json(mem, d, val, td, td_len, &w, out, err);
}

static int map_entries(const zt_allocator *mem, const zt_json_doc *d,
                       zt_json_val map, zt_bundle **v, size_t *n,
                       zt_bundle_err *err) {
  zt_json_iter it;
  zt_json_val name, val;
  zt_json_iter_init(&it, d, map);
  for (uint32_t i = 0; zt_json_iter_next(&it, &name, &val); i++) {
    int rc = map_entry(mem, d, name, val, i, &v[*n], err);
    if (rc != ZT_OK)
      return rc;
    (*n)++;
  }
  qsort(v, *n, sizeof *v, by_trust_domain);
  /* JSON refuses duplicate names and names are bare: kept as a guard. */
  for (size_t i = 1; i < *n; i++)
    if (by_trust_domain(&v[i - 1], &v[i]) == 0)
      return fail(err, ZT_ESCHEMA, "trust domain %s appears twice", v[i]->td);
  return ZT_OK;
}

static int map_from_json(const zt_allocator *mem, const zt_json_doc *d,
                         zt_bundle ***out, size_t *n, zt_bundle_err *err) {
  zt_json_val map;
  if (!zt_json_member(d, ZT_JSON_ROOT, "trust_domains", 13, &map))
    return fail(err, ZT_ESCHEMA, "trust_domains is missing");
  if (zt_json_type_of(d, map) != ZT_JSON_OBJECT)
    return fail(err, ZT_ESCHEMA, "trust_domains is not an object");
  uint32_t count = zt_json_size(d, map);
  if (count > ZT_BUNDLE_MAX_DOMAINS)
    return fail(err, ZT_ELIMIT, "more than %u trust domains",
                ZT_BUNDLE_MAX_DOMAINS);
  if (count == 0)
    return ZT_OK;
  zt_bundle **v = zt_calloc(mem, count, sizeof *v);
  if (!v)
    return fail(err, ZT_ENOMEM, "out of memory");
  size_t k = 0;
  int rc = map_entries(mem, d, map, v, &k, err);
  if (rc != ZT_OK) {
    for (size_t i = 0; i < k; i++)
      zt_bundle_release(v[i]);
    zt_free(mem, v);
    return rc;
  }
  *out = v;
  *n = k;
  return ZT_OK;
}

int zt_bundle_map_parse(const zt_allocator *mem, const char *doc, size_t len,
                        zt_bundle ***out, size_t *n, zt_bundle_err *err) {
  if (err)
    err->msg[0] = '\0';
  if (!out || !n)
    return fail(err, ZT_EINVAL, "no place for the bundles");
  *out = NULL;
  *n = 0;
  if (!doc && len)
    return fail(err, ZT_EINVAL, "missing document");
  if (len > ZT_BUNDLE_MAX_BYTES)
    return fail(err, ZT_ELIMIT, "document larger than %u bytes",
                ZT_BUNDLE_MAX_BYTES);
  if (!looks_json(doc, len))
    return fail(err, ZT_ESYNTAX, "a bundle map is a JSON object");
  mem = mem_or_default(mem);
  zt_json_doc d;
  int rc = parse_json(mem, doc, len, &d, err);
  if (rc == ZT_OK)
    rc = map_from_json(mem, &d, out, n, err);
  zt_json_doc_free(&d);
  return rc;
}
