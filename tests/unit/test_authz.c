/* Decisions through the public API: the index (principal- and path-keyed
 * rules merged with the rest in Istio's name order), attachment lookups,
 * options, callbacks, argument checks, and compilation when the allocator
 * fails. The policy semantics themselves are covered case by case by the
 * conformance suite (tests/conformance). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_alloc.h"
#include "ztauth.h"

#define S(x) ((zt_str){(x), sizeof(x) - 1})

typedef struct fx {
  zt_engine *e;
  zt_snapshot *s;
} fx;

static int load_into(zt_engine *e, const char *yaml) {
  zt_loader *l = NULL;
  zt_diag d;
  int rc = zt_loader_new(e, &l);
  if (rc == ZT_OK)
    rc = zt_loader_add_yaml(l, yaml, strlen(yaml), "t", 1, &d);
  if (rc == ZT_OK)
    rc = zt_engine_commit(e, l, &d);
  if (rc != ZT_OK && rc != ZT_ENOMEM)
    print_message("# %s:%u:%u %s\n", d.file, d.line, d.column, d.message);
  zt_loader_free(l);
  return rc;
}

static void open_fx(fx *f, const char *yaml, zt_config *cfg) {
  zt_diag d;
  zt_config *own = NULL;
  if (!cfg) {
    assert_int_equal(zt_config_new(&own, NULL), ZT_OK);
    cfg = own;
  }
  assert_int_equal(zt_engine_new(&f->e, cfg, &d), ZT_OK);
  zt_config_free(own);
  assert_int_equal(load_into(f->e, yaml), ZT_OK);
  assert_int_equal(zt_engine_acquire(f->e, &f->s), ZT_OK);
}

static void close_fx(fx *f) {
  zt_snapshot_release(f->s);
  zt_engine_free(f->e);
}

static const zt_workload foo = {.ns = {"foo", 3}};

static zt_request http(const char *principal, const char *path) {
  zt_request r = {.workload = &foo, .method = S("GET")};
  if (principal) {
    r.mtls = 1;
    r.peer_id = (zt_str){principal, strlen(principal)};
  }
  if (path)
    r.path = (zt_str){path, strlen(path)};
  return r;
}

static void expect(const zt_snapshot *s, const zt_request *r, uint32_t dec,
                   const char *reason, const char *policy) {
  zt_decision d;
  char name[256];
  assert_int_equal(zt_decide(s, r, &d), ZT_OK);
  zt_policy_ref_format(&d.policy, name, sizeof(name));
  if (d.decision != dec || strcmp(zt_reason_name(d.reason), reason) != 0 ||
      strcmp(name, policy ? policy : "") != 0)
    fail_msg("got %s %s %s, want %s %s %s",
             d.decision == ZT_DECISION_ALLOW ? "ALLOW" : "DENY",
             zt_reason_name(d.reason), name,
             dec == ZT_DECISION_ALLOW ? "ALLOW" : "DENY", reason,
             policy ? policy : "(none)");
}

/* Rules keyed by principal, by path and unkeyed must merge in name order:
 * "ns[foo]-policy[a...]" reports before "ns[foo]-policy[b...]" whatever
 * index each rule sits in. */
static const char indexed[] =
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: b-by-principal, namespace: foo}\n"
    "spec:\n"
    "  rules:\n"
    "  - from: [{source: {principals: [cluster.local/ns/foo/sa/x]}}]\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: a-by-path, namespace: foo}\n"
    "spec:\n"
    "  rules:\n"
    "  - to: [{operation: {paths: [/x, /y]}}]\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: c-unkeyed, namespace: foo}\n"
    "spec:\n"
    "  rules:\n"
    "  - to: [{operation: {methods: [POST]}}]\n"
    "  - to: [{operation: {paths: [/p*]}}]\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: d-root, namespace: istio-system}\n"
    "spec:\n"
    "  rules:\n"
    "  - from: [{source: {principals: [cluster.local/ns/foo/sa/x]}}]\n"
    "    to: [{operation: {paths: [/x]}}]\n";

static void test_index_order(void **state) {
  (void)state;
  fx f;
  open_fx(&f, indexed, NULL);
  zt_request r = http("spiffe://cluster.local/ns/foo/sa/x", "/x");
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[foo]-policy[a-by-path]-rule[0]");
  r = http("spiffe://cluster.local/ns/foo/sa/x", "/q");
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[foo]-policy[b-by-principal]-rule[0]");
  r = http("spiffe://cluster.local/ns/foo/sa/other", "/y");
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[foo]-policy[a-by-path]-rule[0]");
  r = http(NULL, "/pq");
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[foo]-policy[c-unkeyed]-rule[1]");
  r = http(NULL, "/q");
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_no_match", NULL);
  /* A query and a dot segment do not defeat the path index. */
  r = http(NULL, "/a/../y?z=1");
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[foo]-policy[a-by-path]-rule[0]");
  /* The root namespace's policy applies to foo too; foo's sort first. */
  const zt_workload bar = {.ns = {"bar", 3}};
  r = http("spiffe://cluster.local/ns/foo/sa/x", "/x");
  r.workload = &bar;
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[istio-system]-policy[d-root]-rule[0]");
  r = http("spiffe://cluster.local/ns/foo/sa/x", "/y");
  r.workload = &bar;
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_no_match", NULL);
  close_fx(&f);
}

/* Envoy reports the smallest name in byte order: rule[10] < rule[2]. */
static void test_rank_is_byte_order(void **state) {
  (void)state;
  char yaml[4096];
  size_t n = (size_t)snprintf(yaml, sizeof(yaml),
                              "apiVersion: security.istio.io/v1\n"
                              "kind: AuthorizationPolicy\n"
                              "metadata: {name: many, namespace: foo}\n"
                              "spec:\n  action: DENY\n  rules:\n");
  for (int i = 0; i < 11; i++)
    n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
                          "  - to: [{operation: {methods: [%s]}}]\n",
                          i == 2 || i == 10 ? "GET" : "PUT");
  fx f;
  open_fx(&f, yaml, NULL);
  zt_request r = http(NULL, "/");
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_denied",
         "ns[foo]-policy[many]-rule[10]");
  close_fx(&f);
}

static void test_selector_groups(void **state) {
  (void)state;
  static const char yaml[] =
      "apiVersion: security.istio.io/v1\n"
      "kind: AuthorizationPolicy\n"
      "metadata: {name: web-only, namespace: foo}\n"
      "spec:\n"
      "  selector: {matchLabels: {app: web}}\n"
      "  action: DENY\n"
      "  rules: [{to: [{operation: {methods: [DELETE]}}]}]\n"
      "---\n"
      "apiVersion: security.istio.io/v1\n"
      "kind: AuthorizationPolicy\n"
      "metadata: {name: web-v2, namespace: foo}\n"
      "spec:\n"
      "  selector: {matchLabels: {app: web, version: v2}}\n"
      "  action: DENY\n"
      "  rules: [{to: [{operation: {methods: [PUT]}}]}]\n";
  fx f;
  open_fx(&f, yaml, NULL);
  const zt_kv v1[] = {{S("app"), S("web")}, {S("version"), S("v1")}};
  const zt_kv v2[] = {{S("version"), S("v2")}, {S("app"), S("web")}};
  const zt_workload w1 = {.ns = S("foo"), .labels = v1, .n_labels = 2};
  const zt_workload w2 = {.ns = S("foo"), .labels = v2, .n_labels = 2};
  zt_request r = http(NULL, "/");
  r.workload = &w1;
  r.method = S("PUT");
  expect(f.s, &r, ZT_DECISION_ALLOW, "no_allow_policy", NULL);
  r.workload = &w2;
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_denied",
         "ns[foo]-policy[web-v2]-rule[0]");
  r.method = S("DELETE");
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_denied",
         "ns[foo]-policy[web-only]-rule[0]");
  r.workload = &foo;
  expect(f.s, &r, ZT_DECISION_ALLOW, "no_allow_policy", NULL);
  close_fx(&f);
}

/* More distinct selectors in one namespace than a 16-bit group id holds:
 * each policy must keep its own attachment. */
static void test_many_groups(void **state) {
  (void)state;
  enum { N = 70000 };
  size_t cap = (size_t)N * 256, n = 0;
  char *yaml = malloc(cap);
  assert_non_null(yaml);
  for (int i = 0; i < N; i++)
    n += (size_t)snprintf(yaml + n, cap - n,
                          "{apiVersion: security.istio.io/v1, kind: "
                          "AuthorizationPolicy, metadata: {name: p%d, "
                          "namespace: foo}, spec: {selector: {matchLabels: "
                          "{app: a%d}}, action: DENY, rules: [{}]}}\n---\n",
                          i, i);
  fx f;
  open_fx(&f, yaml, NULL);
  free(yaml);
  const zt_kv last[] = {{S("app"), S("a69999")}};
  const zt_kv none[] = {{S("app"), S("other")}};
  zt_workload w = {.ns = S("foo"), .labels = last, .n_labels = 1};
  zt_request r = http(NULL, "/");
  r.workload = &w;
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_denied",
         "ns[foo]-policy[p69999]-rule[0]");
  w.labels = none;
  expect(f.s, &r, ZT_DECISION_ALLOW, "no_allow_policy", NULL);
  close_fx(&f);
}

static int header_calls;
static int counting_headers(void *ctx, const char *name, size_t len,
                            size_t index, zt_str *value) {
  header_calls++;
  return zt_headers_get(ctx, name, len, index, value);
}

static void test_headers_and_trace(void **state) {
  (void)state;
  static const char yaml[] = "apiVersion: security.istio.io/v1\n"
                             "kind: AuthorizationPolicy\n"
                             "metadata: {name: h, namespace: foo}\n"
                             "spec:\n"
                             "  rules:\n"
                             "  - when:\n"
                             "    - key: request.headers[X-Team]\n"
                             "      values: [\"a,b\"]\n";
  fx f;
  open_fx(&f, yaml, NULL);
  const zt_kv kv[] = {
      {S("x-team"), S("a")}, {S("other"), S("z")}, {S("X-TEAM"), S("b")}};
  zt_headers h = {kv, 3};
  zt_request r = http(NULL, "/");
  r.header = counting_headers;
  r.header_ctx = &h;
  expect(f.s, &r, ZT_DECISION_ALLOW, "allow_matched",
         "ns[foo]-policy[h]-rule[0]");
  assert_int_equal(header_calls, 3); /* two values, then the end */
  h.n = 1;
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_no_match", NULL);
  close_fx(&f);
  zt_str v;
  assert_int_equal(zt_headers_get(&h, "X-Team", 6, 0, &v), 1);
  assert_int_equal(zt_headers_get(&h, "x-team", 6, 1, &v), 0);
  assert_int_equal(zt_headers_get(NULL, "x", 1, 0, &v), 0);
}

typedef struct lines {
  int n;
  char last[256];
} lines;

static void on_trace(void *ctx, const char *line, size_t len) {
  lines *l = ctx;
  l->n++;
  snprintf(l->last, sizeof(l->last), "%.*s", (int)len, line);
}

static void test_trace(void **state) {
  (void)state;
  fx f;
  open_fx(&f, indexed, NULL);
  lines l = {0, ""};
  zt_request r = http(NULL, "/q");
  r.trace = on_trace;
  r.trace_ctx = &l;
  expect(f.s, &r, ZT_DECISION_DENY, "rbac_no_match", NULL);
  assert_true(l.n >= 3); /* two rules of c-unkeyed, then the decision */
  assert_string_equal(l.last, "decision: DENY (rbac_no_match)");
  close_fx(&f);
}

static int custom_calls;
static int custom_answer(void *ctx, const char *provider, size_t len,
                         const zt_request *req, int32_t *status) {
  (void)req;
  custom_calls++;
  assert_int_equal(len, 5);
  assert_memory_equal(provider, "authz", 5);
  *status = 418;
  return *(int *)ctx;
}

static void test_custom_callback(void **state) {
  (void)state;
  static const char yaml[] =
      "apiVersion: security.istio.io/v1\n"
      "kind: AuthorizationPolicy\n"
      "metadata: {name: ext, namespace: foo}\n"
      "spec:\n"
      "  action: CUSTOM\n"
      "  provider: {name: authz}\n"
      "  rules: [{to: [{operation: {paths: [/ext*]}}]}]\n";
  zt_config *cfg;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  assert_int_equal(
      zt_config_add_provider(cfg, "authz", 5, ZT_PROVIDER_HTTP, 0, 503), ZT_OK);
  assert_int_equal(zt_config_add_provider(cfg, "Bad", 3, 0, 0, 0), ZT_EINVAL);
  assert_int_equal(zt_config_add_provider(cfg, "x", 1, 0, 0, 99), ZT_EINVAL);
  fx f;
  open_fx(&f, yaml, cfg);
  zt_config_free(cfg);
  int answer = 0;
  zt_request r = http(NULL, "/ext/a");
  expect(f.s, &r, ZT_DECISION_DENY, "custom_no_handler",
         "ns[foo]-policy[ext]-rule[0]");
  r.custom = custom_answer;
  r.custom_ctx = &answer;
  zt_decision d;
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_OK);
  assert_int_equal(d.status, 418);
  assert_int_equal(d.provider.len, 5);
  answer = -1;
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_OK);
  assert_int_equal(d.status, 503);
  assert_string_equal(zt_reason_name(d.reason), "custom_error");
  answer = 1;
  expect(f.s, &r, ZT_DECISION_ALLOW, "no_allow_policy", NULL);
  custom_calls = 0;
  r = http(NULL, "/other");
  r.custom = custom_answer;
  r.custom_ctx = &answer;
  expect(f.s, &r, ZT_DECISION_ALLOW, "no_allow_policy", NULL);
  assert_int_equal(custom_calls, 0); /* only matching requests ask */
  close_fx(&f);
}

static void test_bad_arguments_deny(void **state) {
  (void)state;
  fx f;
  open_fx(&f, indexed, NULL);
  zt_decision d;
  zt_request r = http(NULL, "/x");
  assert_int_equal(zt_decide(NULL, &r, &d), ZT_EINVAL);
  assert_int_equal(d.decision, ZT_DECISION_DENY);
  assert_string_equal(zt_reason_name(d.reason), "invalid_argument");
  assert_int_equal(zt_decide(f.s, NULL, &d), ZT_EINVAL);
  assert_int_equal(zt_decide(f.s, &r, NULL), ZT_EINVAL);
  r.workload = NULL;
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_EINVAL);
  const zt_workload nons = {.ns = {NULL, 0}};
  r.workload = &nons;
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_EINVAL);
  r = http(NULL, "/x");
  r.path.ptr = NULL; /* (NULL, 2) */
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_EINVAL);
  /* A malformed address is refused when a policy reads it. */
  r = http(NULL, "/x");
  r.source_ip = S("10.0.0.300");
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_OK); /* nothing reads it */
  close_fx(&f);
  static const char ip_policy[] =
      "apiVersion: security.istio.io/v1\n"
      "kind: AuthorizationPolicy\n"
      "metadata: {name: ip, namespace: foo}\n"
      "spec:\n"
      "  action: DENY\n"
      "  rules: [{from: [{source: {notIpBlocks: [10.0.0.0/8]}}]}]\n";
  open_fx(&f, ip_policy, NULL);
  assert_int_equal(zt_decide(f.s, &r, &d), ZT_EINVAL);
  assert_int_equal(d.decision, ZT_DECISION_DENY);
  r.source_ip = S("10.1.2.3");
  expect(f.s, &r, ZT_DECISION_ALLOW, "no_allow_policy", NULL);
  r.path = S("/a%00b");
  expect(f.s, &r, ZT_DECISION_DENY, "bad_request", NULL);
  close_fx(&f);
}

static void test_ref_format(void **state) {
  (void)state;
  zt_policy_ref ref = {
      .ns = "foo", .ns_len = 3, .name = "p", .name_len = 1, .rule = 12};
  char buf[64];
  assert_int_equal(zt_policy_ref_format(&ref, buf, sizeof(buf)), 26);
  assert_string_equal(buf, "ns[foo]-policy[p]-rule[12]");
  assert_int_equal(zt_policy_ref_format(&ref, NULL, 0), 26);
  assert_int_equal(zt_policy_ref_format(&ref, buf, 8), 26);
  assert_string_equal(buf, "ns[foo]");
  ref.rule = -1;
  assert_int_equal(zt_policy_ref_format(&ref, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_string_equal(zt_reason_name(ZT_REASON_COUNT), "unknown");
}

static void test_options(void **state) {
  (void)state;
  zt_config *cfg;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_L4_ZTUNNEL, 2), ZT_EINVAL);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_TRUSTED_PROXIES, 64),
                   ZT_OK);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_TRUSTED_PROXIES, 65),
                   ZT_EINVAL);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_COUNT, 0), ZT_EINVAL);
  assert_int_equal(zt_config_get_option(cfg, ZT_OPT_TRUSTED_PROXIES), 64);
  assert_int_equal(zt_config_get_option(NULL, ZT_OPT_TRUSTED_PROXIES), 0);
  zt_config_free(cfg);
}

/* Every allocation of a commit fails in turn: the commit reports it and
 * the set in force stays, with nothing leaked. */
static void test_compile_oom(void **state) {
  (void)state;
  for (long k = 1;; k++) {
    test_alloc t = {0};
    zt_allocator a = test_allocator(&t);
    zt_config *cfg = NULL;
    zt_engine *e = NULL;
    zt_diag d;
    assert_int_equal(zt_config_new(&cfg, &a), ZT_OK);
    assert_int_equal(zt_engine_new(&e, cfg, &d), ZT_OK);
    zt_config_free(cfg);
    t.fail_at = t.calls + k;
    int rc = load_into(e, indexed);
    t.fail_at = 0;
    zt_snapshot *s;
    assert_int_equal(zt_engine_acquire(e, &s), ZT_OK);
    if (rc == ZT_OK) {
      zt_request r = http("spiffe://cluster.local/ns/foo/sa/x", "/q");
      expect(s, &r, ZT_DECISION_ALLOW, "allow_matched",
             "ns[foo]-policy[b-by-principal]-rule[0]");
    } else {
      assert_int_equal(rc, ZT_ENOMEM);
      assert_int_equal(zt_snapshot_generation(s), 0);
    }
    zt_snapshot_release(s);
    zt_engine_free(e);
    assert_int_equal(t.live, 0);
    if (rc == ZT_OK)
      break;
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_index_order),
      cmocka_unit_test(test_rank_is_byte_order),
      cmocka_unit_test(test_selector_groups),
      cmocka_unit_test(test_many_groups),
      cmocka_unit_test(test_headers_and_trace),
      cmocka_unit_test(test_trace),
      cmocka_unit_test(test_custom_callback),
      cmocka_unit_test(test_bad_arguments_deny),
      cmocka_unit_test(test_ref_format),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_compile_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
