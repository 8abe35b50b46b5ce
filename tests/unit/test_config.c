/* Configuration: defaults, setters, limits, clock and MeshConfig YAML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ztauth.h"

static void test_defaults(void **state) {
  (void)state;
  zt_config *c = NULL;
  assert_int_equal(zt_config_new(&c, NULL), ZT_OK);
  assert_string_equal(c->root_ns.s, "istio-system");
  assert_string_equal(c->trust_domain.s, "cluster.local");
  assert_int_equal(c->n_aliases, 0);
  assert_int_equal(c->path_normalization, ZT_PATH_BASE);
  assert_int_equal(zt_config_get_limit(c, ZT_LIMIT_DEPTH), 64);
  assert_int_equal(zt_config_get_limit(c, ZT_LIMIT_DOCUMENTS), 100000);
  assert_int_equal(zt_config_get_limit(NULL, ZT_LIMIT_DEPTH), 64);
  assert_int_equal(zt_config_get_limit(c, ZT_LIMIT_COUNT), 0);
  zt_config_free(c);
  assert_int_equal(zt_config_new(NULL, NULL), ZT_EINVAL);
  zt_allocator bad = {NULL, NULL};
  assert_int_equal(zt_config_new(&c, &bad), ZT_EINVAL);
}

static void test_setters(void **state) {
  (void)state;
  zt_config *c = NULL;
  assert_int_equal(zt_config_new(&c, NULL), ZT_OK);
  assert_int_equal(zt_config_set_root_namespace(c, "mesh-root", 9), ZT_OK);
  assert_string_equal(c->root_ns.s, "mesh-root");
  assert_int_equal(zt_config_set_root_namespace(c, "Mesh", 4), ZT_EINVAL);
  assert_int_equal(zt_config_set_root_namespace(c, NULL, 0), ZT_EINVAL);
  assert_int_equal(zt_config_set_root_namespace(c, "istio-systemX", 12),
                   ZT_OK); /* (ptr, len): the X is not part of it */
  assert_string_equal(c->root_ns.s, "istio-system");
  assert_int_equal(zt_config_set_trust_domain(c, "td.example", 10), ZT_OK);
  assert_int_equal(zt_config_set_trust_domain(c, "TD", 2), ZT_EINVAL);
  assert_int_equal(zt_config_set_trust_domain(c, "a/b", 3), ZT_EINVAL);
  assert_int_equal(zt_config_add_trust_domain_alias(c, "old-td", 6), ZT_OK);
  assert_int_equal(zt_config_add_trust_domain_alias(c, "old-td", 6), ZT_OK);
  assert_int_equal(c->n_aliases, 1);
  char name[8];
  for (int i = 1; i < ZT_ALIASES_MAX; i++) {
    int n = snprintf(name, sizeof(name), "td%d", i);
    assert_int_equal(zt_config_add_trust_domain_alias(c, name, (size_t)n),
                     ZT_OK);
  }
  assert_int_equal(zt_config_add_trust_domain_alias(c, "one-more", 8),
                   ZT_ELIMIT);
  assert_int_equal(zt_config_set_path_normalization(c, ZT_PATH_NONE), ZT_OK);
  assert_int_equal(zt_config_set_path_normalization(c, 4), ZT_EINVAL);
  assert_int_equal(zt_config_set_limit(c, ZT_LIMIT_DEPTH, 0), ZT_EINVAL);
  assert_int_equal(zt_config_set_limit(c, ZT_LIMIT_DEPTH, 257), ZT_EINVAL);
  assert_int_equal(zt_config_set_limit(c, ZT_LIMIT_DEPTH, 256), ZT_OK);
  assert_int_equal(zt_config_set_limit(c, ZT_LIMIT_COUNT, 1), ZT_EINVAL);
  assert_int_equal(zt_config_set_limit(NULL, ZT_LIMIT_DEPTH, 1), ZT_EINVAL);
  zt_config_free(c);
}

static int64_t fixed_clock(void *ctx) {
  return *(int64_t *)ctx;
}

static void test_clock(void **state) {
  (void)state;
  zt_config *c = NULL;
  int64_t now = 1700000000;
  assert_int_equal(zt_config_new(&c, NULL), ZT_OK);
  assert_true(zt_config_now(c) > 1600000000); /* the system clock */
  assert_int_equal(zt_config_set_clock(c, fixed_clock, &now), ZT_OK);
  assert_int_equal(zt_config_now(c), 1700000000);
  assert_int_equal(zt_config_set_clock(c, NULL, NULL), ZT_OK);
  assert_true(zt_config_now(c) > 1600000000);
  zt_config_free(c);
}

static int mesh(zt_config *c, const char *yaml, zt_diag *d) {
  return zt_config_load_mesh(c, yaml, strlen(yaml), "mesh.yaml", 9, d);
}

static void test_mesh_yaml(void **state) {
  (void)state;
  zt_config *c = NULL;
  zt_diag d;
  assert_int_equal(zt_config_new(&c, NULL), ZT_OK);
  assert_int_equal(mesh(c,
                        "rootNamespace: mesh-root\n"
                        "trustDomain: new-td\n"
                        "trustDomainAliases: [old-td, cluster.local]\n"
                        "pathNormalization:\n"
                        "  normalization: MERGE_SLASHES\n"
                        "unrelated: ~\n",
                        &d),
                   ZT_ESCHEMA);
  assert_int_equal(d.line, 6);
  assert_non_null(strstr(d.message, "unsupported MeshConfig field"));
  assert_string_equal(c->root_ns.s, "istio-system"); /* unchanged */
  assert_int_equal(mesh(c,
                        "rootNamespace: mesh-root\n"
                        "trustDomain: new-td\n"
                        "trustDomainAliases: [old-td, cluster.local]\n"
                        "pathNormalization:\n"
                        "  normalization: MERGE_SLASHES\n",
                        &d),
                   ZT_OK);
  assert_string_equal(c->root_ns.s, "mesh-root");
  assert_string_equal(c->trust_domain.s, "new-td");
  assert_int_equal(c->n_aliases, 2);
  assert_string_equal(c->aliases[1].s, "cluster.local");
  assert_int_equal(c->path_normalization, ZT_PATH_MERGE_SLASHES);
  assert_int_equal(mesh(c, "pathNormalization: {normalization: DEFAULT}\n", &d),
                   ZT_OK);
  assert_int_equal(c->path_normalization, ZT_PATH_BASE);
  zt_config_free(c);
}

static void test_mesh_errors(void **state) {
  (void)state;
  static const struct {
    const char *yaml;
    unsigned line, col;
    const char *words;
  } cases[] = {
      {"rootNamespace: 42\n", 1, 16, "rootNamespace"},
      {"rootNamespace: Not_A_Name\n", 1, 16, "rootNamespace"},
      {"trustDomain: [a]\n", 1, 14, "trustDomain"},
      {"trustDomainAliases: old\n", 1, 21, "expected a list"},
      {"trustDomainAliases: [ok, \"b/c\"]\n", 1, 26, "trustDomainAliases[1]"},
      {"pathNormalization: {normalization: SOMETIMES}\n", 1, 36,
       "must be one of"},
      {"pathNormalization: {mode: BASE}\n", 1, 21, "unknown field"},
      {"- a\n", 1, 1, "expected a mapping"},
      {"rootNamespace: a\n---\nrootNamespace: b\n", 3, 1, "one YAML document"},
      {"rootNamespace: [unterminated\n", 2, 1, ""},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    zt_config *c = NULL;
    zt_diag d;
    assert_int_equal(zt_config_new(&c, NULL), ZT_OK);
    int rc = mesh(c, cases[i].yaml, &d);
    if (rc == ZT_OK || d.line != cases[i].line || d.column != cases[i].col ||
        !strstr(d.message, cases[i].words))
      fail_msg("case %zu: rc %d at %u:%u: %s", i, rc, d.line, d.column,
               d.message);
    assert_string_equal(d.file, "mesh.yaml");
    assert_string_equal(c->root_ns.s, "istio-system");
    zt_config_free(c);
  }
  zt_config *c = NULL;
  assert_int_equal(zt_config_new(&c, NULL), ZT_OK);
  zt_diag d;
  assert_int_equal(zt_config_load_mesh(c, NULL, 0, NULL, 0, &d), ZT_OK);
  assert_int_equal(zt_config_load_mesh(c, NULL, 1, NULL, 0, &d), ZT_EINVAL);
  assert_int_equal(zt_config_load_mesh(NULL, "", 0, NULL, 0, NULL), ZT_EINVAL);
  zt_config_free(c);
}

static void test_version_and_strerror(void **state) {
  (void)state;
  assert_string_equal(zt_version(), "0.1.0");
  assert_int_equal(zt_version_number(), ZT_VERSION_NUMBER);
  for (int code = ZT_EINTERNAL; code <= ZT_OK; code++) {
    const char *s = zt_strerror(code);
    assert_non_null(s);
    assert_string_not_equal(s, "unknown status code");
  }
  assert_string_equal(zt_strerror(-999), "unknown status code");
  assert_string_equal(zt_strerror(7), "unknown status code");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_setters),
      cmocka_unit_test(test_clock),
      cmocka_unit_test(test_mesh_yaml),
      cmocka_unit_test(test_mesh_errors),
      cmocka_unit_test(test_version_and_strerror),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
