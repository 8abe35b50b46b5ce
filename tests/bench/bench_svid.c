/*
 * X.509-SVID verification benchmark (shared/spec/perf.md §5 item 5, §6).
 *
 * Each library row sits next to the bare mbedTLS floor it is judged
 * against, measured in the same process on the same bytes and the same
 * roots:
 *  - rsa, ec: a cold verification through the public zt_svid_verify() of
 *    a one-certificate chain (the leaf, signed directly by a root of the
 *    bundle) on a snapshot whose identity cache is off
 *    (ZT_OPT_SVID_CACHE_ENTRIES 0): split and parse the chain, the SPIFFE
 *    ID, the leaf profile, the bundle of the trust domain, the path and
 *    the validity; client role. Goal: <= 1.1x the floor (perf.md §5).
 *  - rsa-floor, ec-floor: mbedtls_x509_crt_parse_der of each certificate
 *    of the same chain + mbedtls_x509_crt_verify against the same roots
 *    (parsed once from the same bundle file) + mbedtls_x509_crt_free.
 *  - cache-rsa, cache-ec: the same chains through zt_svid_verify() on a
 *    snapshot with the identity cache on (its default size), the same
 *    chain every time: a cache hit, validity re-checked. Goal: <= 300 ns
 *    (perf.md §5 item 5); its Ir comes from --ir.
 *
 * The chains come from the test PKI (tests/pki/make_pki.sh, built into
 * build/tests/pki by meson): valid_rsa.der (RSA-2048 leaf by the RSA-2048
 * root rootA-rsa) and valid_ec.der (P-256 leaf by the P-256 root rootA),
 * with bundle_a.pem (both roots, trust domain example.org) as the bundle.
 * The engine's clock is the current time, read once at start.
 *
 * Before anything is timed, both chains must verify through the library
 * (ZT_OK, the expected SPIFFE ID, not from the cache when it is off, from
 * the cache on the second call when it is on) and through the floor, and
 * a copy whose signature has one bit flipped must fail both; every timed
 * operation is checked too. Any failure ends the program with status 1.
 *
 * Usage (the PKI directory: --pki DIR, else $ZT_PKI):
 *   bench_svid [--pki DIR] [ROUNDS]  ROUNDS interleaved repetitions
 *                          (default 5) of at least 30 ms per row; prints
 *                          the median and min ns/op and the floor ratios
 *   bench_svid --list      the row names
 *   valgrind --tool=callgrind --collect-atstart=no \
 *       build/tests/bench_svid [--pki DIR] --ir ROW
 *                          exactly 1000 operations of ROW with collection
 *                          on: "Collected" / 1000 = instructions per op
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* version.h first: it pulls in the configuration of either major version. */
#include "mbedtls/version.h"

#include "mbedtls/asn1.h"
#include "mbedtls/x509_crt.h"

#include "ztauth.h"

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define IR_OPS 1000
#define MAX_ROUNDS 32
#define MIN_REP_NS 30e6
#define MAX_CERTS 10

static const char TD[] = "example.org";
static const char BUNDLE_FILE[] = "bundle_a.pem";
static const char WANT_ID[] = "spiffe://example.org/ns/default/sa/sleep";

static void die(const char *what) {
  fprintf(stderr, "bench_svid: %s\n", what);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    die("out of memory");
  return p;
}

/* The whole file, NUL-terminated (mbedtls_x509_crt_parse wants the NUL of
 * PEM text counted in the length). */
static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
    die("PKI path too long");
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr,
            "bench_svid: cannot open %s (is the PKI built? "
            "ninja -C BUILD tests/pki.stamp)\n",
            path);
    exit(1);
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = xmalloc(cap);
  for (;;) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n < cap - 1)
      break;
    cap *= 2;
    uint8_t *p = realloc(buf, cap);
    if (!p)
      die("out of memory");
    buf = p;
  }
  if (ferror(f))
    die("read error");
  fclose(f);
  buf[n] = 0;
  *len = n;
  return buf;
}

/* ---- Chains, roots and snapshots ------------------------------------------
 */

typedef struct chain {
  const char *name, *file;
  uint8_t *der, *bad; /* the chain; a copy with the leaf's signature bit
                         flipped */
  size_t len;
  size_t n_certs, off[MAX_CERTS], cert_len[MAX_CERTS];
} chain;

static chain rsa_chain = {.name = "RSA-2048", .file = "valid_rsa.der"};
static chain ec_chain = {.name = "EC P-256", .file = "valid_ec.der"};

static mbedtls_x509_crt roots; /* the floor's trust list */
static uint8_t *bundle;
static size_t bundle_len;
static int64_t now_s;
static zt_engine *cold_engine, *warm_engine;
static zt_snapshot *cold, *warm; /* identity cache off / on */
static zt_svid svid;             /* the library's answer, reused */

/* Where each DER certificate of the chain starts and ends (the outer
 * SEQUENCE's header and length), found once: the floor parses them one by
 * one, as a verifier given a TLS Certificate message would. */
static void split_chain(chain *c) {
  size_t off = 0;
  c->n_certs = 0;
  while (off < c->len) {
    unsigned char *p = c->der + off + 1, *end = c->der + c->len;
    size_t body = 0;
    if (c->n_certs == MAX_CERTS || c->der[off] != 0x30 ||
        mbedtls_asn1_get_len(&p, end, &body) != 0)
      die("a chain file is not DER certificates back to back");
    c->off[c->n_certs] = off;
    c->cert_len[c->n_certs] = (size_t)(p - (c->der + off)) + body;
    off += c->cert_len[c->n_certs++];
  }
  if (c->n_certs == 0)
    die("an empty chain file");
}

static void load_chain(chain *c, const char *dir) {
  c->der = slurp(dir, c->file, &c->len);
  split_chain(c);
  c->bad = xmalloc(c->len);
  memcpy(c->bad, c->der, c->len);
  /* The leaf's last byte is the last byte of its signature. */
  c->bad[c->cert_len[0] - 1] ^= 0x01;
}

static int64_t engine_clock(void *ctx) {
  return *(const int64_t *)ctx;
}

/* An engine with the bundle of example.org and the clock at now_s; the
 * identity cache off (cache_off) or at its default size. */
static zt_snapshot *make_snapshot(bool cache_off, zt_engine **engine) {
  zt_config *cfg = NULL;
  zt_diag diag;
  memset(&diag, 0, sizeof diag);
  if (zt_config_new(&cfg, NULL) != ZT_OK || !cfg)
    die("zt_config_new failed");
  if (zt_config_set_clock(cfg, engine_clock, &now_s) != ZT_OK)
    die("zt_config_set_clock failed");
  if (cache_off &&
      zt_config_set_option(cfg, ZT_OPT_SVID_CACHE_ENTRIES, 0) != ZT_OK)
    die("zt_config_set_option(ZT_OPT_SVID_CACHE_ENTRIES, 0) failed");
  if (zt_engine_new(engine, cfg, &diag) != ZT_OK || !*engine) {
    fprintf(stderr, "bench_svid: zt_engine_new: %s\n", diag.message);
    exit(1);
  }
  zt_config_free(cfg);
  int rc = zt_engine_set_trust_bundle(*engine, TD, sizeof TD - 1,
                                      (const char *)bundle, bundle_len, &diag);
  if (rc != ZT_OK) {
    fprintf(stderr, "bench_svid: zt_engine_set_trust_bundle: %s: %s\n",
            zt_strerror(rc), diag.message);
    exit(1);
  }
  zt_snapshot *snap = NULL;
  if (zt_engine_acquire(*engine, &snap) != ZT_OK || !snap)
    die("zt_engine_acquire failed");
  return snap;
}

/* ---- The operations --------------------------------------------------------
 */

static int lib_verify(const zt_snapshot *snap, const uint8_t *der, size_t len) {
  return zt_svid_verify(snap, (const char *)der, len, ZT_ROLE_CLIENT, &svid);
}

/* The floor: parse each certificate, verify against the roots, free. */
static int floor_verify(const chain *c, const uint8_t *der) {
  mbedtls_x509_crt crt;
  uint32_t flags = 0;
  int rc = 0;
  mbedtls_x509_crt_init(&crt);
  for (size_t i = 0; i < c->n_certs && rc == 0; i++)
    rc = mbedtls_x509_crt_parse_der(&crt, der + c->off[i], c->cert_len[i]);
  if (rc == 0)
    rc = mbedtls_x509_crt_verify(&crt, &roots, NULL, NULL, &flags, NULL, NULL);
  mbedtls_x509_crt_free(&crt);
  return rc != 0 || flags != 0;
}

/* ---- Rows
 * ---------------------------------------------------------------------- */

typedef struct row row;
typedef long (*loop_fn)(row *r, long n); /* n operations; returns failures */

struct row {
  const char *name, *what;
  loop_fn loop;
  chain *c;
  int floor;      /* index of the floor row; -1 */
  double goal_x;  /* wall-time ratio goal to the floor; 0: none */
  double goal_ns; /* wall-time goal per op; 0: none */
  long iters;
  double ns[MAX_ROUNDS];
};

static long loop_floor(row *r, long n) {
  const chain *c = r->c;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += floor_verify(c, c->der);
  return bad;
}

static long loop_cold(row *r, long n) {
  const chain *c = r->c;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += lib_verify(cold, c->der, c->len) != ZT_OK || svid.cached;
  return bad;
}

static long loop_cached(row *r, long n) {
  const chain *c = r->c;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += lib_verify(warm, c->der, c->len) != ZT_OK || !svid.cached;
  return bad;
}

static row rows[] = {
    {"rsa-floor",
     "mbedtls_x509_crt_parse_der + crt_verify, RSA-2048 leaf",
     loop_floor,
     &rsa_chain,
     -1,
     0,
     0,
     0,
     {0}},
    {"rsa",
     "zt_svid_verify, cache off, RSA-2048 leaf -> root",
     loop_cold,
     &rsa_chain,
     0,
     1.1,
     0,
     0,
     {0}},
    {"ec-floor",
     "mbedtls_x509_crt_parse_der + crt_verify, P-256 leaf",
     loop_floor,
     &ec_chain,
     -1,
     0,
     0,
     0,
     {0}},
    {"ec",
     "zt_svid_verify, cache off, P-256 leaf -> root",
     loop_cold,
     &ec_chain,
     2,
     1.1,
     0,
     0,
     {0}},
    {"cache-rsa",
     "zt_svid_verify, cache hit, RSA-2048 chain",
     loop_cached,
     &rsa_chain,
     -1,
     0,
     300,
     0,
     {0}},
    {"cache-ec",
     "zt_svid_verify, cache hit, P-256 chain",
     loop_cached,
     &ec_chain,
     -1,
     0,
     300,
     0,
     {0}},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

/* ---- Checks
 * ---------------------------------------------------------------------- */

static void check_lib(const zt_snapshot *snap, const chain *c, bool cache_on) {
  char msg[256];
  int rc = lib_verify(snap, c->der, c->len);
  if (rc != ZT_OK) {
    snprintf(msg, sizeof msg, "%s chain does not verify: %s (%s)", c->name,
             svid.error_name ? svid.error_name : "?",
             svid.message ? svid.message : "");
    die(msg);
  }
  if (svid.spiffe_id_len != sizeof WANT_ID - 1 ||
      memcmp(svid.spiffe_id, WANT_ID, sizeof WANT_ID - 1) != 0) {
    snprintf(msg, sizeof msg, "%s chain: SPIFFE ID %.*s", c->name,
             (int)(svid.spiffe_id_len < 200 ? svid.spiffe_id_len : 200),
             svid.spiffe_id);
    die(msg);
  }
  if (svid.cached) {
    snprintf(msg, sizeof msg, "%s chain: the first answer is cached", c->name);
    die(msg);
  }
  if (cache_on && (lib_verify(snap, c->der, c->len) != ZT_OK || !svid.cached)) {
    snprintf(msg, sizeof msg, "%s chain: the second answer is not cached",
             c->name);
    die(msg);
  }
  if (cache_on) { /* the same bytes elsewhere: the cache keys on content */
    uint8_t *copy = xmalloc(c->len);
    memcpy(copy, c->der, c->len);
    rc = lib_verify(snap, copy, c->len);
    free(copy);
    if (rc != ZT_OK || !svid.cached) {
      snprintf(msg, sizeof msg,
               "%s chain: a copy is not answered from the cache", c->name);
      die(msg);
    }
  }
  if (!cache_on && (lib_verify(snap, c->der, c->len) != ZT_OK || svid.cached)) {
    snprintf(msg, sizeof msg, "%s chain: cached with the cache off", c->name);
    die(msg);
  }
  rc = lib_verify(snap, c->bad, c->len);
  if (rc != ZT_EIDENTITY || svid.error != ZT_SVID_UNTRUSTED) {
    snprintf(msg, sizeof msg,
             "%s chain with a flipped signature bit: %d %s, not "
             "svid_untrusted",
             c->name, rc, svid.error_name ? svid.error_name : "?");
    die(msg);
  }
}

static void check_floor(const chain *c) {
  char msg[160];
  if (floor_verify(c, c->der) != 0) {
    snprintf(msg, sizeof msg, "floor: the %s chain does not verify", c->name);
    die(msg);
  }
  if (floor_verify(c, c->bad) == 0) {
    snprintf(msg, sizeof msg, "floor: a tampered %s chain verifies", c->name);
    die(msg);
  }
}

static void check_rows(void) {
  for (size_t i = 0; i < N_ROWS; i++) {
    const row *r = &rows[i];
    size_t n = strlen(r->name);
    if (r->floor >= 0 && ((size_t)r->floor >= N_ROWS ||
                          strncmp(rows[r->floor].name, r->name, n) != 0 ||
                          strcmp(rows[r->floor].name + n, "-floor") != 0))
      die("a row names the wrong floor");
  }
}

static void setup(const char *dir) {
  check_rows();
  now_s = (int64_t)time(NULL);
  load_chain(&rsa_chain, dir);
  load_chain(&ec_chain, dir);
  bundle = slurp(dir, BUNDLE_FILE, &bundle_len);
  mbedtls_x509_crt_init(&roots);
  if (mbedtls_x509_crt_parse(&roots, bundle, bundle_len + 1) != 0)
    die("the floor cannot parse the bundle");
  check_floor(&rsa_chain);
  check_floor(&ec_chain);
  cold = make_snapshot(true, &cold_engine);
  warm = make_snapshot(false, &warm_engine);
  check_lib(cold, &rsa_chain, false);
  check_lib(cold, &ec_chain, false);
  check_lib(warm, &rsa_chain, true);
  check_lib(warm, &ec_chain, true);
}

static void teardown(void) {
  zt_snapshot_release(cold);
  zt_snapshot_release(warm);
  zt_engine_free(cold_engine);
  zt_engine_free(warm_engine);
  mbedtls_x509_crt_free(&roots);
  free(bundle);
  free(rsa_chain.der);
  free(rsa_chain.bad);
  free(ec_chain.der);
  free(ec_chain.bad);
}

/* ---- Timing
 * ---------------------------------------------------------------------- */

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double run(row *r, long n) {
  double t0 = now_ns();
  long bad = r->loop(r, n);
  double dt = now_ns() - t0;
  if (bad) {
    fprintf(stderr, "bench_svid: %s: %ld of %ld operations failed\n", r->name,
            bad, n);
    exit(1);
  }
  return dt / (double)n;
}

static row *find_row(const char *name) {
  for (size_t i = 0; i < N_ROWS; i++)
    if (strcmp(rows[i].name, name) == 0)
      return &rows[i];
  return NULL;
}

/* Exactly IR_OPS operations of one row with callgrind collecting, after
 * one operation outside the count (so that every counted one is alike). */
static int count_ir(const char *name) {
  row *r = find_row(name);
  if (!r) {
    fprintf(stderr, "bench_svid: no row \"%s\" (see --list)\n", name);
    return 2;
  }
  if (r->loop(r, 1) != 0) {
    fprintf(stderr, "bench_svid: %s: the warm-up operation failed\n", name);
    return 1;
  }
  CALLGRIND_TOGGLE_COLLECT;
  long bad = r->loop(r, IR_OPS);
  CALLGRIND_TOGGLE_COLLECT;
  if (bad) {
    fprintf(stderr, "bench_svid: %s: %ld of %d operations failed\n", name, bad,
            IR_OPS);
    return 1;
  }
  fprintf(stderr, "bench_svid: %d operations of %s collected\n", IR_OPS, name);
  return 0;
}

static void list(void) {
  for (size_t i = 0; i < N_ROWS; i++)
    printf("%-12s %s\n", rows[i].name, rows[i].what);
}

static const char *verdict(double v, double goal) {
  return v <= goal ? "met" : "MISSED";
}

static void print_results(int rounds) {
  double med[N_ROWS] = {0}, mn[N_ROWS] = {0};
  printf("%-12s %13s %13s  %-10s %7s %7s  %s\n", "row", "median ns", "min ns",
         "floor", "x med", "x min", "goal (wall time)");
  for (size_t i = 0; i < N_ROWS; i++) {
    row *r = &rows[i];
    qsort(r->ns, (size_t)rounds, sizeof(double), cmp_double);
    med[i] = r->ns[rounds / 2];
    mn[i] = r->ns[0];
    printf("%-12s %13.1f %13.1f", r->name, med[i], mn[i]);
    if (r->floor >= 0) {
      double xm = med[i] / med[r->floor], xn = mn[i] / mn[r->floor];
      printf("  %-10s %7.3f %7.3f  <= %.2fx: med %s, min %s",
             rows[r->floor].name, xm, xn, r->goal_x, verdict(xm, r->goal_x),
             verdict(xn, r->goal_x));
    } else if (r->goal_ns > 0) {
      printf("  %-10s %7s %7s  <= %.0f ns: med %s, min %s", "", "", "",
             r->goal_ns, verdict(med[i], r->goal_ns),
             verdict(mn[i], r->goal_ns));
    }
    printf("\n");
  }
}

static int usage(void) {
  fprintf(stderr, "usage: bench_svid [--pki DIR] [ROUNDS] | --list | "
                  "[--pki DIR] --ir ROW\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *dir = getenv("ZT_PKI"), *ir_row = NULL;
  int rounds = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--list") == 0) {
      list();
      return 0;
    } else if (strcmp(argv[i], "--pki") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (strcmp(argv[i], "--ir") == 0 && i + 1 < argc) {
      ir_row = argv[++i];
    } else if (argv[i][0] != '-') {
      rounds = atoi(argv[i]);
      if (rounds < 1 || rounds > MAX_ROUNDS)
        rounds = 5;
    } else {
      return usage();
    }
  }
  if (!dir || !*dir) {
    fprintf(stderr, "bench_svid: no PKI directory: --pki DIR or ZT_PKI "
                    "(meson builds it into BUILD/tests/pki)\n");
    return usage();
  }
  setup(dir);
  if (ir_row) {
    int rc = count_ir(ir_row);
    teardown();
    return rc;
  }

  printf("bench_svid: mbedTLS %s, %d interleaved rounds of >= %.0f ms per "
         "row\n",
         MBEDTLS_VERSION_STRING, rounds, MIN_REP_NS / 1e6);
  printf("chains (%s): RSA-2048 %zu B, P-256 %zu B, one certificate each; "
         "bundle %s (trust domain %s)\n",
         dir, rsa_chain.len, ec_chain.len, BUNDLE_FILE, TD);
  for (size_t i = 0; i < N_ROWS; i++) {
    row *r = &rows[i];
    long it = 1;
    while (run(r, it) * (double)it < MIN_REP_NS && it < (1L << 30))
      it *= 2;
    r->iters = it;
  }
  for (int k = 0; k < rounds; k++)
    for (size_t i = 0; i < N_ROWS; i++)
      rows[i].ns[k] = run(&rows[i], rows[i].iters);
  print_results(rounds);
  printf("Wall time only sanity-checks the goals: perf.md §5 gates them on\n"
         "Ir per op, from valgrind --tool=callgrind --collect-atstart=no\n"
         "bench_svid --ir ROW (Collected / %d): rsa / rsa-floor and\n"
         "ec / ec-floor <= 1.1; cache-rsa and cache-ec: report the Ir.\n",
         IR_OPS);
  teardown();
  return 0;
}
