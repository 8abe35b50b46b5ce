/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_files.h"
#include "test_vectors.h"

/* ---- Files --------------------------------------------------------------- */

/* vfile_load of a file at path, named rel in messages. */
static bool load_path(vfile *f, const char *path, const char *rel, bool json) {
  memset(f, 0, sizeof *f);
  f->rel = rel;
  f->text = test_read_file(path, &f->n);
  if (!f->text) {
    snprintf(f->error, sizeof f->error, "cannot read %s", path);
    return false;
  }
  if (!json)
    return true;
  zt_json_limits lim = {1u << 23, 1u << 20, 64, 0};
  zt_json_error err = {0, NULL};
  if (zt_json_parse_alloc(&f->doc, NULL, f->text, f->n, &lim, &err) != ZT_OK) {
    snprintf(f->error, sizeof f->error, "%s: JSON error %s at %zu", rel,
             err.reason ? err.reason : "?", err.offset);
    return false;
  }
  f->json = true;
  return true;
}

bool vfile_load(vfile *f, const char *rel, bool json) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", test_vectors_dir(), rel);
  return load_path(f, path, rel, json);
}

void vfile_need(const vfile *f) {
  if (f->error[0])
    fail_msg("%s", f->error);
}

void vfile_open(vfile *f, const char *rel) {
  vfile_load(f, rel, true);
  vfile_need(f);
}

void vfile_close(vfile *f) {
  if (f->json)
    zt_json_doc_free(&f->doc);
  free(f->text);
}

char *vec_read(const char *rel, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", test_vectors_dir(), rel);
  char *p = test_read_file(path, len);
  if (!p)
    fail_msg("cannot read %s", path);
  return p;
}

char *test_pki_need(const char *name, size_t *len) {
  char *p = test_pki_read(name, len);
  if (!p)
    skip();
  return p;
}

bool test_pki_manifest(vfile *f) {
  const char *path = getenv("ZT_PKI_CASES");
  if (!path || !*path) {
    memset(f, 0, sizeof *f);
    return false;
  }
  if (load_path(f, path, path, true))
    return true;
  if (f->text) /* read, but not JSON */
    fail_msg("%s", f->error);
  return false;
}

/* ---- Members ------------------------------------------------------------- */

bool vec_get(const zt_json_doc *d, zt_json_val obj, const char *name,
             zt_json_val *out) {
  return zt_json_member(d, obj, name, strlen(name), out);
}

bool vec_has(const zt_json_doc *d, zt_json_val obj, const char *name) {
  zt_json_val v;
  return vec_get(d, obj, name, &v);
}

zt_json_val vec_member(const zt_json_doc *d, zt_json_val obj,
                       const char *name) {
  zt_json_val v;
  if (!vec_get(d, obj, name, &v))
    fail_msg("vector member \"%s\" missing", name);
  return v;
}

const char *vec_opt_str(const zt_json_doc *d, zt_json_val obj, const char *name,
                        size_t *len) {
  zt_json_val v;
  const char *p;
  size_t n;
  if (!vec_get(d, obj, name, &v) || !zt_json_string(d, v, &p, &n))
    return NULL;
  if (len)
    *len = n;
  return p;
}

const char *vec_str(const zt_json_doc *d, zt_json_val obj, const char *name,
                    size_t *len) {
  const char *p = vec_opt_str(d, obj, name, len);
  if (!p)
    fail_msg("vector member \"%s\" is missing or not a string", name);
  return p;
}

int64_t vec_int(const zt_json_doc *d, zt_json_val obj, const char *name) {
  int64_t x;
  if (zt_json_int64(d, vec_member(d, obj, name), &x) != ZT_OK)
    fail_msg("vector member \"%s\" is not an integer", name);
  return x;
}

uint64_t vec_uint(const zt_json_doc *d, zt_json_val obj, const char *name) {
  int64_t x;
  if (zt_json_int64(d, vec_member(d, obj, name), &x) != ZT_OK || x < 0)
    fail_msg("vector member \"%s\" is not a non-negative integer", name);
  return (uint64_t)x;
}

void vfile_iter(zt_json_iter *it, const vfile *f, const char *list) {
  zt_json_iter_init(it, &f->doc, vec_member(&f->doc, ZT_JSON_ROOT, list));
}

zt_json_val vec_find(const zt_json_doc *d, zt_json_val arr, const char *key,
                     const char *want) {
  zt_json_iter it;
  zt_json_val v;
  zt_json_iter_init(&it, d, arr);
  while (zt_json_iter_next(&it, NULL, &v)) {
    const char *p = vec_opt_str(d, v, key, NULL);
    if (p && strcmp(p, want) == 0)
      return v;
  }
  fail_msg("no element with %s \"%s\"", key, want);
  return ZT_JSON_NONE;
}

zt_json_val vfile_case(const vfile *f, const char *name) {
  return vec_find(&f->doc, vec_member(&f->doc, ZT_JSON_ROOT, "cases"), "name",
                  name);
}

char *vfile_case_text(const char *rel, const char *name) {
  vfile f;
  vfile_open(&f, rel);
  char *s = strdup(vec_str(&f.doc, vfile_case(&f, name), "text", NULL));
  vfile_close(&f);
  assert_non_null(s);
  return s;
}

char *vec_x509_cert_pem(void) {
  char *map = vfile_case_text("jwt_verify_lib/jwks_parse.json", "JwksGoodX509");
  zt_json_doc doc;
  assert_int_equal(
      zt_json_parse_alloc(&doc, NULL, map, strlen(map), NULL, NULL), ZT_OK);
  zt_json_val v;
  zt_json_iter it;
  zt_json_iter_init(&it, &doc, ZT_JSON_ROOT);
  assert_true(zt_json_iter_next(&it, NULL, &v));
  const char *pem;
  size_t pl;
  assert_true(zt_json_string(&doc, v, &pem, &pl));
  char *out = strndup(pem, pl);
  assert_non_null(out);
  zt_json_doc_free(&doc);
  free(map);
  return out;
}

const char *vec_keyset_text(const zt_json_doc *d, zt_json_val ks, size_t *len) {
  const char *text = vec_opt_str(d, ks, "text_strict_json", len);
  return text ? text : vec_str(d, ks, "text", len);
}

zt_jwt_status vec_status(const char *name, size_t n) {
  for (int i = 0; i < ZT_JWT_STATUS_COUNT; i++) {
    const char *s = zt_jwt_status_name(i);
    if (strlen(s) == n && memcmp(s, name, n) == 0)
      return (zt_jwt_status)i;
  }
  fail_msg("unknown status name \"%.*s\"", (int)n, name);
  return ZT_JWT_OK;
}

/* ---- Test JSON ----------------------------------------------------------- */

char *test_dquote(const char *s) {
  size_t n = strlen(s);
  char *p = malloc(n + 1);
  assert_non_null(p);
  for (size_t i = 0; i <= n; i++)
    p[i] = s[i] == '\'' ? '"' : s[i];
  return p;
}

size_t test_strip_trailing_commas(const char *in, size_t n, char *out) {
  size_t o = 0;
  bool in_str = false, esc = false;
  for (size_t i = 0; i < n; i++) {
    char c = in[i];
    if (in_str) {
      esc = !esc && c == '\\';
      in_str = esc || c != '"';
    } else if (c == '"') {
      in_str = true;
    } else if (c == ',') {
      size_t j = i + 1;
      while (j < n &&
             (in[j] == ' ' || in[j] == '\n' || in[j] == '\t' || in[j] == '\r'))
        j++;
      if (j < n && (in[j] == '}' || in[j] == ']'))
        continue;
    }
    out[o++] = c;
  }
  return o;
}
