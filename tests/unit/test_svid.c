/* X.509-SVID verification (lib/svid.c, lib/x509.c): every case of the
 * test PKI manifest ($ZT_PKI_CASES, certificates in $ZT_PKI) in PEM and
 * DER, against bundles loaded from PEM and again from JSON; then inputs
 * that need no PKI (framing, PEM, limits), certificates patched byte by
 * byte, time conversion, allocation failures and threads. */
#define _DEFAULT_SOURCE /* timegm(), to check zt_x509_unix_time() */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "json.h"
#include "svid.h"
#include "test_alloc.h"
#include "test_files.h"
#include "test_vectors.h"
#include "trust.h"
#include "x509.h"

/* ---- The test PKI -------------------------------------------------------- */

/* The manifest is a vfile (test_pki_manifest), the files are read by
 * test_pki_read and test_pki_need (tests/support). */

/* A bundle of the manifest in one form ("pem" or "json"; the other when
 * the bundle has none in that form). */
static zt_bundle *load_bundle(const vfile *m, const char *name,
                              const char *form) {
  zt_json_val all = vec_member(&m->doc, ZT_JSON_ROOT, "bundles");
  zt_json_val b = vec_member(&m->doc, all, name);
  const char *file = vec_opt_str(&m->doc, b, form, NULL);
  if (!file)
    file = vec_str(&m->doc, b, strcmp(form, "pem") ? "pem" : "json", NULL);
  size_t td_len = 0, len = 0;
  const char *td = vec_str(&m->doc, b, "trust_domain", &td_len);
  char *doc = test_pki_read(file, &len);
  if (!doc)
    fail_msg("missing PKI file %s", file);
  zt_bundle *out = NULL;
  zt_bundle_err err = {{0}};
  int rc = zt_bundle_parse(NULL, td, td_len, doc, len, &out, &err);
  free(doc);
  if (rc != ZT_OK)
    fail_msg("bundle %s (%s): %s", name, file, err.msg);
  return out;
}

static int by_td(const void *a, const void *b) {
  size_t an = 0, bn = 0;
  const char *x = zt_bundle_trust_domain(*(zt_bundle *const *)a, &an);
  const char *y = zt_bundle_trust_domain(*(zt_bundle *const *)b, &bn);
  int c = memcmp(x, y, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

/* A trust set made by hand (no identity cache): takes the references. */
static zt_trust *trust_of(zt_bundle **v, size_t n) {
  zt_trust *t = calloc(1, sizeof *t);
  assert_non_null(t);
  atomic_init(&t->refs, 1);
  t->generation = 1;
  t->v = calloc(n ? n : 1, sizeof *t->v);
  assert_non_null(t->v);
  memcpy(t->v, v, n * sizeof *v);
  qsort(t->v, n, sizeof *t->v, by_td);
  t->n = n;
  return t;
}

static void trust_free(zt_trust *t) {
  for (size_t i = 0; t && i < t->n; i++)
    zt_bundle_release(t->v[i]);
  if (t)
    free(t->v);
  free(t);
}

/* The trust set of a case's bundle list, in one form. */
static zt_trust *case_trust(const vfile *m, zt_json_val names,
                            const char *form) {
  zt_bundle *v[16];
  size_t n = 0;
  zt_json_iter it;
  zt_json_val name;
  zt_json_iter_init(&it, &m->doc, names);
  while (zt_json_iter_next(&it, NULL, &name) && n < 16) {
    const char *s = NULL;
    size_t len = 0;
    assert_true(zt_json_string(&m->doc, name, &s, &len));
    v[n++] = load_bundle(m, s, form);
  }
  return trust_of(v, n);
}

static zt_svid_opts opts(uint32_t role) {
  zt_svid_opts o = {role, false, 0, (int64_t)time(NULL)};
  return o;
}

static uint32_t verify(const zt_trust *t, const char *chain, size_t len,
                       const zt_svid_opts *o, zt_svid *out) {
  zt_svid_window win = {0, 0};
  uint32_t e = zt_svid_check(NULL, t, chain, len, o, out, &win);
  assert_int_equal(e, out->error);
  if (e == ZT_SVID_OK) {
    assert_true(win.not_before <= o->now && o->now <= win.not_after);
    assert_int_equal(strlen(out->spiffe_id), out->spiffe_id_len);
    assert_memory_equal(out->spiffe_id, "spiffe://", 9);
  } else {
    assert_int_equal(out->spiffe_id_len, 0);
  }
  return e;
}

/* One case in one chain form against bundles of one form; false (and a
 * message) on a mismatch. */
static bool run_case(const vfile *m, zt_json_val c, const char *form,
                     const zt_trust *t) {
  const zt_json_doc *d = &m->doc;
  const char *name = vec_str(d, c, "name", NULL);
  const char *chain = vec_str(d, c, "chain", NULL);
  const char *expect = vec_str(d, c, "expect", NULL);
  const char *id = vec_opt_str(d, c, "spiffe_id", NULL);
  char file[512];
  size_t len = 0;
  snprintf(file, sizeof file, "%s.%s", chain, form);
  char *text = test_pki_read(file, &len);
  if (!text)
    fail_msg("missing PKI file %s", file);
  bool strict = false, lenient = false;
  assert_int_equal(zt_json_bool(d, vec_member(d, c, "strict_eku"), &strict),
                   ZT_OK);
  assert_int_equal(zt_json_bool(d, vec_member(d, c, "lenient"), &lenient),
                   ZT_OK);
  zt_svid_opts o =
      opts(strcmp(vec_str(d, c, "role", NULL), "server") == 0 ? ZT_ROLE_SERVER
                                                              : ZT_ROLE_CLIENT);
  o.strict_eku = strict;
  o.id_flags = lenient ? ZT_SPIFFE_LENIENT : 0;
  zt_svid out;
  uint32_t e = verify(t, text, len, &o, &out);
  free(text);
  bool ok = strcmp(expect, "ok") == 0
                ? e == ZT_SVID_OK && id && strcmp(out.spiffe_id, id) == 0
                : strcmp(out.error_name, expect) == 0;
  if (!ok)
    print_message("# %s (%s): expected %s, got %s %s\n", name, file, expect,
                  e ? out.error_name : "ok", out.spiffe_id);
  return ok;
}

static void test_manifest_cases(void **state) {
  (void)state;
  vfile m;
  if (!test_pki_manifest(&m))
    skip();
  zt_json_val cases = vec_member(&m.doc, ZT_JSON_ROOT, "cases"), c;
  static const char *const forms[2] = {"pem", "der"};
  static const char *const bundle_forms[2] = {"pem", "json"};
  int runs = 0, bad = 0;
  for (int bf = 0; bf < 2; bf++) {
    zt_json_iter it;
    zt_json_iter_init(&it, &m.doc, cases);
    while (zt_json_iter_next(&it, NULL, &c)) {
      zt_trust *t =
          case_trust(&m, vec_member(&m.doc, c, "bundles"), bundle_forms[bf]);
      for (int f = 0; f < 2; f++, runs++)
        bad += !run_case(&m, c, forms[f], t);
      trust_free(t);
    }
  }
  print_message("# %d manifest runs, %d mismatches\n", runs, bad);
  vfile_close(&m);
  assert_true(runs > 0);
  assert_int_equal(bad, 0);
}

/* ---- Inputs that need no PKI --------------------------------------------- */

static uint32_t check_text(const char *s, size_t n) {
  zt_svid_opts o = opts(ZT_ROLE_CLIENT);
  zt_svid out;
  return verify(NULL, s, n, &o, &out);
}

static void test_empty(void **state) {
  (void)state;
  assert_int_equal(check_text(NULL, 0), ZT_SVID_EMPTY_CHAIN);
  assert_int_equal(check_text("", 0), ZT_SVID_EMPTY_CHAIN);
  assert_int_equal(check_text(" \r\n\t\n", 5), ZT_SVID_EMPTY_CHAIN);
}

static void test_garbage(void **state) {
  (void)state;
  static const char *const junk[] = {
      "hello",
      "\x30",
      "\x30\x03\x02\x01\x05",
      "\x30\x82\x01",
      "\x30\x80\x00\x00",
      "\x00\x01\x02",
      "-----END CERTIFICATE-----",
  };
  for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
    size_t n = strlen(junk[i]);
    assert_int_equal(check_text(junk[i], n ? n : 1), ZT_SVID_MALFORMED);
  }
  /* A SEQUENCE of the right framing that is no certificate. */
  uint8_t seq[3 + 128] = {0x30, 0x81, 0x80};
  assert_int_equal(check_text((const char *)seq, sizeof seq),
                   ZT_SVID_MALFORMED);
}

/* zt_x509_split on text s; returns the verdict and the count. */
static zt_x509_rc split(const char *s, size_t n, unsigned forms, size_t max,
                        size_t *count, zt_der *der) {
  zt_der local[16];
  uint8_t *buf = NULL;
  zt_x509_fail f;
  zt_x509_rc rc =
      zt_x509_split(NULL, s, n, forms, max, der ? der : local, count, &buf, &f);
  if (rc != ZT_X509_OK)
    assert_null(buf);
  free(buf);
  return rc;
}

static void test_der_framing(void **state) {
  (void)state;
  uint8_t two[2 * 131], odd[132];
  size_t n = 0;
  memset(two, 0, sizeof two);
  memcpy(two, "\x30\x81\x80", 3);
  memcpy(two + 131, "\x30\x81\x80", 3);
  assert_int_equal(split((char *)two, sizeof two, ZT_X509_DER, 10, &n, NULL),
                   ZT_X509_OK);
  assert_int_equal(n, 2);
  /* Trailing byte, truncation, BER forms. */
  memcpy(odd, two, 131);
  odd[131] = 0;
  assert_int_equal(split((char *)odd, 132, ZT_X509_DER, 10, &n, NULL),
                   ZT_X509_BAD_DER);
  assert_int_equal(split((char *)two, 130, ZT_X509_DER, 10, &n, NULL),
                   ZT_X509_BAD_DER);
  static const uint8_t nonminimal[] = {0x30, 0x82, 0x00, 0x80};
  static const uint8_t small_long[] = {0x30, 0x81, 0x05, 0, 0, 0, 0, 0};
  static const uint8_t five_bytes[] = {0x30, 0x85, 0, 0, 0, 0, 0x01, 0};
  assert_int_equal(split((const char *)nonminimal, sizeof nonminimal,
                         ZT_X509_DER, 10, &n, NULL),
                   ZT_X509_BAD_DER);
  assert_int_equal(split((const char *)small_long, sizeof small_long,
                         ZT_X509_DER, 10, &n, NULL),
                   ZT_X509_BAD_DER);
  /* 0x85 is no DER start: read as (binary) PEM. */
  assert_int_equal(split((const char *)five_bytes, sizeof five_bytes,
                         ZT_X509_DER | ZT_X509_PEM, 10, &n, NULL),
                   ZT_X509_BAD_PEM);
  /* DER where only PEM is accepted. */
  assert_int_equal(split((char *)two, sizeof two, ZT_X509_PEM, 10, &n, NULL),
                   ZT_X509_BAD_PEM);
  assert_int_equal(split((char *)two, sizeof two, ZT_X509_DER, 1, &n, NULL),
                   ZT_X509_TOO_MANY);
}

static const char block[] = "-----BEGIN CERTIFICATE-----\n"
                            "MAMCAQU=\n"
                            "-----END CERTIFICATE-----\n";

static void test_pem_text_around(void **state) {
  (void)state;
  static const char s[] = "subject=CN = leaf\nissuer: x\n"
                          "  -----BEGIN CERTIFICATE-----  \r\n"
                          " MAM\r\n CAQU=\t\r\n"
                          "-----END CERTIFICATE-----\r\n"
                          "between\n\n"
                          "-----BEGIN CERTIFICATE-----\nMAMCAQY=\n"
                          "-----END CERTIFICATE-----"; /* no final EOL */
  zt_der der[4];
  size_t n = 0;
  assert_int_equal(split(s, sizeof s - 1, ZT_X509_PEM, 4, &n, der), ZT_X509_OK);
  assert_int_equal(n, 2);
  /* Without PKI, the certificates themselves are garbage. */
  assert_int_equal(check_text(s, sizeof s - 1), ZT_SVID_MALFORMED);
  assert_int_equal(split("just text\n", 10, ZT_X509_PEM, 4, &n, NULL),
                   ZT_X509_BAD_PEM);
}

static void test_pem_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    zt_x509_rc rc;
  } t[] = {
      {"-----BEGIN PRIVATE KEY-----\nMAMCAQU=\n-----END PRIVATE KEY-----\n",
       ZT_X509_PEM_LABEL},
      {"-----BEGIN TRUSTED CERTIFICATE-----\nMAMCAQU=\n"
       "-----END TRUSTED CERTIFICATE-----\n",
       ZT_X509_PEM_LABEL},
      {"-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END X509 CRL-----\n",
       ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE-----\nMAMCAQU=\n", ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE-----\nMAMCAQU\n-----END CERTIFICATE-----\n",
       ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE-----\nMAMC-QU=\n-----END CERTIFICATE-----\n",
       ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
       ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE----\nMAMCAQU=\n-----END CERTIFICATE-----\n",
       ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nMAMCAQU=\n"
       "-----END CERTIFICATE-----\n",
       ZT_X509_BAD_PEM},
      {"-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"
       "-----END CERTIFICATE-----\n",
       ZT_X509_BAD_PEM},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    size_t n = 0;
    assert_int_equal(
        split(t[i].text, strlen(t[i].text), ZT_X509_PEM, 4, &n, NULL), t[i].rc);
    assert_int_equal(check_text(t[i].text, strlen(t[i].text)),
                     ZT_SVID_MALFORMED);
  }
}

static void test_too_many(void **state) {
  (void)state;
  /* Blocks are counted before any is decoded. */
  char pem[16 * sizeof block];
  size_t n = 0;
  for (int i = 0; i < 11; i++)
    memcpy(pem + i * (sizeof block - 1), block, sizeof block - 1);
  assert_int_equal(check_text(pem, 11 * (sizeof block - 1)),
                   ZT_SVID_CHAIN_TOO_LONG);
  assert_int_equal(check_text(pem, 10 * (sizeof block - 1)), ZT_SVID_MALFORMED);
  uint8_t der[11 * 131];
  memset(der, 0, sizeof der);
  for (int i = 0; i < 11; i++)
    memcpy(der + i * 131, "\x30\x81\x80", 3);
  assert_int_equal(check_text((char *)der, sizeof der), ZT_SVID_CHAIN_TOO_LONG);
  assert_int_equal(split((char *)der, sizeof der, ZT_X509_DER, 11, &n, NULL),
                   ZT_X509_OK);
  /* Oversize input, whatever it holds. */
  char *big = calloc(1, ZT_SVID_MAX_CHAIN + 1);
  assert_non_null(big);
  assert_int_equal(check_text(big, ZT_SVID_MAX_CHAIN + 1),
                   ZT_SVID_CHAIN_TOO_LONG);
  memset(big, ' ', ZT_SVID_MAX_CHAIN);
  assert_int_equal(check_text(big, ZT_SVID_MAX_CHAIN), ZT_SVID_EMPTY_CHAIN);
  free(big);
}

static void test_arguments(void **state) {
  (void)state;
  zt_svid out;
  zt_svid_window win;
  zt_svid_opts o = opts(ZT_ROLE_CLIENT);
  assert_int_equal(zt_svid_check(NULL, NULL, "x", 1, &o, NULL, &win),
                   ZT_SVID_INTERNAL);
  assert_int_equal(zt_svid_check(NULL, NULL, "x", 1, NULL, &out, &win),
                   ZT_SVID_INTERNAL);
  assert_string_equal(out.error_name, "svid_internal");
  assert_int_equal(zt_svid_check(NULL, NULL, NULL, 1, &o, &out, &win),
                   ZT_SVID_INTERNAL);
  assert_int_equal(zt_svid_check(NULL, NULL, "x", 1, &o, &out, NULL),
                   ZT_SVID_INTERNAL);
  o.role = 2;
  assert_int_equal(zt_svid_check(NULL, NULL, "x", 1, &o, &out, &win),
                   ZT_SVID_INTERNAL);
}

static void test_error_names(void **state) {
  (void)state;
  for (uint32_t e = 0; e < ZT_SVID_COUNT; e++) {
    const char *name = zt_svid_err_name(e), *text = zt_svid_err_text(e);
    if (e == ZT_SVID_OK) {
      assert_string_equal(name, "");
      assert_string_equal(text, "");
      continue;
    }
    assert_memory_equal(name, "svid_", 5);
    assert_true(strlen(text) > 10 && text[strlen(text) - 1] == '.');
    for (uint32_t k = 1; k < e; k++)
      assert_string_not_equal(name, zt_svid_err_name(k));
  }
  assert_string_equal(zt_svid_err_name(ZT_SVID_COUNT), "unknown");
  assert_string_equal(zt_svid_err_name(ZT_SVID_EKU), "svid_eku");
  assert_string_equal(zt_svid_err_name(ZT_SVID_NOT_YET_VALID),
                      "svid_not_yet_valid");
  zt_svid out;
  zt_svid_set_error(&out, ZT_SVID_EXPIRED);
  assert_string_equal(out.error_name, "svid_expired");
  assert_int_equal(out.spiffe_id[0], '\0');
}

static void test_unix_time(void **state) {
  (void)state;
  int64_t t = 0;
  for (int y = 1950; y <= 2100; y += 1)
    for (int m = 1; m <= 12; m++)
      for (int d = 1; d <= 28; d += 9) {
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        tm.tm_hour = 23;
        tm.tm_min = 59;
        tm.tm_sec = 58;
        assert_true(zt_x509_unix_time(y, m, d, 23, 59, 58, &t));
        assert_int_equal(t, (int64_t)timegm(&tm));
      }
  assert_true(zt_x509_unix_time(1970, 1, 1, 0, 0, 0, &t));
  assert_int_equal(t, 0);
  assert_true(zt_x509_unix_time(2000, 2, 29, 0, 0, 0, &t));
  assert_int_equal(t, 951782400);
  assert_true(zt_x509_unix_time(9999, 12, 31, 23, 59, 59, &t));
  assert_int_equal(t, 253402300799);
  assert_true(zt_x509_unix_time(1, 1, 1, 0, 0, 0, &t));
  assert_int_equal(t, -62135596800);
  assert_false(zt_x509_unix_time(1900, 2, 29, 0, 0, 0, &t));
  assert_false(zt_x509_unix_time(2001, 2, 29, 0, 0, 0, &t));
  assert_false(zt_x509_unix_time(2001, 13, 1, 0, 0, 0, &t));
  assert_false(zt_x509_unix_time(2001, 4, 31, 0, 0, 0, &t));
  assert_false(zt_x509_unix_time(2001, 1, 1, 24, 0, 0, &t));
  assert_false(zt_x509_unix_time(2001, 1, 1, 0, 0, 60, &t));
  assert_false(zt_x509_unix_time(10000, 1, 1, 0, 0, 0, &t));
  assert_false(zt_x509_unix_time(-1, 1, 1, 0, 0, 0, &t));
}

/* ---- Certificates of the PKI, whole and patched -------------------------- */

typedef struct fixture {
  vfile m;
  zt_trust *t; /* bundles A and B from PEM */
  char *chain; /* the file fixture_open named, or NULL */
  size_t chain_len;
} fixture;

/* The trust set and, when chain_file is not NULL, that file of the PKI. */
static void fixture_open(fixture *fx, const char *chain_file) {
  fx->chain_len = 0;
  fx->chain = chain_file ? test_pki_need(chain_file, &fx->chain_len) : NULL;
  if (!test_pki_manifest(&fx->m))
    skip();
  zt_bundle *v[2] = {load_bundle(&fx->m, "A", "pem"),
                     load_bundle(&fx->m, "B", "pem")};
  fx->t = trust_of(v, 2);
}

static void fixture_close(fixture *fx) {
  trust_free(fx->t);
  vfile_close(&fx->m);
  free(fx->chain);
}

static uint32_t check_with(const zt_trust *t, const char *s, size_t n,
                           zt_svid *out) {
  zt_svid_opts o = opts(ZT_ROLE_CLIENT);
  return verify(t, s, n, &o, out);
}

/* Replaces the first occurrence of what in (p, n) by with (same length). */
static void patch(char *p, size_t n, const char *what, const char *with,
                  size_t k) {
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, what, k) == 0) {
      memcpy(p + i, with, k);
      return;
    }
  fail_msg("pattern not found");
}

static void test_pem_wrapped(void **state) {
  (void)state;
  fixture fx;
  fixture_open(&fx, "valid_ec.pem");
  size_t n = fx.chain_len;
  char *wrapped = malloc(n + 64);
  assert_non_null(wrapped);
  int k =
      snprintf(wrapped, n + 64, "Bag Attributes\r\n%s\ntrailer\n", fx.chain);
  zt_svid out;
  assert_int_equal(check_with(fx.t, wrapped, (size_t)k, &out), ZT_SVID_OK);
  assert_string_equal(out.spiffe_id,
                      "spiffe://example.org/ns/default/sa/sleep");
  assert_int_equal(out.trust_domain_len, strlen("example.org"));
  free(wrapped);
  fixture_close(&fx);
}

/* Patches of valid_ec.der and the verdict on each. */
static const struct {
  const char *what, *with;
  size_t k;
  uint32_t expect;
} der_patches[] = {
    /* The SAN is read before anything is verified: a patched certificate
     * still reaches the identity checks. */
    {"/sleep", "/sl\xe9\x65p", 6, ZT_SVID_MALFORMED_SAN},
    {"/sleep", "/sl\0ep", 6, ZT_SVID_BAD_SPIFFE_ID},
    {"spiffe://", "spiffe:/x", 9, ZT_SVID_NOT_SPIFFE},
    {"\x86\x28spiffe", "\xa6\x28spiffe", 8, ZT_SVID_MALFORMED_SAN},
    /* A changed byte of the identity breaks the signature. */
    {"/sleep", "/sleeq", 6, ZT_SVID_UNTRUSTED},
};

static void test_patched_der(void **state) {
  (void)state;
  fixture fx;
  fixture_open(&fx, "valid_ec.der");
  const char *der = fx.chain;
  size_t n = fx.chain_len;
  char *p = malloc(n); /* exact size: overreads are caught */
  assert_non_null(p);
  zt_svid out;
  for (size_t i = 0; i < sizeof der_patches / sizeof der_patches[0]; i++) {
    memcpy(p, der, n);
    patch(p, n, der_patches[i].what, der_patches[i].with, der_patches[i].k);
    uint32_t e = check_with(fx.t, p, n, &out);
    if (e != der_patches[i].expect)
      fail_msg("patch %zu: %s, want %u", i, out.error_name,
               der_patches[i].expect);
  }
  /* Trailing bytes after a whole certificate. */
  char *longer = malloc(n + 1);
  assert_non_null(longer);
  memcpy(longer, der, n);
  longer[n] = 0;
  assert_int_equal(check_with(fx.t, longer, n + 1, &out), ZT_SVID_MALFORMED);
  assert_int_equal(check_with(fx.t, der, n - 1, &out), ZT_SVID_MALFORMED);
  assert_int_equal(check_with(fx.t, der, n, &out), ZT_SVID_OK);
  assert_string_equal(out.spiffe_id,
                      "spiffe://example.org/ns/default/sa/sleep");
  free(longer);
  free(p);
  fixture_close(&fx);
}

/* Time comes from the caller: the window of the path decides, both of its
 * ends included. */
static void test_clock(void **state) {
  (void)state;
  fixture fx;
  fixture_open(&fx, "valid_via_inter.der");
  zt_svid out;
  zt_svid_window win = {0, 0}, w2;
  zt_svid_opts o = opts(ZT_ROLE_CLIENT);
  assert_int_equal(
      zt_svid_check(NULL, fx.t, fx.chain, fx.chain_len, &o, &out, &win),
      ZT_SVID_OK);
  assert_true(win.not_before < win.not_after);
  const struct {
    int64_t now;
    uint32_t expect;
  } at[] = {{win.not_after, ZT_SVID_OK},
            {win.not_after + 1, ZT_SVID_EXPIRED},
            {win.not_before, ZT_SVID_OK},
            {win.not_before - 1, ZT_SVID_NOT_YET_VALID}};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    o.now = at[i].now;
    assert_int_equal(
        zt_svid_check(NULL, fx.t, fx.chain, fx.chain_len, &o, &out, &w2),
        at[i].expect);
  }
  fixture_close(&fx);
}

/* Every allocation of a verification failing in turn: an internal error,
 * never a verdict on the chain, and nothing leaks. */
static void test_out_of_memory(void **state) {
  (void)state;
  fixture fx;
  fixture_open(&fx, NULL);
  static const char *const files[] = {"valid_via_inter.pem", "valid_ec.der"};
  for (size_t f = 0; f < 2; f++) {
    size_t n = 0;
    char *chain = test_pki_need(files[f], &n);
    zt_svid_opts o = opts(ZT_ROLE_CLIENT);
    zt_svid out;
    zt_svid_window win;
    for (long k = 1;; k++) {
      test_alloc ta = {0};
      ta.fail_at = k;
      zt_allocator mem = test_allocator(&ta);
      uint32_t e = zt_svid_check(&mem, fx.t, chain, n, &o, &out, &win);
      assert_int_equal(ta.live, 0);
      if (ta.calls < k) {
        assert_int_equal(e, ZT_SVID_OK);
        break;
      }
      assert_int_equal(e, ZT_SVID_INTERNAL);
    }
    free(chain);
  }
  fixture_close(&fx);
}

/* ---- Threads ------------------------------------------------------------- */

typedef struct job {
  const zt_trust *t;
  const char *chain;
  size_t len;
  uint32_t expect;
  int rounds;
  int ok;
} job;

static void *worker(void *arg) {
  job *j = arg;
  zt_svid_opts o = opts(ZT_ROLE_CLIENT);
  for (int i = 0; i < j->rounds; i++) {
    zt_svid out;
    zt_svid_window win;
    if (zt_svid_check(NULL, j->t, j->chain, j->len, &o, &out, &win) ==
        j->expect)
      j->ok++;
  }
  return NULL;
}

/* Several threads verify against one shared trust set (EC and RSA roots,
 * a path through an intermediate, a refused chain): answers stay exact. */
static void test_threads(void **state) {
  (void)state;
  fixture fx;
  fixture_open(&fx, NULL);
  static const struct {
    const char *file;
    uint32_t expect;
  } chains[] = {{"valid_ec.der", ZT_SVID_OK},
                {"valid_rsa.pem", ZT_SVID_OK},
                {"valid_via_inter.der", ZT_SVID_OK},
                {"rogue_ca.pem", ZT_SVID_UNTRUSTED}};
  enum { N = sizeof chains / sizeof chains[0], PER = 2 };
  char *text[N];
  job jobs[N * PER];
  pthread_t th[N * PER];
  const char *scale = getenv("ZT_TIME_SCALE");
  int rounds = scale && atoi(scale) > 1 ? 4 : 40;
  for (size_t i = 0; i < N; i++) {
    size_t len = 0;
    text[i] = test_pki_need(chains[i].file, &len);
    for (int k = 0; k < PER; k++)
      jobs[i * PER + k] =
          (job){fx.t, text[i], len, chains[i].expect, rounds, 0};
  }
  for (size_t i = 0; i < N * PER; i++)
    assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
  for (size_t i = 0; i < N * PER; i++) {
    assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(jobs[i].ok, rounds);
  }
  for (size_t i = 0; i < N; i++)
    free(text[i]);
  fixture_close(&fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manifest_cases),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_garbage),
      cmocka_unit_test(test_der_framing),
      cmocka_unit_test(test_pem_text_around),
      cmocka_unit_test(test_pem_errors),
      cmocka_unit_test(test_too_many),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_error_names),
      cmocka_unit_test(test_unix_time),
      cmocka_unit_test(test_pem_wrapped),
      cmocka_unit_test(test_patched_der),
      cmocka_unit_test(test_clock),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
