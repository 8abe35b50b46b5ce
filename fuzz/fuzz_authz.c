/*
 * Decisions on generated policy sets and requests. The input drives a
 * small generator: 1..4 AuthorizationPolicies (namespace, action, selector,
 * rules whose from/to/when fields and values come from a dictionary or
 * from the input) and one request (HTTP or TCP). Invariants:
 *  1. deciding never crashes, and deciding twice gives the same result;
 *  2. the reason agrees with the decision;
 *  3. with a root-namespace DENY `rules: [{}]` added, every request is
 *     denied;
 *  4. with every policy marked dry-run, the request is allowed with
 *     no_allow_policy, and the dry-run decision equals the decision the
 *     enforced set gave.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ztauth.h"

static void check(int cond) {
  if (!cond)
    abort();
}

typedef struct rd {
  const uint8_t *p;
  size_t n;
} rd;

static unsigned pick(rd *r, unsigned n) {
  if (!r->n)
    return 0;
  unsigned v = *r->p++;
  r->n--;
  return v % n;
}

/* A short string from the input, in characters that stay inside a YAML
 * double-quoted scalar and exercise the matchers. */
static const char *fuzz_str(rd *r, char *buf) {
  static const char cs[] = "ab/.*-:_%019fxyz{}?";
  unsigned len = pick(r, 12);
  for (unsigned i = 0; i < len; i++)
    buf[i] = cs[pick(r, sizeof(cs) - 1)];
  buf[len] = '\0';
  return buf;
}

typedef struct field {
  const char *name;
  const char *const *dict;
} field;

static const char *const principals[] = {
    "cluster.local/ns/foo/sa/a", "*", "*/ns/foo/sa/a", "cluster.local/*",
    "td1/ns/bar/sa/b",           NULL};
static const char *const namespaces[] = {"foo", "bar", "*", "f*", "*o", NULL};
static const char *const sas[] = {"a", "foo/a", "bar/b", NULL};
static const char *const ips[] = {"10.0.0.0/8", "10.1.2.3",  "::1",
                                  "fe80::/10",  "0.0.0.0/0", NULL};
static const char *const tds[] = {"cluster.local", "*", "td*", "*.local", NULL};
static const char *const rps[] = {"iss/sub", "*", "iss/*", "*/sub", "i*", NULL};
static const char *const hosts[] = {"example.com", "*.com", "EXAMPLE.com:*",
                                    "*", NULL};
static const char *const ports[] = {"80", "8080", "0", "65535", NULL};
static const char *const methods[] = {"GET", "POST", "*", "G*", NULL};
static const char *const paths[] = {"/a",        "/a*", "*/b", "/a/{*}",
                                    "/a/{**}",   "*",   "/",   "/a/{**}/b",
                                    "/{*}/{**}", NULL};

static const field src_fields[] = {
    {"principals", principals}, {"notPrincipals", principals},
    {"namespaces", namespaces}, {"notNamespaces", namespaces},
    {"ipBlocks", ips},          {"notIpBlocks", ips},
    {"remoteIpBlocks", ips},    {"notRemoteIpBlocks", ips},
    {"trustDomains", tds},      {"notTrustDomains", tds},
    {"requestPrincipals", rps}, {"notRequestPrincipals", rps},
    {"serviceAccounts", sas},   {"notServiceAccounts", sas},
};
static const field op_fields[] = {
    {"hosts", hosts},    {"notHosts", hosts},  {"ports", ports},
    {"notPorts", ports}, {"methods", methods}, {"notMethods", methods},
    {"paths", paths},    {"notPaths", paths},
};
static const field when_keys[] = {
    {"request.headers[x-a]", methods},
    {"source.ip", ips},
    {"remote.ip", ips},
    {"source.namespace", namespaces},
    {"source.principal", principals},
    {"request.auth.principal", rps},
    {"request.auth.claims[groups]", methods},
    {"request.auth.claims[n][m]", methods},
    {"request.auth.audiences", methods},
    {"destination.port", ports},
    {"connection.sni", hosts},
};

typedef struct out {
  char *s;
  size_t n, cap;
} out;

static void put(out *o, const char *s) {
  size_t n = strlen(s);
  if (o->n + n + 1 > o->cap)
    return; /* truncated documents just fail to load */
  memcpy(o->s + o->n, s, n + 1);
  o->n += n;
}

static void values(rd *r, out *o, const char *const *dict) {
  char buf[16];
  unsigned nd = 0;
  while (dict[nd])
    nd++;
  unsigned n = 1 + pick(r, 3);
  put(o, "[");
  for (unsigned i = 0; i < n; i++) {
    put(o, i ? ", \"" : "\"");
    put(o, pick(r, 4) ? dict[pick(r, nd)] : fuzz_str(r, buf));
    put(o, "\"");
  }
  put(o, "]");
}

static void fields(rd *r, out *o, const field *f, unsigned nf) {
  unsigned n = 1 + pick(r, 3);
  for (unsigned i = 0; i < n; i++) {
    const field *x = &f[pick(r, nf)];
    put(o, i ? ", " : "");
    put(o, x->name);
    put(o, ": ");
    values(r, o, x->dict);
  }
}

static void rule(rd *r, out *o) {
  put(o, "  - {");
  unsigned parts = pick(r, 8);
  const char *sep = "";
  if (parts & 1) {
    put(o, "from: [{source: {");
    fields(r, o, src_fields, sizeof(src_fields) / sizeof(src_fields[0]));
    put(o, "}}]");
    sep = ", ";
  }
  if (parts & 2) {
    put(o, sep);
    put(o, "to: [{operation: {");
    fields(r, o, op_fields, sizeof(op_fields) / sizeof(op_fields[0]));
    put(o, "}}]");
    sep = ", ";
  }
  if (parts & 4) {
    const field *k =
        &when_keys[pick(r, sizeof(when_keys) / sizeof(when_keys[0]))];
    put(o, sep);
    put(o, "when: [{key: \"");
    put(o, k->name);
    put(o, pick(r, 2) ? "\", values: " : "\", notValues: ");
    values(r, o, k->dict);
    put(o, "}]");
  }
  put(o, "}\n");
}

/* dry: 0 enforced, 1 all dry-run (AUDIT policies are left out). */
static void policies(rd r, out *o, int dry) {
  static const char *const nss[] = {"istio-system", "foo", "bar"};
  static const char *const actions[] = {"ALLOW", "DENY", "AUDIT"};
  unsigned n = 1 + pick(&r, 4);
  for (unsigned i = 0; i < n; i++) {
    char head[256];
    const char *ns = nss[pick(&r, 3)];
    unsigned action = pick(&r, 3);
    unsigned sel = pick(&r, 3);
    snprintf(head, sizeof(head),
             "apiVersion: security.istio.io/v1\n"
             "kind: AuthorizationPolicy\n"
             "metadata:\n  name: p%u\n  namespace: %s\n%s"
             "spec:\n  action: %s\n%s  rules:\n",
             i, ns, dry ? "  annotations: {istio.io/dry-run: \"true\"}\n" : "",
             actions[action],
             sel == 1   ? "  selector: {matchLabels: {app: a}}\n"
             : sel == 2 ? "  selector: {matchLabels: {app: b}}\n"
                        : "");
    unsigned nr = 1 + pick(&r, 3);
    out tmp = {malloc(8192), 0, 8192};
    if (!tmp.s)
      return;
    tmp.s[0] = '\0';
    for (unsigned k = 0; k < nr; k++)
      rule(&r, &tmp);
    if (!(dry && action == 2)) {
      put(o, head);
      put(o, tmp.s);
      put(o, "---\n");
    }
    free(tmp.s);
  }
}

static zt_snapshot *load(zt_engine **e, const out *o, const char *extra) {
  zt_config *cfg = NULL;
  zt_loader *l = NULL;
  zt_diag d;
  zt_snapshot *s = NULL;
  *e = NULL;
  if (zt_config_new(&cfg, NULL) != ZT_OK)
    return NULL;
  int rc = zt_config_add_trust_domain_alias(cfg, "td1", 3);
  if (rc == ZT_OK)
    rc = zt_engine_new(e, cfg, &d);
  zt_config_free(cfg);
  if (rc != ZT_OK)
    return NULL;
  if (zt_loader_new(*e, &l) == ZT_OK) {
    zt_loader_add_yaml(l, o->s, o->n, "fuzz", 4, &d);
    if (extra)
      zt_loader_add_yaml(l, extra, strlen(extra), "extra", 5, &d);
    if (zt_engine_commit(*e, l, &d) == ZT_OK)
      check(zt_engine_acquire(*e, &s) == ZT_OK);
    zt_loader_free(l);
  }
  return s;
}

static const char deny_all[] = "apiVersion: security.istio.io/v1\n"
                               "kind: AuthorizationPolicy\n"
                               "metadata: {name: zz-deny-all, namespace: "
                               "istio-system}\n"
                               "spec: {action: DENY, rules: [{}]}\n";

static const char *pick_of(rd *r, const char *const *dict, char *buf) {
  unsigned nd = 0;
  while (dict[nd])
    nd++;
  unsigned k = pick(r, nd + 2);
  return k < nd ? dict[k] : k == nd ? fuzz_str(r, buf) : NULL;
}

static zt_str sv(const char *s) {
  return s ? (zt_str){s, strlen(s)} : (zt_str){NULL, 0};
}

static void same(const zt_decision *a, const zt_decision *b) {
  check(a->decision == b->decision && a->reason == b->reason &&
        a->status == b->status && a->policy.rule == b->policy.rule &&
        a->audit == b->audit && a->dry_run == b->dry_run &&
        a->dry_run_decision == b->dry_run_decision);
}

static bool allow_reason(uint32_t r) {
  return r == ZT_REASON_NO_ALLOW_POLICY || r == ZT_REASON_ALLOW_MATCHED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rd r = {data, size};
  out enforced = {malloc(65536), 0, 65536}, dry = {malloc(65536), 0, 65536};
  if (!enforced.s || !dry.s)
    goto done;
  enforced.s[0] = dry.s[0] = '\0';
  policies(r, &enforced, 0);
  policies(r, &dry, 1);
  /* The request reads the input from where the generator stopped being
   * interesting: the tail. */
  rd q = {data + size / 2, size - size / 2};
  char b1[16], b2[16], b3[16], b4[16], b5[16];
  static const zt_kv app_a[] = {{{"app", 3}, {"a", 1}}};
  static const zt_kv app_b[] = {{{"app", 3}, {"b", 1}}};
  static const char *const wns[] = {"foo", "bar", "istio-system"};
  unsigned lab = pick(&q, 3);
  zt_workload w = {.ns = sv(wns[pick(&q, 3)]),
                   .labels = lab == 1   ? app_a
                             : lab == 2 ? app_b
                                        : NULL,
                   .n_labels = lab ? 1 : 0};
  static const char *const peers[] = {
      "spiffe://cluster.local/ns/foo/sa/a", "spiffe://td1/ns/bar/sa/b",
      "spiffe://x/ns/foo/sa/a/extra", "CN=peer", NULL};
  static const char *const hdr[] = {"GET", "POST", "", NULL};
  static const char *const claims[] = {
      "{\"iss\":\"iss\",\"sub\":\"sub\",\"groups\":[\"GET\",1],"
      "\"n\":{\"m\":\"POST\"},\"aud\":\"GET\"}",
      "{\"iss\":\"i\",\"scope\":\"GET POST\"}", "{\"sub\":\"s\"}", "[]", NULL};
  static const char *const ipv[] = {"10.1.2.3", "::1", "192.168.0.1", NULL};
  const char *xa = pick_of(&q, hdr, b4);
  zt_kv headers[2] = {{sv("x-a"), sv(xa)}, {sv("X-A"), sv("POST")}};
  zt_headers h = {headers, xa ? 1 + pick(&q, 2) : 0};
  zt_request req = {.workload = &w,
                    .protocol = pick(&q, 4) == 0 ? ZT_PROTO_TCP : ZT_PROTO_HTTP,
                    .mtls = pick(&q, 2),
                    .peer_id = sv(pick_of(&q, peers, b1)),
                    .source_ip = sv(ipv[pick(&q, 3)]),
                    .destination_port = pick(&q, 2) ? 8080 : 80,
                    .method = sv(pick_of(&q, methods, b2)),
                    .authority = sv(pick_of(&q, hosts, b3)),
                    .path = sv(pick_of(&q, paths, b5)),
                    .jwt_claims = sv(pick(&q, 2) ? claims[pick(&q, 4)] : NULL),
                    .header = zt_headers_get,
                    .header_ctx = &h};
  zt_engine *e1 = NULL, *e2 = NULL, *e3 = NULL;
  zt_snapshot *s1 = load(&e1, &enforced, NULL);
  zt_decision d1, again;
  if (s1) {
    int rc = zt_decide(s1, &req, &d1);
    check(zt_decide(s1, &req, &again) == rc);
    same(&d1, &again);
    if (rc == ZT_OK && d1.reason != ZT_REASON_BAD_REQUEST)
      check(allow_reason(d1.reason) == (d1.decision == ZT_DECISION_ALLOW));
    zt_snapshot *s2 = load(&e2, &enforced, deny_all);
    check(s2 != NULL);
    zt_decision d2;
    zt_decide(s2, &req, &d2);
    check(d2.decision == ZT_DECISION_DENY);
    zt_snapshot_release(s2);
    zt_snapshot *s3 = load(&e3, &dry, NULL);
    if (s3 && rc == ZT_OK && d1.reason != ZT_REASON_BAD_REQUEST && !d1.audit) {
      zt_decision d3;
      check(zt_decide(s3, &req, &d3) == ZT_OK);
      check(d3.decision == ZT_DECISION_ALLOW &&
            d3.reason == ZT_REASON_NO_ALLOW_POLICY);
      if (d3.dry_run)
        check(d3.dry_run_decision == d1.decision);
      else
        check(d1.decision == ZT_DECISION_ALLOW);
    }
    zt_snapshot_release(s3);
    zt_snapshot_release(s1);
  }
  zt_engine_free(e1);
  zt_engine_free(e2);
  zt_engine_free(e3);
done:
  free(enforced.s);
  free(dry.s);
  return 0;
}
