/* Loading from files and directories: order, filtering, limits, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ztauth.h"

static char dir[256];

static void write_file(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static const char *policy(const char *name) {
  static char buf[256];
  snprintf(buf, sizeof(buf),
           "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
           "metadata: {name: %s, namespace: foo}\nspec: {}\n",
           name);
  return buf;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/zt_loader_XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  write_file("b.yaml", policy("from-b"));
  write_file("a.yml", policy("from-a"));
  write_file(".hidden.yaml", "not: [valid");
  write_file("notes.txt", "not: [valid");
  write_file("c.yaml.bak", "not: [valid");
  char sub[512];
  snprintf(sub, sizeof(sub), "%s/sub.yaml", dir);
  mkdir(sub, 0700); /* a directory named like a file is not read */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd);
}

typedef struct fixture {
  zt_engine *e;
  zt_loader *l;
} fixture;

static void open_loader(fixture *f, uint64_t source_limit) {
  zt_config *cfg = NULL;
  zt_diag d;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  if (source_limit)
    assert_int_equal(
        zt_config_set_limit(cfg, ZT_LIMIT_SOURCE_BYTES, source_limit), ZT_OK);
  assert_int_equal(zt_engine_new(&f->e, cfg, &d), ZT_OK);
  zt_config_free(cfg);
  assert_int_equal(zt_loader_new(f->e, &f->l), ZT_OK);
}

static void close_loader(fixture *f) {
  zt_loader_free(f->l);
  zt_engine_free(f->e);
}

static void test_directory_in_name_order(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  open_loader(&f, 0);
  assert_int_equal(zt_loader_add_path(f.l, dir, strlen(dir), &d), ZT_OK);
  assert_int_equal(zt_engine_commit(f.e, f.l, &d), ZT_OK);
  zt_snapshot *s = NULL;
  assert_int_equal(zt_engine_acquire(f.e, &s), ZT_OK);
  assert_int_equal(zt_snapshot_count(s, ZT_KIND_AUTHORIZATION_POLICY), 2);
  zt_policy_info p;
  assert_int_equal(zt_snapshot_policy(s, 0, 0, &p), ZT_OK);
  assert_memory_equal(p.name, "from-a", 6); /* a.yml before b.yaml */
  assert_non_null(strstr(p.source, "/a.yml"));
  assert_int_equal(zt_snapshot_policy(s, 0, 1, &p), ZT_OK);
  assert_memory_equal(p.name, "from-b", 6);
  zt_snapshot_release(s);
  close_loader(&f);
}

static void test_file_and_trailing_slash(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  char path[512];
  open_loader(&f, 0);
  snprintf(path, sizeof(path), "%s/b.yaml", dir);
  assert_int_equal(zt_loader_add_path(f.l, path, strlen(path), &d), ZT_OK);
  snprintf(path, sizeof(path), "%s/", dir);
  assert_int_equal(zt_loader_add_path(f.l, path, strlen(path), &d), ZT_OK);
  /* b.yaml twice: the same object twice is refused as a duplicate. */
  assert_int_equal(zt_loader_validate(f.l, &d), ZT_EDUPLICATE);
  assert_non_null(
      strstr(d.message, "duplicate AuthorizationPolicy foo/from-b"));
  assert_non_null(strstr(d.message, "also defined at"));
  /* Checking again after more input does not report it twice. */
  uint64_t errors = zt_loader_error_count(f.l);
  const char *p = policy("other");
  assert_int_equal(zt_loader_add_yaml(f.l, p, strlen(p), "o", 1, &d), ZT_OK);
  assert_int_equal(zt_loader_validate(f.l, &d), ZT_EDUPLICATE);
  assert_int_equal(zt_loader_error_count(f.l), errors);
  close_loader(&f);
}

static void test_missing_and_special_files(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  open_loader(&f, 0);
  char path[512];
  snprintf(path, sizeof(path), "%s/missing.yaml", dir);
  assert_int_equal(zt_loader_add_path(f.l, path, strlen(path), &d), ZT_EIO);
  assert_string_equal(d.file, path);
  assert_non_null(strstr(d.message, "No such file"));
  assert_int_equal(zt_loader_add_path(f.l, "/dev/null", 9, &d), ZT_EIO);
  assert_non_null(strstr(d.message, "not a regular file"));
  assert_int_equal(zt_loader_add_path(f.l, NULL, 0, &d), ZT_EINVAL);
  assert_int_equal(zt_loader_add_path(f.l, "a\0b", 3, &d), ZT_EINVAL);
  /* Every failed call is kept: a host that ignores the results still
   * cannot commit. */
  assert_int_equal(zt_loader_error_count(f.l), 4);
  assert_int_equal(zt_engine_commit(f.e, f.l, &d), ZT_EIO);
  close_loader(&f);
}

static void test_size_limit_before_reading(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  char path[512];
  open_loader(&f, 16);
  snprintf(path, sizeof(path), "%s/b.yaml", dir);
  assert_int_equal(zt_loader_add_path(f.l, path, strlen(path), &d), ZT_ELIMIT);
  assert_non_null(strstr(d.message, "size limit"));
  const char *p = policy("x");
  assert_int_equal(zt_loader_add_yaml(f.l, p, strlen(p), "buf", 3, &d),
                   ZT_ELIMIT);
  close_loader(&f);
}

static void test_bad_file_in_directory_named(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  open_loader(&f, 0);
  write_file("z.yaml", "apiVersion: security.istio.io/v1\n"
                       "kind: PeerAuthentication\n"
                       "metadata: {name: p, namespace: foo}\n"
                       "spec: {mtls: {mode: MAYBE}}\n");
  assert_int_equal(zt_loader_add_path(f.l, dir, strlen(dir), &d), ZT_ESCHEMA);
  assert_non_null(strstr(d.file, "/z.yaml"));
  assert_int_equal(d.line, 4);
  assert_int_equal(d.column, 21);
  assert_non_null(
      strstr(d.message, "spec.mtls.mode: unsupported value \"MAYBE\""));
  char path[512];
  snprintf(path, sizeof(path), "%s/z.yaml", dir);
  unlink(path);
  close_loader(&f);
}

/* Limits through the public API: object count, depth, scalar size. */
static void test_limits(void **state) {
  (void)state;
  zt_config *cfg = NULL;
  zt_engine *e = NULL;
  zt_loader *l = NULL;
  zt_diag d;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  assert_int_equal(zt_config_set_limit(cfg, ZT_LIMIT_DOCUMENTS, 2), ZT_OK);
  assert_int_equal(zt_config_set_limit(cfg, ZT_LIMIT_SCALAR_BYTES, 64), ZT_OK);
  assert_int_equal(zt_engine_new(&e, cfg, &d), ZT_OK);
  zt_config_free(cfg);
  assert_int_equal(zt_loader_new(e, &l), ZT_OK);
  char three[1024];
  snprintf(three, sizeof(three), "%s---\n%s", policy("one"), policy("two"));
  size_t n = strlen(three);
  snprintf(three + n, sizeof(three) - n, "---\n%s", policy("three"));
  assert_int_equal(zt_loader_add_yaml(l, three, strlen(three), "t", 1, &d),
                   ZT_ELIMIT);
  assert_int_equal(d.line, 11);
  assert_non_null(strstr(d.message, "more than 2 objects"));
  zt_loader_free(l);
  assert_int_equal(zt_loader_new(e, &l), ZT_OK);
  char big[256];
  snprintf(big, sizeof(big),
           "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
           "metadata: {name: %070d, namespace: foo}\n",
           0);
  assert_int_equal(zt_loader_add_yaml(l, big, strlen(big), "b", 1, &d),
                   ZT_ELIMIT);
  assert_int_equal(d.line, 3);
  assert_int_equal(d.column, 18);
  zt_loader_free(l);
  zt_engine_free(e);
}

static void test_failed_adds_block_commit(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  open_loader(&f, 0);
  assert_int_equal(zt_loader_add_yaml(f.l, NULL, 5, "x", 1, &d), ZT_EINVAL);
  assert_int_equal(zt_loader_add_yaml(f.l, "a", 1, NULL, 3, &d), ZT_EINVAL);
  assert_int_equal(zt_loader_error_count(f.l), 2);
  assert_int_equal(zt_engine_commit(f.e, f.l, &d), ZT_EINVAL);
  close_loader(&f);
}

static void test_loader_after_commit(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  open_loader(&f, 0);
  const char *p = policy("one");
  assert_int_equal(zt_loader_add_yaml(f.l, p, strlen(p), "p", 1, &d), ZT_OK);
  assert_int_equal(zt_engine_commit(f.e, f.l, &d), ZT_OK);
  assert_int_equal(zt_loader_add_yaml(f.l, p, strlen(p), "p", 1, &d),
                   ZT_ESTATE);
  assert_int_equal(zt_loader_add_path(f.l, dir, strlen(dir), &d), ZT_ESTATE);
  assert_int_equal(zt_loader_validate(f.l, &d), ZT_ESTATE);
  assert_int_equal(zt_engine_commit(f.e, f.l, &d), ZT_ESTATE);
  /* A loader may be freed after its engine. */
  zt_engine_free(f.e);
  zt_loader_free(f.l);
}

static void test_directory_over_object_limit(void **state) {
  (void)state;
  fixture f;
  zt_diag d;
  zt_config *cfg = NULL;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  assert_int_equal(zt_config_set_limit(cfg, ZT_LIMIT_DOCUMENTS, 1), ZT_OK);
  assert_int_equal(zt_engine_new(&f.e, cfg, &d), ZT_OK);
  zt_config_free(cfg);
  assert_int_equal(zt_loader_new(f.e, &f.l), ZT_OK);
  assert_int_equal(zt_loader_add_path(f.l, dir, strlen(dir), &d), ZT_ELIMIT);
  assert_non_null(strstr(d.message, "more YAML files than the object limit"));
  zt_snapshot *s = NULL;
  assert_int_equal(zt_engine_commit(f.e, f.l, &d), ZT_ELIMIT);
  assert_int_equal(zt_engine_acquire(f.e, &s), ZT_OK);
  assert_int_equal(zt_snapshot_count(s, ZT_KIND_AUTHORIZATION_POLICY), 0);
  zt_snapshot_release(s);
  close_loader(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_directory_in_name_order),
      cmocka_unit_test(test_file_and_trailing_slash),
      cmocka_unit_test(test_missing_and_special_files),
      cmocka_unit_test(test_size_limit_before_reading),
      cmocka_unit_test(test_bad_file_in_directory_named),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_failed_adds_block_commit),
      cmocka_unit_test(test_loader_after_commit),
      cmocka_unit_test(test_directory_over_object_limit),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
