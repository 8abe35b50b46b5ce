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

#include "bench_util.h"
#include "ztauth.h"

#define MAX_CERTS 10

static const char TD[] = "example.org";
static const char BUNDLE_FILE[] = "bundle_a.pem";
static const char WANT_ID[] = "spiffe://example.org/ns/default/sa/sleep";

const char bench_prog[] = "bench_svid";

/* The whole file, NUL-terminated (mbedtls_x509_crt_parse wants the NUL of
 * PEM text counted in the length). */
static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
    bench_die("PKI path too long");
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr,
            "bench_svid: cannot open %s (is the PKI built? "
            "ninja -C BUILD tests/pki.stamp)\n",
            path);
    exit(1);
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = bench_xmalloc(cap);
  for (;;) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n < cap - 1)
      break;
    cap *= 2;
    uint8_t *p = realloc(buf, cap);
    if (!p)
      bench_die("out of memory");
    buf = p;
  }
  if (ferror(f))
    bench_die("read error");
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
      bench_die("a chain file is not DER certificates back to back");
    c->off[c->n_certs] = off;
    c->cert_len[c->n_certs] = (size_t)(p - (c->der + off)) + body;
    off += c->cert_len[c->n_certs++];
  }
  if (c->n_certs == 0)
    bench_die("an empty chain file");
}

static void load_chain(chain *c, const char *dir) {
  c->der = slurp(dir, c->file, &c->len);
  split_chain(c);
  c->bad = bench_xmalloc(c->len);
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
    bench_die("zt_config_new failed");
  if (zt_config_set_clock(cfg, engine_clock, &now_s) != ZT_OK)
    bench_die("zt_config_set_clock failed");
  if (cache_off &&
      zt_config_set_option(cfg, ZT_OPT_SVID_CACHE_ENTRIES, 0) != ZT_OK)
    bench_die("zt_config_set_option(ZT_OPT_SVID_CACHE_ENTRIES, 0) failed");
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
    bench_die("zt_engine_acquire failed");
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

/* A row's bench_row.arg is its chain. */
static long loop_floor(const bench_row *r, long n) {
  const chain *c = r->arg;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += floor_verify(c, c->der);
  return bad;
}

static long loop_cold(const bench_row *r, long n) {
  const chain *c = r->arg;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += lib_verify(cold, c->der, c->len) != ZT_OK || svid.cached;
  return bad;
}

static long loop_cached(const bench_row *r, long n) {
  const chain *c = r->arg;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += lib_verify(warm, c->der, c->len) != ZT_OK || !svid.cached;
  return bad;
}

/* The goals of perf.md §5: cold <= 1.1x its floor, a cache hit <= 300 ns. */
#define FLOOR(nm, ch, w)                                                       \
  { .name = nm, .what = w, .loop = loop_floor, .arg = ch, .floor = -1 }
#define COLD(nm, ch, fl, w)                                                    \
  {                                                                            \
    .name = nm, .what = w, .loop = loop_cold, .arg = ch, .floor = fl,          \
    .goal_x = 1.1                                                              \
  }
#define CACHED(nm, ch, w)                                                      \
  {                                                                            \
    .name = nm, .what = w, .loop = loop_cached, .arg = ch, .floor = -1,        \
    .goal_ns = 300                                                             \
  }

static bench_row rows[] = {
    FLOOR("rsa-floor", &rsa_chain,
          "mbedtls_x509_crt_parse_der + crt_verify, RSA-2048 leaf"),
    COLD("rsa", &rsa_chain, 0,
         "zt_svid_verify, cache off, RSA-2048 leaf -> root"),
    FLOOR("ec-floor", &ec_chain,
          "mbedtls_x509_crt_parse_der + crt_verify, P-256 leaf"),
    COLD("ec", &ec_chain, 2, "zt_svid_verify, cache off, P-256 leaf -> root"),
    CACHED("cache-rsa", &rsa_chain,
           "zt_svid_verify, cache hit, RSA-2048 chain"),
    CACHED("cache-ec", &ec_chain, "zt_svid_verify, cache hit, P-256 chain"),
};

static int before_ir(const bench_row *r);

static const bench_table table = {rows, sizeof rows / sizeof rows[0], 12, 10,
                                  before_ir};

/* ---- Checks
 * ---------------------------------------------------------------------- */

static void check_lib(const zt_snapshot *snap, const chain *c, bool cache_on) {
  char msg[256];
  int rc = lib_verify(snap, c->der, c->len);
  if (rc != ZT_OK) {
    snprintf(msg, sizeof msg, "%s chain does not verify: %s (%s)", c->name,
             svid.error_name ? svid.error_name : "?",
             svid.message ? svid.message : "");
    bench_die(msg);
  }
  if (svid.spiffe_id_len != sizeof WANT_ID - 1 ||
      memcmp(svid.spiffe_id, WANT_ID, sizeof WANT_ID - 1) != 0) {
    snprintf(msg, sizeof msg, "%s chain: SPIFFE ID %.*s", c->name,
             (int)(svid.spiffe_id_len < 200 ? svid.spiffe_id_len : 200),
             svid.spiffe_id);
    bench_die(msg);
  }
  if (svid.cached) {
    snprintf(msg, sizeof msg, "%s chain: the first answer is cached", c->name);
    bench_die(msg);
  }
  if (cache_on && (lib_verify(snap, c->der, c->len) != ZT_OK || !svid.cached)) {
    snprintf(msg, sizeof msg, "%s chain: the second answer is not cached",
             c->name);
    bench_die(msg);
  }
  if (cache_on) { /* the same bytes elsewhere: the cache keys on content */
    uint8_t *copy = bench_xmalloc(c->len);
    memcpy(copy, c->der, c->len);
    rc = lib_verify(snap, copy, c->len);
    free(copy);
    if (rc != ZT_OK || !svid.cached) {
      snprintf(msg, sizeof msg,
               "%s chain: a copy is not answered from the cache", c->name);
      bench_die(msg);
    }
  }
  if (!cache_on && (lib_verify(snap, c->der, c->len) != ZT_OK || svid.cached)) {
    snprintf(msg, sizeof msg, "%s chain: cached with the cache off", c->name);
    bench_die(msg);
  }
  rc = lib_verify(snap, c->bad, c->len);
  if (rc != ZT_EIDENTITY || svid.error != ZT_SVID_UNTRUSTED) {
    snprintf(msg, sizeof msg,
             "%s chain with a flipped signature bit: %d %s, not "
             "svid_untrusted",
             c->name, rc, svid.error_name ? svid.error_name : "?");
    bench_die(msg);
  }
}

static void check_floor(const chain *c) {
  char msg[160];
  if (floor_verify(c, c->der) != 0) {
    snprintf(msg, sizeof msg, "floor: the %s chain does not verify", c->name);
    bench_die(msg);
  }
  if (floor_verify(c, c->bad) == 0) {
    snprintf(msg, sizeof msg, "floor: a tampered %s chain verifies", c->name);
    bench_die(msg);
  }
}

static void setup(const char *dir) {
  bench_check_floors(&table);
  now_s = (int64_t)time(NULL);
  load_chain(&rsa_chain, dir);
  load_chain(&ec_chain, dir);
  bundle = slurp(dir, BUNDLE_FILE, &bundle_len);
  mbedtls_x509_crt_init(&roots);
  if (mbedtls_x509_crt_parse(&roots, bundle, bundle_len + 1) != 0)
    bench_die("the floor cannot parse the bundle");
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

/* ---- Main
 * ---------------------------------------------------------------------- */

/* --ir: one operation outside the count, so that every counted one is
 * alike. */
static int before_ir(const bench_row *r) {
  if (r->loop(r, 1) != 0) {
    fprintf(stderr, "bench_svid: %s: the warm-up operation failed\n", r->name);
    return 1;
  }
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_svid [--pki DIR] [ROUNDS] | --list | "
                  "[--pki DIR] --ir ROW\n");
  return 2;
}

typedef struct args {
  const char *dir, *ir_row;
  int rounds;
  bool list;
} args;

/* 0 to go on, else the exit status. */
static int parse_args(args *a, int argc, char **argv) {
  *a = (args){getenv("ZT_PKI"), NULL, 5, false};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--list") == 0) {
      a->list = true;
      return 0;
    } else if (strcmp(argv[i], "--pki") == 0 && i + 1 < argc) {
      a->dir = argv[++i];
    } else if (strcmp(argv[i], "--ir") == 0 && i + 1 < argc) {
      a->ir_row = argv[++i];
    } else if (argv[i][0] != '-') {
      a->rounds = bench_rounds(argv[i], 5);
    } else {
      return usage();
    }
  }
  if (!a->dir || !*a->dir) {
    fprintf(stderr, "bench_svid: no PKI directory: --pki DIR or ZT_PKI "
                    "(meson builds it into BUILD/tests/pki)\n");
    return usage();
  }
  return 0;
}

int main(int argc, char **argv) {
  args a;
  int rc = parse_args(&a, argc, argv);
  if (rc != 0 || a.list) {
    if (a.list)
      bench_list(&table);
    return rc;
  }
  setup(a.dir);
  if (a.ir_row) {
    rc = bench_count_ir(&table, a.ir_row);
    teardown();
    return rc;
  }

  printf("bench_svid: mbedTLS %s, %d interleaved rounds of >= %.0f ms per "
         "row\n",
         MBEDTLS_VERSION_STRING, a.rounds, BENCH_MIN_REP_NS / 1e6);
  printf("chains (%s): RSA-2048 %zu B, P-256 %zu B, one certificate each; "
         "bundle %s (trust domain %s)\n",
         a.dir, rsa_chain.len, ec_chain.len, BUNDLE_FILE, TD);
  bench_time_rows(&table, a.rounds);
  bench_print(&table, a.rounds);
  printf("Wall time only sanity-checks the goals: perf.md §5 gates them on\n"
         "Ir per op, from valgrind --tool=callgrind --collect-atstart=no\n"
         "bench_svid --ir ROW (Collected / %d): rsa / rsa-floor and\n"
         "ec / ec-floor <= 1.1; cache-rsa and cache-ec: report the Ir.\n",
         BENCH_IR_OPS);
  teardown();
  return 0;
}
