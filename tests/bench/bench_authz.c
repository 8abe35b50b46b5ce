/*
 * Decision benchmark. For each scenario it loads a policy set, checks the
 * expected decision once, then times zt_decide() in repetitions of at least
 * 30 ms, interleaved across scenarios (9 rounds), and prints the median
 * and minimum ns per decision. Scenarios (worst case: the rule that decides
 * is the last one in Istio's order):
 *  - bookinfo: the example under examples/bookinfo (DENY with a template
 *    path and notPrincipals, ALLOW on requestPrincipals with JWT claims);
 *  - istio-N: N Istio-shaped policies on one workload (every fifth a DENY,
 *    the rest ALLOW, 2 rules each of {2 principals, 3 paths, methods});
 *  - wide-10k: 10,000 such policies over 1,000 namespaces, 10 applying,
 *    against only-10: the same request with just those 10 loaded.
 * A floor is printed too: N exact compares of a SPIFFE ID (memcmp), the
 * cost of the naive loop an index avoids.
 * Usage: bench_authz [ROUNDS]   (run from the source tree root)
 *
 * Instruction counts, which unlike wall time do not move between runs:
 *   valgrind --tool=callgrind --collect-atstart=no \
 *       build/tests/bench_authz --ir SCENARIO
 * collects exactly 1000 decisions of one scenario; the "Collected" total
 * divided by 1000 is the count per decision.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "ztauth.h"

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define MAX_SCEN 8

typedef struct scen {
  const char *name;
  zt_engine *e;
  zt_snapshot *s;
  zt_request req;
  uint32_t want;
  long iters;
  double ns[BENCH_MAX_ROUNDS];
} scen;

const char bench_prog[] = "bench_authz";

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

static void put(buf *b, const char *s) {
  size_t n = strlen(s);
  while (b->n + n + 1 > b->cap) {
    b->cap = b->cap ? b->cap * 2 : 65536;
    b->p = realloc(b->p, b->cap);
    if (!b->p)
      exit(1);
  }
  memcpy(b->p + b->n, s, n + 1);
  b->n += n;
}

/* Policy i of namespace ns: paths unique to the policy, principals from a
 * pool of 10 callers shared by all policies. */
static void istio_policy(buf *b, const char *ns, int i) {
  char doc[2048];
  int deny = i % 5 == 0;
  snprintf(doc, sizeof(doc),
           "apiVersion: security.istio.io/v1\n"
           "kind: AuthorizationPolicy\n"
           "metadata: {name: p%05d, namespace: %s}\n"
           "spec:\n"
           "  selector: {matchLabels: {app: web}}\n"
           "  action: %s\n"
           "  rules:\n"
           "  - from: [{source: {principals: [cluster.local/ns/%s/sa/c%d, "
           "cluster.local/ns/%s/sa/c%d]}}]\n"
           "    to: [{operation: {methods: [GET, HEAD], paths: [/v%d/a, "
           "/v%d/b, /v%d/c]}}]\n"
           "  - from: [{source: {principals: [cluster.local/ns/%s/sa/c%d, "
           "cluster.local/ns/%s/sa/c%d]}}]\n"
           "    to: [{operation: {methods: [POST], paths: [/w%d/a, /w%d/b, "
           "/w%d/c]}}]\n"
           "---\n",
           i, ns, deny ? "DENY" : "ALLOW", ns, i % 10, ns, (i + 1) % 10, i, i,
           i, ns, (i + 2) % 10, ns, (i + 3) % 10, i, i, i);
  put(b, doc);
}

/* An engine whose snapshot holds the YAML text, or (yaml NULL) the
 * files under path. Any failure ends the program. */
static zt_engine *engine_with(const char *yaml, size_t len, const char *path) {
  zt_config *cfg = NULL;
  zt_engine *e = NULL;
  zt_loader *l = NULL;
  zt_diag d;
  if (zt_config_new(&cfg, NULL) || zt_engine_new(&e, cfg, &d) ||
      zt_loader_new(e, &l))
    exit(1);
  zt_config_free(cfg);
  int rc = yaml ? zt_loader_add_yaml(l, yaml, len, "bench", 5, &d)
                : zt_loader_add_path(l, path, strlen(path), &d);
  if (rc || zt_engine_commit(e, l, &d)) {
    fprintf(stderr, "%s:%u:%u: %s (run from the source root)\n", d.file, d.line,
            d.column, d.message);
    exit(1);
  }
  zt_loader_free(l);
  return e;
}

static const zt_kv web[] = {{{"app", 3}, {"web", 3}}};
static const zt_kv details[] = {{{"app", 3}, {"details", 7}}};
static zt_workload w_bench = {.ns = {"bench", 5}, .labels = web, .n_labels = 1};
static zt_workload w_wide = {.ns = {"ns-500", 6}, .labels = web, .n_labels = 1};
static const zt_workload w_details = {
    .ns = {"default", 7}, .labels = details, .n_labels = 1};

static char principal[128], path[64], wide_principal[128];

static void setup(scen *sc, const char *name, zt_engine *e, const zt_request *r,
                  uint32_t want) {
  sc->name = name;
  sc->e = e;
  sc->req = *r;
  sc->want = want;
  if (zt_engine_acquire(e, &sc->s))
    exit(1);
  zt_decision d;
  if (zt_decide(sc->s, &sc->req, &d) != ZT_OK || d.decision != want) {
    char ref[256];
    zt_policy_ref_format(&d.policy, ref, sizeof(ref));
    fprintf(stderr, "%s: unexpected decision %u (%s, %s)\n", name, d.decision,
            zt_reason_name(d.reason), ref);
    exit(1);
  }
}

/* The request of istio-N: from c9/c0 to the last policy's last path; with
 * N a multiple of 5 plus 4 that policy is an ALLOW. */
static zt_request istio_request(const zt_workload *w, int last, char *pr,
                                const char *ns) {
  snprintf(pr, 128, "spiffe://cluster.local/ns/%s/sa/c%d", ns, (last + 3) % 10);
  snprintf(path, sizeof(path), "/w%d/c", last);
  zt_request r = {.workload = w,
                  .mtls = 1,
                  .peer_id = {pr, strlen(pr)},
                  .method = {"POST", 4},
                  .authority = {"web", 3},
                  .path = {path, strlen(path)}};
  return r;
}

static int add_istio(scen *sc, int n) {
  buf b = {0};
  for (int i = 0; i < n; i++)
    istio_policy(&b, "bench", i);
  static char names[4][32];
  static int used;
  char *name = names[used++ & 3];
  snprintf(name, 32, "istio-%d", n);
  zt_request r = istio_request(&w_bench, n - 1, principal, "bench");
  zt_engine *e = engine_with(b.p, b.n, NULL);
  free(b.p);
  setup(sc, name, e, &r, ZT_DECISION_ALLOW);
  return 1;
}

static void wide(scen *all, scen *only) {
  buf b = {0}, o = {0};
  char ns[32];
  for (int k = 0; k < 1000; k++) {
    snprintf(ns, sizeof(ns), "ns-%d", k);
    for (int i = 0; i < 10; i++) {
      istio_policy(&b, ns, i);
      if (k == 500)
        istio_policy(&o, ns, i);
    }
  }
  zt_request r = istio_request(&w_wide, 9, wide_principal, "ns-500");
  setup(all, "wide-10k", engine_with(b.p, b.n, NULL), &r, ZT_DECISION_ALLOW);
  setup(only, "only-10", engine_with(o.p, o.n, NULL), &r, ZT_DECISION_ALLOW);
  free(b.p);
  free(o.p);
}

static const char claims[] = "{\"iss\":\"testing@secure.istio.io\","
                             "\"sub\":\"testing@secure.istio.io\","
                             "\"exp\":4685989700,\"foo\":\"bar\"}";

static void bookinfo(scen *sc) {
  zt_request r = {.workload = &w_details,
                  .mtls = 1,
                  .peer_id = {"spiffe://cluster.local/ns/default/sa/"
                              "bookinfo-productpage",
                              61},
                  .method = {"GET", 3},
                  .authority = {"details:9080", 12},
                  .path = {"/details/0", 10},
                  .jwt_claims = {claims, sizeof(claims) - 1}};
  setup(sc, "bookinfo", engine_with(NULL, 0, "examples/bookinfo/authz"), &r,
        ZT_DECISION_ALLOW);
}

static volatile int sink;

/* ns per decision of iters decisions of the scenario (a scen *). */
static double run(void *arg, long iters) {
  scen *sc = arg;
  zt_decision d;
  double t0 = bench_now_ns();
  for (long i = 0; i < iters; i++) {
    zt_decide(sc->s, &sc->req, &d);
    sink += (int)d.decision;
  }
  return (bench_now_ns() - t0) / (double)iters;
}

/* The naive floor: n exact SPIFFE-ID compares that all fail late. */
static double floor_compares(int n, long iters) {
  char ids[16][64];
  for (int i = 0; i < 16; i++)
    snprintf(ids[i], sizeof(ids[i]), "spiffe://cluster.local/ns/bench/sa/c%02d",
             i);
  const char *probe = "spiffe://cluster.local/ns/bench/sa/zz";
  size_t plen = strlen(probe);
  double t0 = bench_now_ns();
  for (long it = 0; it < iters; it++)
    for (int i = 0; i < n; i++)
      sink +=
          strlen(ids[i & 15]) == plen && memcmp(ids[i & 15], probe, plen) == 0;
  return (bench_now_ns() - t0) / (double)iters;
}

/* 1000 decisions of one scenario with callgrind collecting. */
static int count_ir(scen *sc, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(sc[i].name, name) == 0) {
      zt_decision d;
      CALLGRIND_TOGGLE_COLLECT;
      for (int k = 0; k < 1000; k++)
        zt_decide(sc[i].s, &sc[i].req, &d);
      CALLGRIND_TOGGLE_COLLECT;
      return 0;
    }
  fprintf(stderr, "bench_authz: no scenario \"%s\"\n", name);
  return 2;
}

/* Times every scenario rounds times, interleaved, with the floor in each
 * round; prints the medians and minimums. */
static void time_and_print(scen *sc, int n, int rounds) {
  for (int i = 0; i < n; i++)
    sc[i].iters = bench_calibrate(run, &sc[i], 1000);
  double floor500[BENCH_MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++)
      sc[i].ns[r] = run(&sc[i], sc[i].iters);
    floor500[r] = floor_compares(1000, 20000);
  }
  printf("%-10s %12s %12s\n", "scenario", "median ns", "min ns");
  double med[MAX_SCEN] = {0};
  for (int i = 0; i < n; i++) {
    med[i] = bench_median(sc[i].ns, rounds);
    printf("%-10s %12.1f %12.1f\n", sc[i].name, med[i], sc[i].ns[0]);
  }
  printf("%-10s %12.1f %12s  (1000 exact SPIFFE-ID compares: the naive "
         "istio-500 principal scan)\n",
         "floor", bench_median(floor500, rounds), "");
  printf("wide-10k / only-10 = %.2fx\n", med[n - 2] / med[n - 1]);
}

int main(int argc, char **argv) {
  bool ir = argc > 2 && strcmp(argv[1], "--ir") == 0;
  int rounds = bench_rounds(argc > 1 && !ir ? argv[1] : NULL, 9);
  scen sc[MAX_SCEN];
  int n = 0;
  bookinfo(&sc[n++]);
  n += add_istio(&sc[n], 5);
  n += add_istio(&sc[n], 50);
  n += add_istio(&sc[n], 500);
  wide(&sc[n], &sc[n + 1]);
  n += 2;
  if (ir)
    return count_ir(sc, n, argv[2]);
  time_and_print(sc, n, rounds);
  for (int i = 0; i < n; i++) {
    zt_snapshot_release(sc[i].s);
    zt_engine_free(sc[i].e);
  }
  return 0;
}
