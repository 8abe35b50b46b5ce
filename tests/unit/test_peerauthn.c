/* PeerAuthentication effective mode (istio-semantics.md §5.4, §10): policy
 * sets parsed and checked as the loader does, compiled, then looked up for
 * workloads and ports. Each case asserts the mode, whether a portLevelMtls
 * entry set it, and the policy reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "peerauthn.h"
#include "policy_lint.h"
#include "policy_parse.h"
#include "test_alloc.h"

#define STRICT ZT_MTLS_STRICT
#define PERMISSIVE ZT_MTLS_PERMISSIVE
#define DISABLE ZT_MTLS_DISABLE

/* ---- Building policy text ---------------------------------------------- */

typedef struct doc {
  char text[65536];
  size_t n;
} doc;

__attribute__((format(printf, 2, 3))) static void put(doc *d, const char *fmt,
                                                      ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(d->text + d->n, sizeof(d->text) - d->n, fmt, ap);
  va_end(ap);
  assert_true(k >= 0 && (size_t)k < sizeof(d->text) - d->n);
  d->n += (size_t)k;
}

/* One PeerAuthentication. ts: creationTimestamp or NULL; sel: a
 * matchLabels flow map or NULL; mode: NULL leaves mtls out; ports: a
 * portLevelMtls flow map or NULL. */
static void pa(doc *d, const char *ns, const char *name, const char *ts,
               const char *sel, const char *mode, const char *ports) {
  put(d, "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\n");
  put(d, "metadata: {name: %s, namespace: %s", name, ns);
  if (ts)
    put(d, ", creationTimestamp: \"%s\"", ts);
  put(d, "}\nspec:%s\n", sel || mode || ports ? "" : " {}");
  if (sel)
    put(d, "  selector: {matchLabels: %s}\n", sel);
  if (mode)
    put(d, "  mtls: {mode: %s}\n", mode);
  if (ports)
    put(d, "  portLevelMtls: %s\n", ports);
}

/* ---- Fixture: config, policy set, compiled modes ----------------------- */

typedef struct fx {
  test_alloc counts;
  zt_allocator mem;
  zt_config *cfg;
  zt_policyset ps;
  zt_peerauthn pa;
} fx;

static int setup(void **state) {
  static fx f;
  memset(&f, 0, sizeof(f));
  f.mem = test_allocator(&f.counts);
  if (zt_config_new(&f.cfg, &f.mem) != ZT_OK)
    return -1;
  zt_policyset_init(&f.ps, &f.cfg->mem);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  zt_peerauthn_free(&f->pa);
  zt_policyset_free(&f->ps);
  zt_config_free(f->cfg);
  assert_int_equal(f->counts.live, 0);
  return 0;
}

/* Parses text into the set; lint runs as the loader's commit would. */
static void parse(fx *f, const doc *d, bool lint) {
  zt_reporter rep;
  zt_parse_state st = {0, 0};
  zt_reporter_init(&rep, NULL, NULL);
  int rc = zt_policy_parse(&f->ps, &st, f->cfg, &rep, d->text, d->n, "t");
  if (lint)
    zt_policy_lint_set(&f->ps, f->cfg, &rep);
  if (rc != ZT_OK || rep.errors)
    fail_msg("policies rejected: %u:%u %s", rep.first.line, rep.first.column,
             rep.first.message);
}

static void compile(fx *f, const doc *d) {
  parse(f, d, true);
  assert_int_equal(zt_peerauthn_compile(&f->pa, &f->ps, f->cfg), ZT_OK);
}

/* labels: "k=v" pairs separated by spaces, or NULL. */
static zt_mtls_info lookup(fx *f, const char *ns, const char *labels,
                           uint32_t port) {
  static char buf[256];
  zt_kv kv[8];
  size_t n = 0;
  snprintf(buf, sizeof(buf), "%s", labels ? labels : "");
  for (char *s = strtok(buf, " "); s && n < 8; s = strtok(NULL, " ")) {
    char *eq = strchr(s, '=');
    assert_non_null(eq);
    kv[n].key = (zt_str){s, (size_t)(eq - s)};
    kv[n++].value = (zt_str){eq + 1, strlen(eq + 1)};
  }
  zt_workload w = {{ns, strlen(ns)}, kv, n, NULL, 0, 0};
  zt_attach at;
  zt_attach_init(&at, &w, f->cfg);
  zt_mtls_info out;
  long calls = f->counts.calls;
  zt_peerauthn_mode(&f->pa, &at, port, &out);
  assert_int_equal(f->counts.calls, calls); /* lookups never allocate */
  return out;
}

static const char *mode_name(uint32_t m) {
  static const char *const names[] = {"UNSET", "DISABLE", "PERMISSIVE",
                                      "STRICT"};
  return m < 4 ? names[m] : "?";
}

/* policy: "ns/name" or NULL (no policy set the mode); rule: the
 * portLevelMtls port or -1. */
static void expect_at(fx *f, const char *ns, const char *labels, uint32_t port,
                      uint32_t mode, const char *policy, int32_t rule) {
  zt_mtls_info m = lookup(f, ns, labels, port);
  char got[160] = "(none)";
  if (m.policy.ns)
    snprintf(got, sizeof(got), "%.*s/%.*s", (int)m.policy.ns_len, m.policy.ns,
             (int)m.policy.name_len, m.policy.name);
  const char *want = policy ? policy : "(none)";
  if (m.mode != mode || strcmp(got, want) != 0 || m.policy.rule != rule ||
      m.port_level != (rule >= 0) || m.policy.action != 0)
    fail_msg("%s {%s} port %u: got %s %s rule %d port_level %u, want %s %s "
             "rule %d",
             ns, labels ? labels : "", port, mode_name(m.mode), got,
             m.policy.rule, m.port_level, mode_name(mode), want, rule);
}

static void expect(fx *f, const char *ns, const char *labels, uint32_t mode,
                   const char *policy) {
  expect_at(f, ns, labels, 0, mode, policy, -1);
}

/* ---- Cases --------------------------------------------------------------- */

static void nothing_configured(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  compile(f, &d);
  expect(f, "foo", NULL, PERMISSIVE, NULL);
  expect_at(f, "foo", "app=a", 8080, PERMISSIVE, NULL, -1);
  expect(f, "istio-system", NULL, PERMISSIVE, NULL);
}

static void mesh_mode(fx *f, const char *mode, uint32_t want,
                      const char *policy) {
  doc d = {.n = 0};
  pa(&d, "istio-system", "default", NULL, NULL, mode, NULL);
  compile(f, &d);
  expect(f, "foo", "app=a", want, policy);
  expect_at(f, "bar", NULL, 9000, want, policy, -1);
  expect(f, "istio-system", NULL, want, policy);
}

static void mesh_strict(void **state) {
  mesh_mode(*state, "STRICT", STRICT, "istio-system/default");
}

static void mesh_permissive(void **state) {
  mesh_mode(*state, "PERMISSIVE", PERMISSIVE, "istio-system/default");
}

static void mesh_disable(void **state) {
  mesh_mode(*state, "DISABLE", DISABLE, "istio-system/default");
}

/* UNSET in the mesh is PERMISSIVE, and no policy set it. */
static void mesh_unset(void **state) {
  mesh_mode(*state, "UNSET", PERMISSIVE, NULL);
}

static void mesh_without_mtls(void **state) {
  mesh_mode(*state, NULL, PERMISSIVE, NULL);
}

/* §1.3: selector: {matchLabels: {}} is mesh-wide, not a workload policy. */
static void mesh_empty_selector(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "default", NULL, "{}", "STRICT", NULL);
  compile(f, &d);
  expect(f, "foo", "app=a", STRICT, "istio-system/default");
}

static void namespace_over_mesh(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "ns", NULL, NULL, "DISABLE", NULL);
  compile(f, &d);
  expect(f, "foo", "app=a", DISABLE, "foo/ns");
  expect_at(f, "foo", NULL, 80, DISABLE, "foo/ns", -1);
  expect(f, "bar", NULL, STRICT, "istio-system/mesh");
}

static void namespace_unset_inherits_mesh(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "ns", NULL, NULL, "UNSET", NULL);
  pa(&d, "bar", "ns", NULL, "{}", NULL, NULL);
  compile(f, &d);
  expect(f, "foo", NULL, STRICT, "istio-system/mesh");
  expect(f, "bar", NULL, STRICT, "istio-system/mesh");
}

static void namespace_without_mesh(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "ns", NULL, NULL, "STRICT", NULL);
  compile(f, &d);
  expect(f, "foo", NULL, STRICT, "foo/ns");
  expect(f, "bar", NULL, PERMISSIVE, NULL);
}

static void workload_over_namespace(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "DISABLE", NULL);
  pa(&d, "foo", "ns", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "wl", NULL, "{app: a}", "PERMISSIVE", NULL);
  compile(f, &d);
  expect(f, "foo", "app=a", PERMISSIVE, "foo/wl");
  expect(f, "foo", "version=v1 app=a", PERMISSIVE, "foo/wl");
  expect(f, "foo", "app=b", STRICT, "foo/ns");
  expect(f, "foo", NULL, STRICT, "foo/ns");
}

static void workload_unset_inherits(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "DISABLE", NULL);
  pa(&d, "foo", "ns", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "wl", NULL, "{app: a}", "UNSET", NULL);
  pa(&d, "bar", "wl", NULL, "{app: a}", NULL, NULL);
  compile(f, &d);
  expect(f, "foo", "app=a", STRICT, "foo/ns");
  expect(f, "bar", "app=a", DISABLE, "istio-system/mesh");
}

/* §5.1: a selector policy in the root namespace selects nothing, not even
 * workloads of the root namespace. */
static void root_selector_ignored(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "sel", "2020-01-01T00:00:00Z", "{app: a}", "STRICT",
     "{8080: {mode: DISABLE}}");
  compile(f, &d);
  expect(f, "foo", "app=a", PERMISSIVE, NULL);
  expect_at(f, "istio-system", "app=a", 8080, PERMISSIVE, NULL, -1);
  zt_peerauthn_free(&f->pa);
  doc e = {.n = 0};
  pa(&e, "istio-system", "mesh", NULL, NULL, "DISABLE", NULL);
  parse(f, &e, true);
  assert_int_equal(zt_peerauthn_compile(&f->pa, &f->ps, f->cfg), ZT_OK);
  expect(f, "foo", "app=a", DISABLE, "istio-system/mesh");
  expect(f, "istio-system", "app=a", DISABLE, "istio-system/mesh");
}

/* A root namespace other than istio-system (meshConfig.rootNamespace). */
static void configured_root(void **state) {
  fx *f = *state;
  static const char mesh[] = "rootNamespace: mesh-root\n";
  assert_int_equal(
      zt_config_load_mesh(f->cfg, mesh, sizeof(mesh) - 1, "m", 1, NULL), ZT_OK);
  doc d = {.n = 0};
  pa(&d, "mesh-root", "mesh", NULL, NULL, "STRICT", NULL);
  pa(&d, "mesh-root", "sel", NULL, "{app: a}", "DISABLE", NULL);
  pa(&d, "istio-system", "ns", NULL, NULL, "PERMISSIVE", NULL);
  compile(f, &d);
  expect(f, "foo", "app=a", STRICT, "mesh-root/mesh");
  expect(f, "istio-system", NULL, PERMISSIVE, "istio-system/ns");
  expect(f, "mesh-root", "app=a", STRICT, "mesh-root/mesh");
}

static void namespace_tie_timestamp(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "b-newer", "2024-05-01T00:00:00Z", NULL, "DISABLE",
     NULL);
  pa(&d, "istio-system", "z-older", "2021-05-01T00:00:00Z", NULL, "STRICT",
     NULL);
  pa(&d, "foo", "a-newer", "2023-01-01T00:00:01Z", NULL, "DISABLE", NULL);
  pa(&d, "foo", "z-older", "2023-01-01T00:00:00Z", NULL, "PERMISSIVE", NULL);
  compile(f, &d);
  expect(f, "foo", NULL, PERMISSIVE, "foo/z-older");
  expect(f, "bar", NULL, STRICT, "istio-system/z-older");
}

static void namespace_tie_name(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "b", "2023-01-01T00:00:00Z", NULL, "STRICT", NULL);
  pa(&d, "foo", "a", "2023-01-01T00:00:00Z", NULL, "DISABLE", NULL);
  pa(&d, "bar", "q", NULL, NULL, "STRICT", NULL);
  pa(&d, "bar", "p", NULL, NULL, "DISABLE", NULL);
  compile(f, &d);
  expect(f, "foo", NULL, DISABLE, "foo/a");
  expect(f, "bar", NULL, DISABLE, "bar/p");
}

/* An unstamped policy is the newest: it never displaces a stamped one. */
static void namespace_unstamped_is_newest(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "a-unstamped", NULL, NULL, "DISABLE", NULL);
  pa(&d, "foo", "z-stamped", "2030-01-01T00:00:00Z", NULL, "STRICT", NULL);
  pa(&d, "foo", "a-wl", NULL, "{app: a}", "DISABLE", NULL);
  pa(&d, "foo", "z-wl", "2030-01-01T00:00:00Z", "{app: a}", "PERMISSIVE", NULL);
  compile(f, &d);
  expect(f, "foo", NULL, STRICT, "foo/z-stamped");
  expect(f, "foo", "app=a", PERMISSIVE, "foo/z-wl");
}

/* Equal names cannot reach a committed set (lint rejects duplicates);
 * compilation still orders them by load order rather than by chance. */
static void namespace_tie_load_order(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "same", NULL, NULL, "DISABLE", NULL);
  pa(&d, "foo", "same", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "same", NULL, NULL, "PERMISSIVE", NULL);
  parse(f, &d, false);
  assert_int_equal(zt_peerauthn_compile(&f->pa, &f->ps, f->cfg), ZT_OK);
  expect(f, "foo", NULL, DISABLE, "foo/same");
}

/* The oldest matching workload policy wins, however specific the newer
 * one's selector; a non-matching older one is skipped. */
static void workload_oldest_wins(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "ns", NULL, NULL, "PERMISSIVE", NULL);
  pa(&d, "foo", "specific", "2023-06-01T00:00:00Z", "{app: a, version: v1}",
     "DISABLE", NULL);
  pa(&d, "foo", "broad", "2023-01-01T00:00:00Z", "{app: a}", "STRICT", NULL);
  pa(&d, "foo", "oldest-other", "2020-01-01T00:00:00Z", "{app: b}", "DISABLE",
     NULL);
  compile(f, &d);
  expect(f, "foo", "app=a version=v1", STRICT, "foo/broad");
  expect(f, "foo", "app=a", STRICT, "foo/broad");
  expect(f, "foo", "app=b", DISABLE, "foo/oldest-other");
  expect(f, "foo", "version=v1", PERMISSIVE, "foo/ns");
}

static void workload_selector_no_match(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "ns", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "wl", NULL, "{app: a, tier: db}", "DISABLE",
     "{5432: {mode: PERMISSIVE}}");
  compile(f, &d);
  expect_at(f, "foo", "app=a", 5432, STRICT, "foo/ns", -1);
  expect_at(f, "foo", "app=A tier=db", 5432, STRICT, "foo/ns", -1);
  expect_at(f, "foo", "app=a tier=db", 5432, PERMISSIVE, "foo/wl", 5432);
}

static void port_level(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "PERMISSIVE", NULL);
  pa(&d, "foo", "ns", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "strict-wl", NULL, "{app: a}", "STRICT",
     "{8080: {mode: DISABLE}, 9090: {mode: PERMISSIVE}, 7070: {mode: "
     "UNSET}}");
  pa(&d, "foo", "unset-wl", NULL, "{app: b}", NULL,
     "{8080: {mode: DISABLE}, 9090: {mode: UNSET}}");
  compile(f, &d);
  /* hit, hit, UNSET entry, miss, port 0 */
  expect_at(f, "foo", "app=a", 8080, DISABLE, "foo/strict-wl", 8080);
  expect_at(f, "foo", "app=a", 9090, PERMISSIVE, "foo/strict-wl", 9090);
  expect_at(f, "foo", "app=a", 7070, STRICT, "foo/strict-wl", -1);
  expect_at(f, "foo", "app=a", 8081, STRICT, "foo/strict-wl", -1);
  expect_at(f, "foo", "app=a", 0, STRICT, "foo/strict-wl", -1);
  /* a workload policy with UNSET mode: its UNSET port inherits the
   * workload's effective mode, which inherits the namespace's */
  expect_at(f, "foo", "app=b", 8080, DISABLE, "foo/unset-wl", 8080);
  expect_at(f, "foo", "app=b", 9090, STRICT, "foo/ns", -1);
  expect_at(f, "foo", "app=b", 443, STRICT, "foo/ns", -1);
  expect_at(f, "foo", "app=b", 0, STRICT, "foo/ns", -1);
  /* no workload policy: ports never matter */
  expect_at(f, "foo", "app=c", 8080, STRICT, "foo/ns", -1);
}

/* Only the winning workload policy's ports count (§5.4: "wl only"). */
static void port_level_of_winner_only(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "foo", "old", "2022-01-01T00:00:00Z", "{app: a}", "STRICT", NULL);
  pa(&d, "foo", "new", "2023-01-01T00:00:00Z", "{app: a}", "STRICT",
     "{8080: {mode: DISABLE}}");
  compile(f, &d);
  expect_at(f, "foo", "app=a", 8080, STRICT, "foo/old", -1);
}

static void other_namespace_no_effect(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "PERMISSIVE", NULL);
  pa(&d, "bar", "ns", NULL, NULL, "DISABLE", NULL);
  pa(&d, "bar", "wl", NULL, "{app: a}", "STRICT", "{80: {mode: DISABLE}}");
  pa(&d, "fo", "ns", NULL, NULL, "STRICT", NULL);
  pa(&d, "fooo", "ns", NULL, NULL, "STRICT", NULL);
  compile(f, &d);
  expect_at(f, "foo", "app=a", 80, PERMISSIVE, "istio-system/mesh", -1);
  expect_at(f, "bar", "app=a", 80, DISABLE, "bar/wl", 80);
}

/* Namespaces loaded out of order, looked up by binary search: every
 * present one, and misses before, between and after them. */
static void many_namespaces(void **state) {
  static const char *const modes[] = {"STRICT", "PERMISSIVE", "DISABLE"};
  static const uint32_t want[] = {STRICT, PERMISSIVE, DISABLE};
  enum { N = 150 };
  fx *f = *state;
  doc d = {.n = 0};
  char ns[32], sel[32], name[64];
  for (int k = 0; k < N; k++) {
    int i = (k * 37) % N; /* 37 is prime to N: a permutation */
    snprintf(ns, sizeof(ns), "ns-%03d", i * 2 + 1);
    pa(&d, ns, "wide", NULL, NULL, modes[i % 3], NULL);
    snprintf(sel, sizeof(sel), "{app: app-%d}", i);
    pa(&d, ns, "wl", NULL, sel, modes[(i + 1) % 3], NULL);
  }
  pa(&d, "istio-system", "mesh", NULL, NULL, "STRICT", NULL);
  compile(f, &d);
  assert_int_equal(f->pa.n_ns, N);
  for (int i = 0; i < N; i++) {
    snprintf(ns, sizeof(ns), "ns-%03d", i * 2 + 1);
    snprintf(name, sizeof(name), "%s/wide", ns);
    expect(f, ns, NULL, want[i % 3], name);
    snprintf(sel, sizeof(sel), "app=app-%d", i);
    snprintf(name, sizeof(name), "%s/wl", ns);
    expect(f, ns, sel, want[(i + 1) % 3], name);
    snprintf(ns, sizeof(ns), "ns-%03d", i * 2);
    expect(f, ns, sel, STRICT, "istio-system/mesh");
  }
  expect(f, "ns-999", NULL, STRICT, "istio-system/mesh");
  expect(f, "a", NULL, STRICT, "istio-system/mesh");
  expect(f, "ns-00", NULL, STRICT, "istio-system/mesh");
}

/* Every allocation of compilation failing in turn: ZT_ENOMEM, nothing
 * leaked, and a freed result is safe to free again. */
static void compile_out_of_memory(void **state) {
  fx *f = *state;
  doc d = {.n = 0};
  pa(&d, "istio-system", "mesh", NULL, NULL, "STRICT", NULL);
  pa(&d, "foo", "ns", NULL, NULL, "DISABLE", NULL);
  parse(f, &d, true);
  long live = f->counts.live;
  long failures = 0;
  for (long k = 1;; k++) {
    f->counts.fail_at = f->counts.calls + k;
    int rc = zt_peerauthn_compile(&f->pa, &f->ps, f->cfg);
    f->counts.fail_at = 0;
    zt_peerauthn_free(&f->pa);
    assert_int_equal(f->counts.live, live);
    if (rc == ZT_OK)
      break;
    assert_int_equal(rc, ZT_ENOMEM);
    failures++;
  }
  assert_true(failures >= 2); /* the sorted policies, the namespaces */
  zt_peerauthn free_twice;
  memset(&free_twice, 0, sizeof(free_twice));
  zt_peerauthn_free(&free_twice);
  zt_peerauthn_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(nothing_configured),
      T(mesh_strict),
      T(mesh_permissive),
      T(mesh_disable),
      T(mesh_unset),
      T(mesh_without_mtls),
      T(mesh_empty_selector),
      T(namespace_over_mesh),
      T(namespace_unset_inherits_mesh),
      T(namespace_without_mesh),
      T(workload_over_namespace),
      T(workload_unset_inherits),
      T(root_selector_ignored),
      T(configured_root),
      T(namespace_tie_timestamp),
      T(namespace_tie_name),
      T(namespace_unstamped_is_newest),
      T(namespace_tie_load_order),
      T(workload_oldest_wins),
      T(workload_selector_no_match),
      T(port_level),
      T(port_level_of_winner_only),
      T(other_namespace_no_effect),
      T(many_namespaces),
      T(compile_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
