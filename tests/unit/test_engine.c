/* The engine: all-or-nothing commits, snapshot lifetime, concurrent readers
 * during swaps, introspection, and behaviour when the allocator fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_alloc.h"
#include "ztauth.h"

/* Set A: 3 AuthorizationPolicies, 1 PeerAuthentication. Set B: 5 and 2.
 * A reader must always see one whole set. */
static const char set_a[] =
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: a1, namespace: foo}\n"
    "spec: {action: DENY, rules: [{}]}\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: a2, namespace: foo}\n"
    "spec: {}\n"
    "---\n"
    "apiVersion: security.istio.io/v1beta1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: a3, namespace: istio-system}\n"
    "spec: {rules: [{to: [{operation: {paths: [\"/x\"]}}]}]}\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: PeerAuthentication\n"
    "metadata: {name: default, namespace: istio-system}\n"
    "spec: {mtls: {mode: STRICT}}\n";

static char set_b[4096];

static void make_set_b(void) {
  size_t off = 0;
  for (int i = 0; i < 5; i++)
    off += (size_t)snprintf(set_b + off, sizeof(set_b) - off,
                            "apiVersion: security.istio.io/v1\n"
                            "kind: AuthorizationPolicy\n"
                            "metadata: {name: b%d, namespace: bar}\n"
                            "spec: {rules: [{}]}\n---\n",
                            i);
  for (int i = 0; i < 2; i++)
    off += (size_t)snprintf(set_b + off, sizeof(set_b) - off,
                            "apiVersion: security.istio.io/v1\n"
                            "kind: PeerAuthentication\n"
                            "metadata: {name: p%d, namespace: bar}\n"
                            "spec:\n  selector:\n    matchLabels: {app: p%d}\n"
                            "  mtls: {mode: DISABLE}\n---\n",
                            i, i);
}

static zt_engine *new_engine(const zt_allocator *mem) {
  zt_config *cfg = NULL;
  zt_engine *e = NULL;
  zt_diag d;
  if (zt_config_new(&cfg, mem) != ZT_OK)
    return NULL;
  if (zt_engine_new(&e, cfg, &d) != ZT_OK)
    e = NULL;
  zt_config_free(cfg);
  return e;
}

static int load(zt_engine *e, const char *yaml, zt_diag *d) {
  zt_loader *l = NULL;
  int rc = zt_loader_new(e, &l);
  if (rc != ZT_OK)
    return rc;
  rc = zt_loader_add_yaml(l, yaml, strlen(yaml), "set.yaml", 8, d);
  if (rc == ZT_OK)
    rc = zt_engine_commit(e, l, d);
  zt_loader_free(l);
  return rc;
}

static void counts(zt_engine *e, uint64_t *gen, uint64_t *ap, uint64_t *pa) {
  zt_snapshot *s = NULL;
  assert_int_equal(zt_engine_acquire(e, &s), ZT_OK);
  *gen = zt_snapshot_generation(s);
  *ap = zt_snapshot_count(s, ZT_KIND_AUTHORIZATION_POLICY);
  *pa = zt_snapshot_count(s, ZT_KIND_PEER_AUTHENTICATION);
  zt_snapshot_release(s);
}

/* The snapshot in force has this generation and these policy counts. */
static void expect_set(zt_engine *e, uint64_t gen, uint64_t ap, uint64_t pa) {
  uint64_t g, a, p;
  counts(e, &g, &a, &p);
  assert_int_equal(g, gen);
  assert_int_equal(a, ap);
  assert_int_equal(p, pa);
}

static void test_arguments(void **state) {
  (void)state;
  zt_diag d;
  zt_engine *e = NULL;
  zt_loader *l = NULL;
  zt_snapshot *s = NULL;
  assert_int_equal(zt_engine_new(NULL, NULL, &d), ZT_EINVAL);
  assert_int_equal(zt_engine_new(&e, NULL, &d), ZT_EINVAL);
  assert_int_equal(d.code, ZT_EINVAL);
  assert_int_equal(zt_engine_acquire(NULL, &s), ZT_EINVAL);
  assert_int_equal(zt_loader_new(NULL, &l), ZT_EINVAL);
  assert_int_equal(zt_engine_commit(NULL, NULL, NULL), ZT_EINVAL);
  assert_int_equal(zt_snapshot_count(NULL, 0), 0);
  assert_int_equal(zt_snapshot_generation(NULL), 0);
  zt_snapshot_release(NULL);
  zt_engine_free(NULL);
  zt_loader_free(NULL);
  zt_config_free(NULL);
}

static void test_empty_engine(void **state) {
  (void)state;
  zt_engine *e = new_engine(NULL);
  assert_non_null(e);
  expect_set(e, 0, 0, 0);
  zt_engine_free(e);
}

static void test_commit_and_all_or_nothing(void **state) {
  (void)state;
  zt_engine *e = new_engine(NULL);
  zt_diag d;
  assert_int_equal(load(e, set_a, &d), ZT_OK);
  expect_set(e, 1, 3, 1);

  /* Set B with one bad document in the middle: refused whole. */
  char bad[sizeof(set_b) + 256];
  snprintf(bad, sizeof(bad),
           "%s"
           "apiVersion: security.istio.io/v1\n"
           "kind: AuthorizationPolicy\n"
           "metadata: {name: broken, namespace: bar}\n"
           "spec: {action: DENY}\n",
           set_b);
  zt_loader *l = NULL;
  assert_int_equal(zt_loader_new(e, &l), ZT_OK);
  assert_int_equal(zt_loader_add_yaml(l, bad, strlen(bad), "b.yaml", 6, &d),
                   ZT_EPOLICY);
  assert_int_equal(d.code, ZT_EPOLICY);
  assert_string_equal(d.file, "b.yaml");
  assert_string_equal(d.kind, "AuthorizationPolicy");
  assert_string_equal(d.ns, "bar");
  assert_string_equal(d.name, "broken");
  assert_int_equal(d.document, 7);
  assert_int_equal(d.line, 45);
  assert_int_equal(d.column, 16);
  assert_int_equal(zt_loader_error_count(l), 1);
  zt_diag c;
  assert_int_equal(zt_engine_commit(e, l, &c), ZT_EPOLICY);
  assert_int_equal(c.line, d.line);
  assert_string_equal(c.message, d.message);
  zt_loader_free(l);
  expect_set(e, 1, 3, 1);

  assert_int_equal(load(e, set_b, &d), ZT_OK);
  expect_set(e, 2, 5, 2);
  zt_engine_free(e);
}

static void test_empty_stream_replaces(void **state) {
  (void)state;
  zt_engine *e = new_engine(NULL);
  zt_diag d;
  uint64_t gen, ap, pa;
  assert_int_equal(load(e, set_a, &d), ZT_OK);
  zt_loader *l = NULL;
  assert_int_equal(zt_loader_new(e, &l), ZT_OK);
  assert_int_equal(zt_loader_add_yaml(l, NULL, 0, NULL, 0, &d), ZT_OK);
  assert_int_equal(zt_engine_commit(e, l, &d), ZT_OK);
  assert_int_equal(zt_engine_commit(e, l, &d), ZT_ESTATE);
  zt_loader_free(l);
  counts(e, &gen, &ap, &pa);
  assert_int_equal(gen, 2);
  assert_int_equal(ap + pa, 0);
  zt_engine_free(e);
}

static void test_loader_of_other_engine(void **state) {
  (void)state;
  zt_engine *e1 = new_engine(NULL), *e2 = new_engine(NULL);
  zt_loader *l = NULL;
  zt_diag d;
  assert_int_equal(zt_loader_new(e1, &l), ZT_OK);
  assert_int_equal(zt_engine_commit(e2, l, &d), ZT_EINVAL);
  zt_loader_free(l);
  zt_engine_free(e1);
  zt_engine_free(e2);
}

static void test_held_snapshot_survives_swap(void **state) {
  (void)state;
  zt_engine *e = new_engine(NULL);
  zt_diag d;
  assert_int_equal(load(e, set_a, &d), ZT_OK);
  zt_snapshot *old = NULL;
  assert_int_equal(zt_engine_acquire(e, &old), ZT_OK);
  for (int i = 0; i < 5; i++)
    assert_int_equal(load(e, i % 2 ? set_a : set_b, &d), ZT_OK);
  /* Still the first set, readable in full. */
  assert_int_equal(zt_snapshot_generation(old), 1);
  assert_int_equal(zt_snapshot_count(old, ZT_KIND_AUTHORIZATION_POLICY), 3);
  zt_policy_info p;
  assert_int_equal(zt_snapshot_policy(old, ZT_KIND_AUTHORIZATION_POLICY, 2, &p),
                   ZT_OK);
  assert_int_equal(p.name_len, 2);
  assert_memory_equal(p.name, "a3", 2);
  zt_snapshot_release(old);
  zt_engine_free(e);
}

static void test_policy_info(void **state) {
  (void)state;
  zt_engine *e = new_engine(NULL);
  zt_diag d;
  const char *yaml =
      "apiVersion: security.istio.io/v1\n"
      "kind: AuthorizationPolicy\n"
      "metadata:\n  name: dry\n  namespace: foo\n"
      "  annotations: {istio.io/dry-run: \"true\"}\n"
      "spec:\n  selector: {matchLabels: {app: x}}\n"
      "  action: DENY\n  rules: [{}, {}]\n"
      "---\n"
      "apiVersion: security.istio.io/v1\n"
      "kind: RequestAuthentication\n"
      "metadata: {name: jwt, namespace: istio-system}\n"
      "spec:\n  jwtRules: [{issuer: a, jwksUri: \"https://a/keys\"}]\n"
      "---\n"
      "apiVersion: security.istio.io/v1\n"
      "kind: PeerAuthentication\n"
      "metadata: {name: ns, namespace: foo}\n"
      "spec: {mtls: {mode: PERMISSIVE}}\n";
  assert_int_equal(load(e, yaml, &d), ZT_OK);
  zt_snapshot *s = NULL;
  assert_int_equal(zt_engine_acquire(e, &s), ZT_OK);
  zt_policy_info p;
  assert_int_equal(zt_snapshot_policy(s, ZT_KIND_AUTHORIZATION_POLICY, 0, &p),
                   ZT_OK);
  assert_int_equal(p.scope, ZT_SCOPE_WORKLOAD);
  assert_int_equal(p.action, ZT_ACTION_DENY);
  assert_int_equal(p.rules, 2);
  assert_int_equal(p.dry_run, 1);
  assert_int_equal(p.line, 1);
  assert_int_equal(p.source_len, 8);
  assert_memory_equal(p.source, "set.yaml", 8);
  assert_int_equal(zt_snapshot_policy(s, ZT_KIND_REQUEST_AUTHENTICATION, 0, &p),
                   ZT_OK);
  assert_int_equal(p.scope, ZT_SCOPE_MESH);
  assert_int_equal(p.rules, 1);
  assert_int_equal(p.line, 12);
  assert_int_equal(zt_snapshot_policy(s, ZT_KIND_PEER_AUTHENTICATION, 0, &p),
                   ZT_OK);
  assert_int_equal(p.scope, ZT_SCOPE_NAMESPACE);
  assert_int_equal(p.action, ZT_MTLS_PERMISSIVE);
  assert_int_equal(zt_snapshot_policy(s, ZT_KIND_PEER_AUTHENTICATION, 1, &p),
                   ZT_EINVAL);
  assert_int_equal(zt_snapshot_policy(s, 7, 0, &p), ZT_EINVAL);
  zt_snapshot_release(s);
  zt_engine_free(e);
}

/* ---- reports ----------------------------------------------------------------
 */

typedef struct reports {
  int errors, warnings, notes;
  zt_diag last_warning;
} reports;

static void on_report(void *ctx, const zt_diag *d) {
  reports *r = ctx;
  if (d->severity == ZT_SEVERITY_ERROR)
    r->errors++;
  else if (d->severity == ZT_SEVERITY_WARNING)
    r->warnings++, r->last_warning = *d;
  else
    r->notes++;
}

static void test_reports(void **state) {
  (void)state;
  zt_engine *e = new_engine(NULL);
  zt_loader *l = NULL;
  zt_diag d;
  reports r = {0};
  assert_int_equal(zt_loader_new(e, &l), ZT_OK);
  assert_int_equal(zt_loader_set_report(l, on_report, &r), ZT_OK);
  const char *yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n"
                     "---\n"
                     "apiVersion: security.istio.io/v1\n"
                     "kind: AuthorizationPolicy\n"
                     "metadata: {name: w, namespace: foo}\n"
                     "spec:\n  rules:\n  - to:\n    - operation:\n"
                     "        paths: [\"/a*b\"]\n";
  assert_int_equal(zt_loader_add_yaml(l, yaml, strlen(yaml), "w", 1, &d),
                   ZT_OK);
  assert_int_equal(r.errors, 0);
  assert_int_equal(r.notes, 1);
  assert_int_equal(r.warnings, 1);
  assert_int_equal(r.last_warning.line, 12);
  assert_int_equal(r.last_warning.column, 17);
  assert_int_equal(r.last_warning.document, 1);
  assert_int_equal(r.last_warning.code, ZT_OK);
  assert_string_equal(r.last_warning.name, "w");
  assert_int_equal(zt_engine_commit(e, l, &d), ZT_OK);
  zt_loader_free(l);
  zt_engine_free(e);
}

/* ---- concurrency ------------------------------------------------------------
 */

typedef struct shared {
  zt_engine *e;
  atomic_bool stop;
  atomic_long reads;
  atomic_int torn;
} shared;

static void *reader(void *arg) {
  shared *sh = arg;
  while (!atomic_load(&sh->stop)) {
    zt_snapshot *s = NULL;
    if (zt_engine_acquire(sh->e, &s) != ZT_OK) {
      atomic_fetch_add(&sh->torn, 1);
      break;
    }
    uint64_t ap = zt_snapshot_count(s, ZT_KIND_AUTHORIZATION_POLICY);
    uint64_t pa = zt_snapshot_count(s, ZT_KIND_PEER_AUTHENTICATION);
    zt_policy_info p;
    bool whole = (ap == 3 && pa == 1) || (ap == 5 && pa == 2);
    if (ap && zt_snapshot_policy(s, 0, ap - 1, &p) == ZT_OK)
      whole = whole && p.name_len == 2 &&
              p.ns_len == (ap == 3 ? 12u : 3u); /* a3 or b4 */
    if (!whole)
      atomic_fetch_add(&sh->torn, 1);
    zt_snapshot_release(s);
    atomic_fetch_add(&sh->reads, 1);
  }
  return NULL;
}

static void test_readers_never_see_half_a_set(void **state) {
  (void)state;
  shared sh = {.e = new_engine(NULL)};
  zt_diag d;
  assert_int_equal(load(sh.e, set_a, &d), ZT_OK);
  atomic_init(&sh.stop, false);
  atomic_init(&sh.reads, 0);
  atomic_init(&sh.torn, 0);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, reader, &sh), 0);
  /* Under valgrind threads run one at a time: let the readers start, and
   * yield between loads so that reads interleave with swaps. */
  while (atomic_load(&sh.reads) < 2)
    sched_yield();
  for (int i = 0; i < 200; i++) {
    assert_int_equal(load(sh.e, i % 2 ? set_a : set_b, &d), ZT_OK);
    sched_yield();
  }
  atomic_store(&sh.stop, true);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(atomic_load(&sh.torn), 0);
  assert_true(atomic_load(&sh.reads) > 0);
  uint64_t gen, ap, pa;
  counts(sh.e, &gen, &ap, &pa);
  assert_int_equal(gen, 201);
  zt_engine_free(sh.e);
}

/* ---- the host's allocator ---------------------------------------------------
 */

static void test_replaced_snapshots_are_reclaimed(void **state) {
  (void)state;
  test_alloc c = {0};
  zt_allocator mem = test_allocator(&c);
  zt_engine *e = new_engine(&mem);
  zt_diag d;
  assert_int_equal(load(e, set_b, &d), ZT_OK);
  size_t after_first = c.bytes;
  for (int i = 0; i < 50; i++)
    assert_int_equal(load(e, set_b, &d), ZT_OK);
  /* The replaced snapshots are gone: memory is what one set needs. */
  assert_true(c.bytes <= after_first + after_first / 2);
  zt_engine_free(e);
  assert_int_equal(c.live, 0);
  assert_int_equal(c.bytes, 0);
}

static void test_last_release_reclaims(void **state) {
  (void)state;
  test_alloc c = {0};
  zt_allocator mem = test_allocator(&c);
  zt_engine *e = new_engine(&mem);
  zt_diag d;
  assert_int_equal(load(e, set_b, &d), ZT_OK);
  zt_snapshot *held = NULL;
  assert_int_equal(zt_engine_acquire(e, &held), ZT_OK);
  assert_int_equal(load(e, set_a, &d), ZT_OK);
  size_t with_held = c.bytes;
  zt_snapshot_release(held);
  assert_true(c.bytes < with_held);
  zt_engine_free(e);
  assert_int_equal(c.live, 0);
}

/* Every allocation failing in turn: each step returns ZT_ENOMEM or
 * succeeds, nothing leaks, and a failed commit keeps the set in force. */
static void test_allocation_failures(void **state) {
  (void)state;
  int succeeded = 0;
  for (long n = 1; n < 400; n++) {
    test_alloc c = {.fail_at = n};
    zt_allocator mem = test_allocator(&c);
    zt_config *cfg = NULL;
    zt_engine *e = NULL;
    zt_loader *l = NULL;
    zt_diag d;
    int rc = zt_config_new(&cfg, &mem);
    if (rc == ZT_OK) {
      rc = zt_engine_new(&e, cfg, &d);
      zt_config_free(cfg);
    }
    if (rc == ZT_OK)
      rc = zt_loader_new(e, &l);
    if (rc == ZT_OK)
      rc = zt_loader_add_yaml(l, set_b, strlen(set_b), "b", 1, &d);
    if (rc == ZT_OK)
      rc = zt_engine_commit(e, l, &d);
    if (rc != ZT_OK && rc != ZT_ENOMEM)
      fail_msg("allocation %ld: status %d (%s)", n, rc, d.message);
    if (e) {
      uint64_t gen, ap, pa;
      counts(e, &gen, &ap, &pa);
      if (!((rc == ZT_OK && gen == 1 && ap == 5) ||
            (rc != ZT_OK && gen == 0 && ap == 0)))
        fail_msg("allocation %ld: rc %d gen %lu ap %lu", n, rc,
                 (unsigned long)gen, (unsigned long)ap);
      assert_true((rc == ZT_OK && gen == 1 && ap == 5) ||
                  (rc != ZT_OK && gen == 0 && ap == 0));
    }
    succeeded += rc == ZT_OK;
    zt_loader_free(l);
    zt_engine_free(e);
    assert_int_equal(c.live, 0);
  }
  assert_true(succeeded > 0);
}

int main(void) {
  make_set_b();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_empty_engine),
      cmocka_unit_test(test_commit_and_all_or_nothing),
      cmocka_unit_test(test_empty_stream_replaces),
      cmocka_unit_test(test_loader_of_other_engine),
      cmocka_unit_test(test_held_snapshot_survives_swap),
      cmocka_unit_test(test_policy_info),
      cmocka_unit_test(test_reports),
      cmocka_unit_test(test_readers_never_see_half_a_set),
      cmocka_unit_test(test_replaced_snapshots_are_reclaimed),
      cmocka_unit_test(test_last_release_reclaims),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
