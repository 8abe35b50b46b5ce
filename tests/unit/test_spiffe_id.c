/* SPIFFE IDs and trust domain names against the shared vectors
 * (spiffe/spiffe_ids.json): every strict verdict, error class and split,
 * and the lenient results of the cases where libraries diverge on case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "spiffe_id.h"
#include "test_files.h"
#include "test_vectors.h"

/*
 * The project's JSON layer refuses "\u0000" in strings (its strings never
 * hold NUL). The one vector that embeds a NUL is read with the escape
 * turned into "\u0001": another control byte, with the same verdict and
 * error class; test_edges checks real NUL bytes.
 */
static void open_ids(vfile *f) {
  vfile_load(f, "spiffe/spiffe_ids.json", false);
  vfile_need(f);
  for (char *p = f->text; (p = strstr(p, "\\u0000")) != NULL; p += 6)
    p[5] = '1';
  zt_json_limits lim = {1u << 23, 1u << 20, 64, 0};
  zt_json_error err = {0, NULL};
  if (zt_json_parse_alloc(&f->doc, NULL, f->text, f->n, &lim, &err) != ZT_OK)
    fail_msg("spiffe_ids.json: %s at %zu", err.reason, err.offset);
  f->json = true;
}

static void expect_str(const char *what, const char *id, zt_str got,
                       const char *want, size_t wn) {
  if (got.len != wn || (wn && memcmp(got.ptr, want, wn) != 0))
    fail_msg("%s of \"%.60s\": got \"%.*s\", want \"%.*s\"", what, id,
             (int)got.len, got.ptr ? got.ptr : "", (int)wn, want);
}

/* One verdict: valid with its split, or invalid with its error class. */
static void expect(const zt_json_doc *d, zt_json_val c, const char *id,
                   size_t n, zt_spiffe_err got, const zt_spiffe_id *out) {
  zt_json_val v;
  bool valid = false;
  assert_true(vec_get(d, c, "valid", &v) &&
              zt_json_bool(d, v, &valid) == ZT_OK);
  if (!valid) {
    size_t en;
    const char *want = vec_str(d, c, "error", &en);
    if (strcmp(zt_spiffe_err_name(got), want) != 0)
      fail_msg("\"%.*s\": got %s, want %s", (int)(n > 60 ? 60 : n), id,
               zt_spiffe_err_name(got), want);
    return;
  }
  if (got != ZT_SPIFFE_OK)
    fail_msg("\"%.60s\": got %s, want valid", id, zt_spiffe_err_name(got));
  size_t tn, pn;
  const char *td = vec_str(d, c, "trust_domain", &tn);
  expect_str("trust domain", id, out->td, td, tn);
  const char *path = vec_opt_str(d, c, "path", &pn);
  if (path)
    expect_str("path", id, out->path, path, pn);
}

static void test_ids(void **state) {
  (void)state;
  vfile f;
  open_ids(&f);
  zt_json_iter it;
  zt_json_val c;
  unsigned cases = 0, lenient = 0;
  vfile_iter(&it, &f, "ids");
  while (zt_json_iter_next(&it, NULL, &c)) {
    size_t n;
    const char *id = vec_str(&f.doc, c, "id", &n);
    zt_spiffe_id out;
    expect(&f.doc, c, id, n, zt_spiffe_parse(id, n, 0, &out), &out);
    cases++;
    zt_json_val l;
    if (vec_get(&f.doc, c, "lenient", &l)) {
      /* The case-folding switch gives what java/py/rust-spiffe give. */
      expect(&f.doc, l, id, n, zt_spiffe_parse(id, n, ZT_SPIFFE_LENIENT, &out),
             &out);
      lenient++;
    }
  }
  assert_int_equal(cases, 626);
  assert_true(lenient > 0);
  print_message("# %u ids, %u lenient results\n", cases, lenient);
  vfile_close(&f);
}

static void test_trust_domains(void **state) {
  (void)state;
  vfile f;
  open_ids(&f);
  zt_json_iter it;
  zt_json_val c;
  unsigned cases = 0;
  vfile_iter(&it, &f, "trust_domains");
  while (zt_json_iter_next(&it, NULL, &c)) {
    size_t n;
    const char *in = vec_str(&f.doc, c, "input", &n);
    zt_spiffe_id out;
    expect(&f.doc, c, in, n, zt_spiffe_trust_domain(in, n, 0, &out), &out);
    cases++;
  }
  assert_int_equal(cases, 34);
  vfile_close(&f);
}

/* Istio's identity shapes: the SPIFFE grammar runs first (Istio's own
 * splitter accepts "spiffe://td/ns//sa/", which is not an ID). */
static void test_istio_identities(void **state) {
  (void)state;
  vfile f;
  open_ids(&f);
  zt_json_iter it;
  zt_json_val c, v;
  vfile_iter(&it, &f, "istio_identity");
  while (zt_json_iter_next(&it, NULL, &c)) {
    size_t n;
    const char *id = vec_str(&f.doc, c, "id", &n);
    bool valid = false;
    assert_true(vec_get(&f.doc, c, "spiffe_valid", &v) &&
                zt_json_bool(&f.doc, v, &valid) == ZT_OK);
    zt_spiffe_id out;
    assert_int_equal(zt_spiffe_parse(id, n, 0, &out) == ZT_SPIFFE_OK, valid);
  }
  vfile_close(&f);
}

static void test_edges(void **state) {
  (void)state;
  zt_spiffe_id out;
  assert_int_equal(zt_spiffe_parse(NULL, 0, 0, &out), ZT_SPIFFE_EMPTY);
  assert_null(out.td.ptr);
  /* A NUL inside is a bad character, not an end. */
  assert_int_equal(zt_spiffe_parse("spiffe://a\0b/c", 14, 0, &out),
                   ZT_SPIFFE_BAD_TRUST_DOMAIN_CHAR);
  assert_int_equal(zt_spiffe_parse("spiffe://a/b\0", 13, 0, &out),
                   ZT_SPIFFE_BAD_PATH_SEGMENT_CHAR);
  /* Lenient folds the trust domain, never the path. */
  assert_int_equal(
      zt_spiffe_parse("SPIFFE://Ex.Org/Ns/A", 20, ZT_SPIFFE_LENIENT, &out),
      ZT_SPIFFE_OK);
  assert_string_equal(out.td_buf, "ex.org");
  assert_int_equal(out.path.len, 5);
  assert_memory_equal(out.path.ptr, "/Ns/A", 5);
  assert_string_equal(zt_spiffe_err_name(ZT_SPIFFE_ERR_COUNT), "unknown");
  assert_string_equal(zt_spiffe_err_name(ZT_SPIFFE_DOT_SEGMENT), "dot_segment");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids),
      cmocka_unit_test(test_trust_domains),
      cmocka_unit_test(test_istio_identities),
      cmocka_unit_test(test_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
