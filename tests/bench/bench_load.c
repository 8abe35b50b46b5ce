/*
 * Load benchmark: builds a set of Istio-shaped policies in one YAML stream
 * (AuthorizationPolicies with selectors and rules, PeerAuthentications,
 * RequestAuthentications, across namespaces), then measures:
 *  - parse + validate + commit time (median of several runs),
 *  - memory the snapshot retains and the peak during the load, through a
 *    counting allocator (libyaml's own small buffers are not counted),
 *  - the ratio to libyaml alone scanning the same bytes into events, the
 *    floor any YAML loader pays.
 * Usage: bench_load [POLICIES] [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "bench_util.h"
#include "test_alloc.h"
#include "ztauth.h"

const char bench_prog[] = "bench_load";

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t append(char **buf, size_t *cap, size_t off, const char *s) {
  size_t n = strlen(s);
  while (off + n + 1 > *cap) {
    *cap *= 2;
    *buf = realloc(*buf, *cap);
    if (!*buf)
      exit(1);
  }
  memcpy(*buf + off, s, n + 1);
  return off + n;
}

/* One policy of a realistic mix: 80% AuthorizationPolicies, 10% each of
 * the authentication kinds, 100 namespaces. */
static size_t one_policy(char **buf, size_t *cap, size_t off, int i) {
  char doc[2048];
  int ns = i % 100;
  if (i % 10 == 8)
    snprintf(doc, sizeof(doc),
             "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
             "metadata:\n  name: pa-%d\n  namespace: ns-%d\n"
             "spec:\n  selector:\n    matchLabels:\n      app: app-%d\n"
             "  mtls:\n    mode: STRICT\n  portLevelMtls:\n"
             "    8080:\n      mode: PERMISSIVE\n---\n",
             i, ns, i);
  else if (i % 10 == 9)
    snprintf(doc, sizeof(doc),
             "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
             "metadata:\n  name: ra-%d\n  namespace: ns-%d\n"
             "spec:\n  selector:\n    matchLabels:\n      app: app-%d\n"
             "  jwtRules:\n  - issuer: \"https://issuer-%d.example.com\"\n"
             "    jwksUri: \"https://issuer-%d.example.com/keys\"\n"
             "    audiences: [\"api-%d\"]\n"
             "    forwardOriginalToken: true\n---\n",
             i, ns, i, i, i, i);
  else
    snprintf(doc, sizeof(doc),
             "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
             "metadata:\n  name: ap-%d\n  namespace: ns-%d\n"
             "spec:\n  selector:\n    matchLabels:\n      app: app-%d\n"
             "      version: v1\n  action: %s\n  rules:\n  - from:\n"
             "    - source:\n        principals: "
             "[\"cluster.local/ns/ns-%d/sa/client-%d\"]\n"
             "    - source:\n        namespaces: [\"ns-%d\"]\n"
             "        notIpBlocks: [\"10.%d.0.0/16\"]\n"
             "    to:\n    - operation:\n        methods: [\"GET\", \"HEAD\"]\n"
             "        paths: [\"/api/v1/items/*\", \"/api/v2/{*}/detail\"]\n"
             "        ports: [\"8080\"]\n"
             "    when:\n    - key: request.headers[x-tenant]\n"
             "      values: [\"tenant-%d\"]\n---\n",
             i, ns, i, i % 7 == 0 ? "DENY" : "ALLOW", ns, i, (ns + 1) % 100,
             i % 250, i);
  return append(buf, cap, off, doc);
}

static double load_once(const char *yaml, size_t len, test_alloc *c,
                        size_t *retained, uint64_t *count) {
  zt_allocator mem = test_allocator(c);
  zt_config *cfg = NULL;
  zt_engine *e = NULL;
  zt_loader *l = NULL;
  zt_diag d;
  if (zt_config_new(&cfg, &mem) != ZT_OK || zt_engine_new(&e, cfg, &d) ||
      zt_loader_new(e, &l))
    exit(1);
  zt_config_free(cfg);
  size_t base = c->bytes;
  c->peak = base;
  double t0 = now_ms();
  if (zt_loader_add_yaml(l, yaml, len, "bench.yaml", 10, &d) != ZT_OK ||
      zt_engine_commit(e, l, &d) != ZT_OK) {
    fprintf(stderr, "load failed: %u:%u %s\n", d.line, d.column, d.message);
    exit(1);
  }
  double t = now_ms() - t0;
  zt_loader_free(l);
  *retained = c->bytes - base;
  zt_snapshot *s;
  if (zt_engine_acquire(e, &s) != ZT_OK)
    exit(1);
  *count = zt_snapshot_count(s, 0) + zt_snapshot_count(s, 1) +
           zt_snapshot_count(s, 2);
  zt_snapshot_release(s);
  zt_engine_free(e);
  return t;
}

static double libyaml_once(const char *yaml, size_t len) {
  yaml_parser_t p;
  yaml_event_t ev;
  double t0 = now_ms();
  yaml_parser_initialize(&p);
  yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
  int done = 0;
  while (!done) {
    if (!yaml_parser_parse(&p, &ev))
      exit(1);
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return now_ms() - t0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10000;
  int runs = argc > 2 ? atoi(argv[2]) : 5;
  if (n <= 0 || runs <= 0 || runs > 50)
    return 2;
  size_t cap = 1 << 20, len = 0;
  char *yaml = malloc(cap);
  if (!yaml)
    return 1;
  yaml[0] = '\0';
  for (int i = 0; i < n; i++)
    len = one_policy(&yaml, &cap, len, i);
  double t[50], y[50];
  size_t retained = 0;
  uint64_t count = 0;
  test_alloc c = {0};
  size_t peak = 0;
  for (int r = 0; r < runs; r++) {
    c.bytes = c.peak = 0;
    t[r] = load_once(yaml, len, &c, &retained, &count);
    if (c.peak > peak)
      peak = c.peak;
    y[r] = libyaml_once(yaml, len);
  }
  double tm = bench_median(t, runs), ym = bench_median(y, runs);
  printf("policies            %llu (%d requested)\n", (unsigned long long)count,
         n);
  printf("input               %.1f MiB\n", (double)len / (1 << 20));
  printf("load+validate+commit %.1f ms median of %d (%.2f us/policy)\n", tm,
         runs, tm * 1000.0 / (double)count);
  printf("libyaml events only  %.1f ms median (ratio %.2fx)\n", ym, tm / ym);
  printf("snapshot retains     %.1f MiB (%.0f bytes/policy)\n",
         (double)retained / (1 << 20), (double)retained / (double)count);
  printf("peak during load     %.1f MiB\n", (double)peak / (1 << 20));
  free(yaml);
  return 0;
}
