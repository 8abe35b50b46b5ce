/* Vector files: JSON files of the shared vectors directory, parsed with the
 * project's strict parser (lib/json.h), and the members of their objects.
 * Meant for cmocka tests: what cannot be read or is not there fails the
 * running test (fail_msg), except vfile_load(), which may run before any
 * test and records the reason in the vfile instead. */
#ifndef ZT_TEST_VECTORS_H
#define ZT_TEST_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "jwt_status.h"

/* ---- Files --------------------------------------------------------------- */

typedef struct vfile {
  const char *rel;  /* path under the vectors directory (borrowed) */
  char *text;       /* the whole file, NUL-terminated; NULL if unread */
  size_t n;         /* its length */
  zt_json_doc doc;  /* the text parsed, when json */
  bool json;        /* doc holds the parsed text */
  char error[4200]; /* why the file cannot be used; "" when fine */
} vfile;

/* Reads rel under test_vectors_dir() and, when json, parses it. Asserts
 * nothing: returns false with f->error set if that fails. */
bool vfile_load(vfile *f, const char *rel, bool json);
/* Fails the test if the load of f recorded an error. */
void vfile_need(const vfile *f);
/* Loads rel as JSON, failing the test if it cannot be read or parsed. */
void vfile_open(vfile *f, const char *rel);
/* Frees what a load kept (whether or not it succeeded). */
void vfile_close(vfile *f);

/* The whole file rel under the vectors directory, NUL-terminated,
 * malloc'ed; fails the test if it cannot be read. */
char *vec_read(const char *rel, size_t *len);

/* The test PKI (test_files.h), for tests that skip without it. */
/* A file of the PKI (test_pki_read); skips the test when it is absent. */
char *test_pki_need(const char *name, size_t *len);
/* Loads the PKI manifest ($ZT_PKI_CASES, tests/pki/cases.json) as JSON;
 * false when it cannot be read, and fails the test when it is not JSON.
 * vfile_close() frees it either way. */
bool test_pki_manifest(vfile *f);

/* ---- Members --------------------------------------------------------------
 * Of object obj in document d. A *len argument may be NULL. */

bool vec_get(const zt_json_doc *d, zt_json_val obj, const char *name,
             zt_json_val *out);
bool vec_has(const zt_json_doc *d, zt_json_val obj, const char *name);
/* Fails the test when the member is missing. */
zt_json_val vec_member(const zt_json_doc *d, zt_json_val obj, const char *name);
/* The string member, or NULL when it is missing or not a string. */
const char *vec_opt_str(const zt_json_doc *d, zt_json_val obj, const char *name,
                        size_t *len);
/* The string member; fails the test when missing or not a string. */
const char *vec_str(const zt_json_doc *d, zt_json_val obj, const char *name,
                    size_t *len);
/* An integer member; fails the test otherwise. */
int64_t vec_int(const zt_json_doc *d, zt_json_val obj, const char *name);
/* A non-negative integer member; fails the test otherwise. */
uint64_t vec_uint(const zt_json_doc *d, zt_json_val obj, const char *name);

/* Starts it over the array (or object) member list of f's root; fails the
 * test when there is no such member. */
void vfile_iter(zt_json_iter *it, const vfile *f, const char *list);

/* The element of array arr whose string member key equals want; fails the
 * test when there is none. */
zt_json_val vec_find(const zt_json_doc *d, zt_json_val arr, const char *key,
                     const char *want);
/* The case of f's root "cases" array whose "name" is name. */
zt_json_val vfile_case(const vfile *f, const char *name);
/* The "text" member of case name in file rel, malloc'ed (the file is
 * opened and closed here). */
char *vfile_case_text(const char *rel, const char *name);

/* The PEM text of the first certificate of the anchor's JwksGoodX509 key
 * set (jwt_verify_lib/jwks_parse.json), malloc'ed. */
char *vec_x509_cert_pem(void);

/* The text of a jwt_verify_lib / Envoy key set object: text_strict_json
 * when present (the anchor's trailing commas removed), else text. */
const char *vec_keyset_text(const zt_json_doc *d, zt_json_val ks, size_t *len);

/* The status the anchor names exactly (name, n); fails the test for a
 * name it does not have. */
zt_jwt_status vec_status(const char *name, size_t n);

/* ---- Test JSON ----------------------------------------------------------- */

/* Test JSON is written with ' for ": a malloc'ed copy of s with every '
 * turned into ". */
char *test_dquote(const char *s);

/* The anchor's parser took trailing commas; removing them (outside
 * strings) gives the strict JSON a case means. out holds n bytes; returns
 * the length written. */
size_t test_strip_trailing_commas(const char *in, size_t n, char *out);

#endif
