/* Request authentication through the public API: jwksUri key sets the host
 * supplies, the decision for good, bad and absent tokens, the outputs, and
 * key sets replaced while other threads decide. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ztauth.h"

#define KID "k1"
static const char jwks[] =
    "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"" KID "\",\"alg\":\"HS256\","
    "\"k\":\"enRhdXRoLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY\"}]}";
/* HS256 under that key: iss https://issuer.example, sub alice, aud api,
 * exp 2000000000, n 42, ok true, grp {"a":1}, roles "x y". */
static const char good[] =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0."
    "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJh"
    "cGkiLCJleHAiOjIwMDAwMDAwMDAsIm4iOjQyLCJvayI6dHJ1ZSwiZ3JwIjp7ImEiOjF9LCJy"
    "b2xlcyI6InggeSJ9.k2gEtdjHDbCm-meAC88LtCimxTLtD-ib3paM4nzwtAA";
/* Same key, exp 1600000000. */
static const char expired[] =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0."
    "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJleHAiOjE2"
    "MDAwMDAwMDB9.os3MbKt9wsApTheHZ1jkhMDt16t_9eiH2WTzmasx81U";

static const char policies[] =
    "apiVersion: security.istio.io/v1\n"
    "kind: RequestAuthentication\n"
    "metadata: {name: jwt, namespace: foo}\n"
    "spec:\n"
    "  jwtRules:\n"
    "  - issuer: https://issuer.example\n"
    "    jwksUri: https://issuer.example/jwks\n"
    "    audiences: [api]\n"
    "    outputPayloadToHeader: x-jwt-payload\n"
    "    outputClaimToHeaders:\n"
    "    - {header: x-sub, claim: sub}\n"
    "    - {header: x-n, claim: \"n\"}\n"
    "    - {header: x-ok, claim: ok}\n"
    "    - {header: x-grp, claim: grp}\n"
    "    - {header: x-missing, claim: nope}\n"
    "    spaceDelimitedClaims: [roles]\n"
    "---\n"
    "apiVersion: security.istio.io/v1\n"
    "kind: AuthorizationPolicy\n"
    "metadata: {name: need-role, namespace: foo}\n"
    "spec:\n"
    "  rules:\n"
    "  - from:\n"
    "    - source: {requestPrincipals: [\"https://issuer.example/alice\"]}\n"
    "    when:\n"
    "    - key: request.auth.claims[roles]\n"
    "      values: [\"y\"]\n";

static const char uri[] = "https://issuer.example/jwks";

static int64_t fixed_now(void *ctx) {
  (void)ctx;
  return 1700000000;
}

static zt_engine *engine_on(const zt_allocator *mem) {
  zt_config *cfg;
  zt_engine *e;
  zt_loader *l;
  assert_int_equal(zt_config_new(&cfg, mem), ZT_OK);
  assert_int_equal(zt_config_set_clock(cfg, fixed_now, NULL), ZT_OK);
  assert_int_equal(zt_engine_new(&e, cfg, NULL), ZT_OK);
  zt_config_free(cfg);
  assert_int_equal(zt_loader_new(e, &l), ZT_OK);
  assert_int_equal(
      zt_loader_add_yaml(l, policies, sizeof(policies) - 1, "p.yaml", 6, NULL),
      ZT_OK);
  assert_int_equal(zt_engine_commit(e, l, NULL), ZT_OK);
  zt_loader_free(l);
  return e;
}

static zt_engine *engine_with_policies(void) {
  return engine_on(NULL);
}

typedef struct outs {
  char log[2048];
  size_t n;
} outs;

static void on_output(void *ctx, uint32_t op, const char *name, size_t nl,
                      const char *value, size_t vl) {
  static const char *const ops[] = {"-", "+", "reply ", "principal "};
  outs *o = ctx;
  int k =
      snprintf(o->log + o->n, sizeof(o->log) - o->n, "%s%.*s%s%.*s\n", ops[op],
               (int)nl, name, vl ? "=" : "", (int)vl, value ? value : "");
  if (k > 0)
    o->n += (size_t)k;
}

static zt_decision decide(zt_engine *e, const char *auth, outs *o) {
  zt_workload w = {{"foo", 3}, NULL, 0, NULL, 0, 0};
  zt_kv h[1] = {{{"authorization", 13}, {auth, auth ? strlen(auth) : 0}}};
  zt_headers hs = {h, auth ? 1 : 0};
  zt_request r;
  memset(&r, 0, sizeof r);
  r.workload = &w;
  r.method = (zt_str){"GET", 3};
  r.authority = (zt_str){"svc.foo", 7};
  r.path = (zt_str){"/x?y=1", 6};
  r.header = zt_headers_get;
  r.header_ctx = &hs;
  r.output = o ? on_output : NULL;
  r.output_ctx = o;
  zt_snapshot *s;
  zt_decision d;
  assert_int_equal(zt_engine_acquire(e, &s), ZT_OK);
  zt_decide(s, &r, &d);
  zt_snapshot_release(s);
  return d;
}

static char bearer[sizeof(good) + 8];

static void test_jwks_uri_lifecycle(void **state) {
  (void)state;
  zt_engine *e = engine_with_policies();
  snprintf(bearer, sizeof bearer, "Bearer %s", good);
  zt_snapshot *s;
  zt_jwks_info info;
  assert_int_equal(zt_engine_acquire(e, &s), ZT_OK);
  assert_int_equal(zt_snapshot_jwks_count(s), 1);
  assert_int_equal(zt_snapshot_jwks(s, 0, &info), ZT_OK);
  assert_string_equal(info.uri, uri);
  assert_int_equal(info.supplied, 0);
  assert_int_equal(zt_snapshot_jwks(s, 1, &info), ZT_EINVAL);
  zt_snapshot_release(s);
  /* Not supplied: tokens of that rule fail as when Istio cannot fetch. */
  zt_decision d = decide(e, bearer, NULL);
  assert_int_equal(d.status, 401);
  assert_string_equal(zt_reason_name(d.reason), "jwks_fetch_fail");
  /* No token: authentication passes, authorization denies (403). */
  d = decide(e, NULL, NULL);
  assert_int_equal(d.status, 403);
  assert_string_equal(d.message, "RBAC: access denied");
  /* Supplied: the token verifies and the ALLOW rule matches. */
  zt_diag diag;
  assert_int_equal(
      zt_engine_set_jwks(e, uri, strlen(uri), jwks, strlen(jwks), &diag),
      ZT_OK);
  d = decide(e, bearer, NULL);
  assert_int_equal(d.decision, ZT_DECISION_ALLOW);
  assert_int_equal(d.status, 200);
  /* The second decision comes from the cache and agrees. */
  d = decide(e, bearer, NULL);
  assert_int_equal(d.decision, ZT_DECISION_ALLOW);
  assert_int_equal(zt_engine_acquire(e, &s), ZT_OK);
  assert_int_equal(zt_snapshot_jwks(s, 0, &info), ZT_OK);
  assert_int_equal(info.supplied, 1);
  assert_int_equal(info.keys, 1);
  zt_snapshot_release(s);
  /* A document the anchor would refuse changes nothing. */
  assert_int_equal(
      zt_engine_set_jwks(e, uri, strlen(uri), "{\"keys\":[]}", 11, &diag),
      ZT_ESCHEMA);
  assert_non_null(strstr(diag.message, "JwksNoValidKeys"));
  assert_int_equal(decide(e, bearer, NULL).decision, ZT_DECISION_ALLOW);
  /* Withdrawn: back to jwks_fetch_fail, and the cache went with it. */
  assert_int_equal(zt_engine_set_jwks(e, uri, strlen(uri), NULL, 0, &diag),
                   ZT_OK);
  assert_int_equal(decide(e, bearer, NULL).status, 401);
  assert_int_equal(zt_engine_set_jwks(e, NULL, 0, NULL, 0, &diag), ZT_EINVAL);
  zt_engine_free(e);
}

static void test_outputs(void **state) {
  (void)state;
  zt_engine *e = engine_with_policies();
  assert_int_equal(
      zt_engine_set_jwks(e, uri, strlen(uri), jwks, strlen(jwks), NULL), ZT_OK);
  snprintf(bearer, sizeof bearer, "Bearer %s", good);
  outs o = {{0}, 0};
  zt_decision d = decide(e, bearer, &o);
  assert_int_equal(d.decision, ZT_DECISION_ALLOW);
  const char *payload = strchr(good, '.') + 1;
  char want[2048];
  snprintf(want, sizeof want,
           "-x-jwt-payload\n-x-sub\n-x-n\n-x-ok\n-x-grp\n-x-missing\n"
           "-authorization\n"
           "+x-jwt-payload=%.*s\n"
           "+x-sub=alice\n+x-n=42\n+x-ok=true\n+x-grp=eyJhIjoxfQ==\n"
           "principal request_principal=https://issuer.example/alice\n",
           (int)(strrchr(good, '.') - payload), payload);
  assert_string_equal(o.log, want);
  /* A bad token: 401, the realm header, no request mutation. */
  char bad[sizeof(expired) + 8];
  snprintf(bad, sizeof bad, "bearer %s", expired);
  o.n = 0;
  o.log[0] = '\0';
  d = decide(e, bad, &o);
  assert_int_equal(d.status, 401);
  assert_int_equal(d.jwt_status, 3);
  assert_string_equal(d.message, "Jwt is expired");
  assert_string_equal(zt_reason_name(d.reason), "jwt_expired");
  assert_string_equal(o.log, "reply www-authenticate=Bearer "
                             "realm=\"http://svc.foo/x?y=1\", "
                             "error=\"invalid_token\"\n");
  zt_engine_free(e);
}

static void test_failure_status_option(void **state) {
  (void)state;
  zt_config *cfg;
  assert_int_equal(zt_config_new(&cfg, NULL), ZT_OK);
  assert_int_equal(zt_config_get_option(cfg, ZT_OPT_JWT_CLOCK_SKEW), 60);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_JWT_FAILURE_STATUS, 399),
                   ZT_EINVAL);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_JWT_FAILURE_STATUS, 403),
                   ZT_OK);
  assert_int_equal(zt_config_set_option(cfg, ZT_OPT_JWT_CLOCK_SKEW, 86401),
                   ZT_EINVAL);
  zt_config_free(cfg);
}

typedef struct racer {
  zt_engine *e;
  atomic_int_fast32_t *stop;
  unsigned allowed, refused;
} racer;

static void *decider(void *arg) {
  racer *r = arg;
  while (!atomic_load(r->stop)) {
    zt_decision d = decide(r->e, bearer, NULL);
    /* Either key set state is fine; anything else is a torn snapshot. */
    if (d.decision == ZT_DECISION_ALLOW)
      r->allowed++;
    else if (d.status == 401)
      r->refused++;
    else
      fail_msg("unexpected decision %d", d.status);
  }
  return NULL;
}

static void test_replace_while_deciding(void **state) {
  (void)state;
  zt_engine *e = engine_with_policies();
  snprintf(bearer, sizeof bearer, "Bearer %s", good);
  atomic_int_fast32_t stop = 0;
  racer r[2] = {{e, &stop, 0, 0}, {e, &stop, 0, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, decider, &r[i]), 0);
  for (int i = 0; i < 200; i++)
    assert_int_equal(zt_engine_set_jwks(e, uri, strlen(uri),
                                        i % 2 ? NULL : jwks,
                                        i % 2 ? 0 : strlen(jwks), NULL),
                     ZT_OK);
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  zt_engine_free(e);
}

/* Counts the allocations made through it. */
static void *counting_realloc(void *ctx, void *ptr, size_t size) {
  if (size && !ptr)
    ++*(size_t *)ctx;
  return realloc(ptr, size);
}

/* The allocations one decision makes: none when its token came from the
 * cache. */
static size_t allocs_of(zt_engine *e, size_t *count, const char *auth,
                        uint32_t want_status) {
  size_t before = *count;
  assert_int_equal(decide(e, auth, NULL).status, want_status);
  return *count - before;
}

/* A header value is looked up in the cache as it stands before the token's
 * end is scanned: a hit settles it, a miss scans and looks again. */
static void test_cache_settles_tokens(void **state) {
  (void)state;
  size_t count = 0;
  zt_allocator mem = {counting_realloc, &count};
  zt_engine *e = engine_on(&mem);
  assert_int_equal(
      zt_engine_set_jwks(e, uri, strlen(uri), jwks, strlen(jwks), NULL), ZT_OK);
  char v[sizeof(good) + 32];
  snprintf(v, sizeof v, "Bearer %s", good);
  assert_true(allocs_of(e, &count, v, 200) > 0);
  assert_int_equal(allocs_of(e, &count, v, 200), 0);
  /* The token ends before the value does: the same cached token. */
  snprintf(v, sizeof v, "Bearer %s x", good);
  assert_int_equal(allocs_of(e, &count, v, 200), 0);
  snprintf(v, sizeof v, "Bearer %s, x=\"y\"", good);
  assert_int_equal(allocs_of(e, &count, v, 200), 0);
  snprintf(v, sizeof v, "bearer   %s", good);
  assert_int_equal(allocs_of(e, &count, v, 200), 0);
  /* The cached token followed by more token characters is another
   * token, verified (and refused) on its own. */
  snprintf(v, sizeof v, "Bearer %sA", good);
  assert_true(allocs_of(e, &count, v, 401) > 0);
  snprintf(v, sizeof v, "Bearer %s.x", good);
  assert_int_equal(decide(e, v, NULL).status, 401);
  zt_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jwks_uri_lifecycle),
      cmocka_unit_test(test_outputs),
      cmocka_unit_test(test_failure_status_option),
      cmocka_unit_test(test_replace_while_deciding),
      cmocka_unit_test(test_cache_settles_tokens),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
