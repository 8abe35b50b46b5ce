/* Identity through the public API: trust bundles in the engine (lifecycle,
 * refusals, withdrawal, maps), zt_svid_verify with its cache and the
 * engine clock, zt_peer_mode, and the peer stage of zt_decide, also while
 * another thread replaces bundles. The certificates come from the test
 * PKI generated at build time ($ZT_PKI, tests/pki/cases.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_files.h"
#include "ztauth.h"

#define SLEEP_ID "spiffe://example.org/ns/default/sa/sleep"

typedef struct fixture {
  zt_engine *engine;
  int64_t now;
} fixture;

static int64_t fixed_clock(void *ctx) {
  return *(const int64_t *)ctx;
}

/* A file of the test PKI: these tests fail, not skip, without it. */
static char *pki_file(const char *name, size_t *len) {
  char *text = test_pki_read(name, len);
  if (!text)
    fail_msg("cannot read %s in $ZT_PKI (is the test PKI built?)", name);
  return text;
}

static int set_bundle(fixture *f, const char *td, const char *file) {
  size_t len;
  char *doc = pki_file(file, &len);
  zt_diag d;
  int rc = zt_engine_set_trust_bundle(f->engine, td, td ? strlen(td) : 0, doc,
                                      len, &d);
  free(doc);
  return rc;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  zt_config *cfg;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  f->now = (int64_t)time(NULL);
  assert_int_equal(zt_config_set_clock(cfg, fixed_clock, &f->now), ZT_OK);
  assert_int_equal(zt_engine_new(&f->engine, cfg, NULL), ZT_OK);
  zt_config_free(cfg);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  zt_engine_free(f->engine);
  free(f);
  return 0;
}

/* Verifies a PKI chain file against the snapshot in force. */
static int verify(fixture *f, const char *file, zt_svid *out) {
  size_t len;
  char *chain = pki_file(file, &len);
  zt_snapshot *snap;
  assert_int_equal(zt_engine_acquire(f->engine, &snap), ZT_OK);
  int rc = zt_svid_verify(snap, chain, len, ZT_ROLE_CLIENT, out);
  zt_snapshot_release(snap);
  free(chain);
  return rc;
}

static void commit(fixture *f, const char *yaml) {
  zt_loader *l;
  assert_int_equal(zt_loader_new(f->engine, &l), ZT_OK);
  assert_int_equal(
      zt_loader_add_yaml(l, yaml, strlen(yaml), "test.yaml", 9, NULL), ZT_OK);
  assert_int_equal(zt_engine_commit(f->engine, l, NULL), ZT_OK);
  zt_loader_free(l);
}

static uint64_t bundle_count(fixture *f) {
  zt_snapshot *snap;
  assert_int_equal(zt_engine_acquire(f->engine, &snap), ZT_OK);
  uint64_t n = zt_snapshot_bundle_count(snap);
  zt_snapshot_release(snap);
  return n;
}

static void bundle_lifecycle(void **state) {
  fixture *f = *state;
  zt_svid svid;
  assert_int_equal(verify(f, "valid_ec.pem", &svid), ZT_EIDENTITY);
  assert_int_equal(svid.error, ZT_SVID_NO_BUNDLE);
  assert_int_equal(set_bundle(f, "example.org", "bundle_a.pem"), ZT_OK);
  assert_int_equal(bundle_count(f), 1);
  assert_int_equal(verify(f, "valid_ec.pem", &svid), ZT_OK);
  assert_string_equal(svid.spiffe_id, SLEEP_ID);
  assert_int_equal(svid.trust_domain_len, strlen("example.org"));
  /* A refused document leaves the bundle in force. */
  assert_int_equal(set_bundle(f, "example.org", "doc_leaf.pem"), ZT_ESCHEMA);
  assert_int_equal(verify(f, "valid_ec.pem", &svid), ZT_OK);
  /* Withdrawn: the domain has no valid SVIDs any more. */
  assert_int_equal(
      zt_engine_set_trust_bundle(f->engine, "example.org", 11, NULL, 0, NULL),
      ZT_OK);
  assert_int_equal(bundle_count(f), 0);
  assert_int_equal(verify(f, "valid_ec.pem", &svid), ZT_EIDENTITY);
  assert_int_equal(svid.error, ZT_SVID_NO_BUNDLE);
  assert_string_equal(svid.error_name, "svid_no_bundle");
  assert_true(svid.message[0] != '\0');
}

static void bundle_info_and_map(void **state) {
  fixture *f = *state;
  assert_int_equal(set_bundle(f, "other.org", "bundle_b.json"), ZT_OK);
  assert_int_equal(set_bundle(f, "example.org", "bundle_a.json"), ZT_OK);
  zt_snapshot *snap;
  assert_int_equal(zt_engine_acquire(f->engine, &snap), ZT_OK);
  assert_int_equal(zt_snapshot_bundle_count(snap), 2);
  zt_bundle_info a, b, none;
  assert_int_equal(zt_snapshot_bundle(snap, 0, &a), ZT_OK);
  assert_int_equal(zt_snapshot_bundle(snap, 1, &b), ZT_OK);
  assert_int_equal(zt_snapshot_bundle(snap, 2, &none), ZT_EINVAL);
  /* Sorted by trust domain; the generation counts bundle changes. */
  assert_string_equal(a.trust_domain, "example.org");
  assert_int_equal(a.roots, 2);
  assert_int_equal(a.has_sequence, 1);
  assert_string_equal(b.trust_domain, "other.org");
  assert_int_equal(b.roots, 1);
  assert_int_equal(a.generation, 2);
  zt_snapshot_release(snap);
  /* A map replaces every bundle. */
  assert_int_equal(set_bundle(f, NULL, "doc_map.json"), ZT_OK);
  assert_int_equal(bundle_count(f), 2);
  assert_int_equal(set_bundle(f, NULL, "doc_map_duplicate.json"), ZT_ESYNTAX);
  assert_int_equal(bundle_count(f), 2);
}

static void bad_arguments(void **state) {
  fixture *f = *state;
  zt_diag d;
  assert_int_equal(zt_engine_set_trust_bundle(NULL, "a", 1, "x", 1, &d),
                   ZT_EINVAL);
  assert_int_equal(zt_engine_set_trust_bundle(f->engine, NULL, 0, NULL, 0, &d),
                   ZT_EINVAL);
  assert_int_equal(zt_engine_set_trust_bundle(f->engine, "a", 1, NULL, 3, &d),
                   ZT_EINVAL);
  assert_int_equal(
      zt_engine_set_trust_bundle(f->engine, "Bad Domain", 10, "x", 1, &d),
      ZT_EINVAL);
  zt_snapshot *snap;
  assert_int_equal(zt_engine_acquire(f->engine, &snap), ZT_OK);
  zt_svid svid;
  assert_int_equal(zt_svid_verify(snap, NULL, 5, ZT_ROLE_CLIENT, &svid),
                   ZT_EINVAL);
  assert_int_equal(svid.error, ZT_SVID_INTERNAL);
  assert_int_equal(zt_svid_verify(snap, "x", 1, 7, &svid), ZT_EINVAL);
  assert_int_equal(zt_svid_verify(NULL, "x", 1, ZT_ROLE_CLIENT, &svid),
                   ZT_EINVAL);
  assert_int_equal(zt_svid_verify(snap, "x", 1, ZT_ROLE_CLIENT, NULL),
                   ZT_EINVAL);
  assert_int_equal(zt_svid_verify(snap, NULL, 0, ZT_ROLE_CLIENT, &svid),
                   ZT_EIDENTITY);
  assert_int_equal(svid.error, ZT_SVID_EMPTY_CHAIN);
  zt_mtls_info mi;
  zt_workload nons = {.ns = {NULL, 0}};
  assert_int_equal(zt_peer_mode(snap, &nons, 80, &mi), ZT_EINVAL);
  assert_int_equal(mi.mode, ZT_MTLS_STRICT);
  assert_int_equal(zt_peer_mode(snap, NULL, 80, &mi), ZT_EINVAL);
  assert_int_equal(zt_peer_mode(snap, &nons, 80, NULL), ZT_EINVAL);
  zt_snapshot_release(snap);
  assert_string_equal(zt_strerror(ZT_EIDENTITY), "not a valid SVID");
}

static void cache_hits_and_generations(void **state) {
  fixture *f = *state;
  assert_int_equal(set_bundle(f, "example.org", "bundle_a.pem"), ZT_OK);
  zt_svid svid;
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(svid.cached, 0);
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(svid.cached, 1);
  assert_string_equal(svid.spiffe_id, SLEEP_ID);
  assert_int_equal(svid.trust_domain_len, 11);
  /* The PEM text of the same chain is another key. */
  assert_int_equal(verify(f, "valid_ec.pem", &svid), ZT_OK);
  assert_int_equal(svid.cached, 0);
  /* A policy commit keeps the bundles and their cache. */
  commit(f, "apiVersion: security.istio.io/v1\n"
            "kind: AuthorizationPolicy\n"
            "metadata: {name: a, namespace: foo}\n"
            "spec: {}\n");
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(svid.cached, 1);
  /* New bundles start an empty cache. */
  assert_int_equal(set_bundle(f, "example.org", "bundle_a_rot.pem"), ZT_OK);
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(svid.cached, 0);
  /* Invalid chains are not remembered. */
  assert_int_equal(verify(f, "rogue_ca.der", &svid), ZT_EIDENTITY);
  assert_int_equal(verify(f, "rogue_ca.der", &svid), ZT_EIDENTITY);
  assert_int_equal(svid.error, ZT_SVID_UNTRUSTED);
  assert_int_equal(svid.cached, 0);
}

/* A cached identity still expires on time: the window is re-checked. */
static void cache_rechecks_time(void **state) {
  fixture *f = *state;
  assert_int_equal(set_bundle(f, "example.org", "bundle_a.pem"), ZT_OK);
  zt_svid svid;
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(svid.cached, 1);
  int64_t real = f->now;
  f->now = real + 100LL * 365 * 86400; /* long after every test certificate */
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_EIDENTITY);
  assert_int_equal(svid.error, ZT_SVID_EXPIRED);
  f->now = real - 30LL * 86400; /* before notBefore (now - 1 day) */
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_EIDENTITY);
  assert_int_equal(svid.error, ZT_SVID_NOT_YET_VALID);
  f->now = real;
  assert_int_equal(verify(f, "valid_ec.der", &svid), ZT_OK);
  assert_int_equal(svid.cached, 1);
}

static void cache_off(void **state) {
  (void)state;
  zt_config *cfg;
  zt_engine *engine;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_SVID_CACHE_ENTRIES, 0),
                   ZT_OK);
  assert_int_equal(
      zt_config_set_option(cfg, ZT_OPT_SVID_CACHE_ENTRIES, (1u << 20) + 1),
      ZT_EINVAL);
  assert_int_equal(zt_engine_new(&engine, cfg, NULL), ZT_OK);
  zt_config_free(cfg);
  fixture f = {.engine = engine};
  assert_int_equal(set_bundle(&f, "example.org", "bundle_a.pem"), ZT_OK);
  zt_svid svid;
  for (int i = 0; i < 2; i++) {
    assert_int_equal(verify(&f, "valid_ec.der", &svid), ZT_OK);
    assert_int_equal(svid.cached, 0);
  }
  zt_engine_free(engine);
}

/* ---- The peer stage of zt_decide ------------------------------------------
 */

static const char peer_policies[] =
    "apiVersion: security.istio.io/v1\n"
    "kind: PeerAuthentication\n"
    "metadata: {name: strict, namespace: strict}\n"
    "spec: {mtls: {mode: STRICT}}\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: PeerAuthentication\n"
    "metadata: {name: plain, namespace: plain}\n"
    "spec: {mtls: {mode: DISABLE}}\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: sleep-only, namespace: strict}\n"
    "spec:\n"
    "  rules:\n"
    "  - from:\n"
    "    - source: {principals: [\"example.org/ns/default/sa/sleep\"]}\n";

typedef struct decided {
  zt_decision d;
  int rc;
} decided;

static decided decide(fixture *f, const char *ns, const char *chain_file,
                      uint32_t mtls, uint32_t protocol) {
  zt_workload w = {.ns = {ns, strlen(ns)}};
  zt_request r = {.workload = &w, .protocol = protocol, .mtls = mtls};
  size_t len = 0;
  char *chain = chain_file ? pki_file(chain_file, &len) : NULL;
  r.peer_chain = (zt_str){chain, len};
  if (protocol == ZT_PROTO_HTTP) {
    r.method = (zt_str){"GET", 3};
    r.path = (zt_str){"/", 1};
  }
  zt_snapshot *snap;
  assert_int_equal(zt_engine_acquire(f->engine, &snap), ZT_OK);
  decided out;
  out.rc = zt_decide(snap, &r, &out.d);
  zt_snapshot_release(snap);
  free(chain);
  return out;
}

static void decide_with_chains(void **state) {
  fixture *f = *state;
  commit(f, peer_policies);
  assert_int_equal(set_bundle(f, "example.org", "bundle_a.pem"), ZT_OK);
  for (uint32_t proto = ZT_PROTO_HTTP; proto <= ZT_PROTO_TCP; proto++) {
    decided x = decide(f, "strict", "valid_ec.der", 0, proto);
    assert_int_equal(x.rc, ZT_OK);
    assert_int_equal(x.d.decision, ZT_DECISION_ALLOW);
    assert_int_equal(x.d.reason, ZT_REASON_ALLOW_MATCHED);
    assert_int_equal(x.d.mtls_mode, ZT_MTLS_STRICT);
    assert_memory_equal(x.d.mtls_policy.name, "strict", 6);
    /* Another valid identity: authorization denies it. */
    x = decide(f, "strict", "valid_upper_path.pem", 0, proto);
    assert_int_equal(x.d.decision, ZT_DECISION_DENY);
    assert_int_equal(x.d.reason, ZT_REASON_NO_ALLOW_MATCH);
    /* A forged chain closes the connection whatever the policies. */
    x = decide(f, "strict", "forged_cross_td.der", 0, proto);
    assert_int_equal(x.rc, ZT_OK);
    assert_int_equal(x.d.decision, ZT_DECISION_DENY);
    assert_int_equal(x.d.status, 0);
    assert_int_equal(x.d.svid_error, ZT_SVID_UNTRUSTED);
    assert_int_equal(x.d.reason, ZT_REASON_SVID + ZT_SVID_UNTRUSTED);
    assert_string_equal(zt_reason_name(x.d.reason), "svid_untrusted");
    assert_null(x.d.policy.ns);
    /* The chain overrides the host's mtls flag. */
    x = decide(f, "default", "expired.der", 1, proto);
    assert_int_equal(x.d.reason, ZT_REASON_SVID + ZT_SVID_EXPIRED);
    /* STRICT refuses plaintext, DISABLE refuses mTLS. */
    x = decide(f, "strict", NULL, 0, proto);
    assert_int_equal(x.d.decision, ZT_DECISION_DENY);
    assert_int_equal(x.d.status, 0);
    assert_string_equal(zt_reason_name(x.d.reason), "mtls_required");
    x = decide(f, "plain", "valid_ec.der", 0, proto);
    assert_string_equal(zt_reason_name(x.d.reason), "mtls_disabled");
    assert_int_equal(x.d.status, 0);
    assert_int_equal(x.d.mtls_mode, ZT_MTLS_DISABLE);
    x = decide(f, "plain", NULL, 1, proto);
    assert_int_equal(x.d.reason, ZT_REASON_MTLS_DISABLED);
    x = decide(f, "plain", NULL, 0, proto);
    assert_int_equal(x.d.decision, ZT_DECISION_ALLOW);
    /* No PeerAuthentication: PERMISSIVE takes both. */
    x = decide(f, "default", NULL, 0, proto);
    assert_int_equal(x.d.decision, ZT_DECISION_ALLOW);
    assert_int_equal(x.d.mtls_mode, ZT_MTLS_PERMISSIVE);
    assert_null(x.d.mtls_policy.ns);
    x = decide(f, "default", "valid_ec.pem", 0, proto);
    assert_int_equal(x.d.decision, ZT_DECISION_ALLOW);
  }
}

static void reason_names(void **state) {
  (void)state;
  assert_string_equal(zt_reason_name(ZT_REASON_MTLS_REQUIRED), "mtls_required");
  assert_string_equal(zt_reason_name(ZT_REASON_MTLS_DISABLED), "mtls_disabled");
  assert_string_equal(zt_reason_name(ZT_REASON_SVID + ZT_SVID_EXPIRED),
                      "svid_expired");
  assert_string_equal(zt_reason_name(ZT_REASON_SVID + ZT_SVID_COUNT),
                      "unknown");
  for (uint32_t e = 1; e < ZT_SVID_COUNT; e++)
    assert_memory_equal(zt_reason_name(ZT_REASON_SVID + e), "svid_", 5);
}

/* ---- Bundles replaced while threads decide --------------------------------
 */

typedef struct race {
  fixture *f;
  atomic_bool stop;
  atomic_int wrong;
  char *chain;
  size_t len;
} race;

static void *decider(void *arg) {
  race *r = arg;
  zt_workload w = {.ns = {"strict", 6}};
  zt_request req = {.workload = &w, .protocol = ZT_PROTO_TCP};
  req.peer_chain = (zt_str){r->chain, r->len};
  while (!atomic_load(&r->stop)) {
    zt_snapshot *snap;
    if (zt_engine_acquire(r->f->engine, &snap) != ZT_OK)
      break;
    zt_decision d;
    /* valid_ec verifies under both bundles the writer alternates. */
    if (zt_decide(snap, &req, &d) != ZT_OK || d.decision != ZT_DECISION_ALLOW)
      atomic_fetch_add(&r->wrong, 1);
    zt_snapshot_release(snap);
  }
  return NULL;
}

static void bundles_swapped_while_deciding(void **state) {
  fixture *f = *state;
  commit(f, peer_policies);
  assert_int_equal(set_bundle(f, "example.org", "bundle_a.pem"), ZT_OK);
  race r = {.f = f};
  atomic_init(&r.stop, false);
  atomic_init(&r.wrong, 0);
  r.chain = pki_file("valid_ec.der", &r.len);
  size_t la, lb;
  char *a = pki_file("bundle_a.pem", &la),
       *b = pki_file("bundle_a_rot.json", &lb);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, decider, &r), 0);
  for (int i = 0; i < 60; i++) {
    const char *doc = i % 2 ? a : b;
    assert_int_equal(zt_engine_set_trust_bundle(f->engine, "example.org", 11,
                                                doc, i % 2 ? la : lb, NULL),
                     ZT_OK);
  }
  atomic_store(&r.stop, true);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(atomic_load(&r.wrong), 0);
  free(a);
  free(b);
  free(r.chain);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(bundle_lifecycle, setup, teardown),
      cmocka_unit_test_setup_teardown(bundle_info_and_map, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
      cmocka_unit_test_setup_teardown(cache_hits_and_generations, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(cache_rechecks_time, setup, teardown),
      cmocka_unit_test(cache_off),
      cmocka_unit_test_setup_teardown(decide_with_chains, setup, teardown),
      cmocka_unit_test(reason_names),
      cmocka_unit_test_setup_teardown(bundles_swapped_while_deciding, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
