#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "request.h"

#define SPIFFE "spiffe://"
#define SPIFFE_LEN (sizeof(SPIFFE) - 1)

typedef struct build {
  cli_request *r;
  vpool *p;
  cli_error *e;
  const char *base; /* relative file names start from its directory */
} build;

/* Records the problem with the member at path ("" = the request itself);
 * returns false so callers can `return bad(...)`. */
__attribute__((format(printf, 4, 5))) static bool
bad(build *b, const value *at, const char *path, const char *fmt, ...) {
  b->e->line = at ? at->line : 0;
  b->e->col = at ? at->col : 0;
  int n = snprintf(b->e->msg, sizeof(b->e->msg),
                   "%s: ", path[0] ? path : "request");
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof(b->e->msg))
    vsnprintf(b->e->msg + n, sizeof(b->e->msg) - (size_t)n, fmt, ap);
  va_end(ap);
  return false;
}

/* A member path for messages; a path too long for out is cut, which only
 * shortens a message. */
static void join(char *out, size_t len, const char *path, const char *name) {
  size_t o = 0;
  const char *parts[3] = {path, path[0] ? "." : "", name};
  for (int i = 0; i < 3; i++)
    for (const char *p = parts[i]; *p && o + 1 < len; p++)
      out[o++] = *p;
  if (len)
    out[o] = '\0';
}

/* Edit distance, for "did you mean": member names are short. */
static size_t distance(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b), row[64];
  if (an >= 63 || bn >= 63)
    return 99;
  for (size_t j = 0; j <= bn; j++)
    row[j] = j;
  for (size_t i = 1; i <= an; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= bn; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[bn];
}

static bool only(build *b, const value *obj, const char *path,
                 const char *const *names) {
  for (size_t i = 0; i < obj->n; i++) {
    const vmember *m = &obj->members[i];
    const char *hint = NULL;
    bool known = false;
    for (const char *const *n = names; *n && !known; n++) {
      known =
          strlen(*n) == m->name_len && memcmp(*n, m->name, m->name_len) == 0;
      if (!hint && distance(m->name, m->name_len, *n) <= 2)
        hint = *n;
    }
    if (known)
      continue;
    value at = {.line = m->line, .col = m->col}; /* the name */
    if (hint)
      return bad(b, &at, path, "unknown member \"%s\" (did you mean \"%s\"?)",
                 m->name, hint);
    return bad(b, &at, path, "unknown member \"%s\"", m->name);
  }
  return true;
}

static bool want(build *b, const value *v, const char *path, int kind) {
  if (v->kind == kind)
    return true;
  bool quote = kind == V_STRING && (v->kind == V_NUMBER || v->kind == V_BOOL);
  return bad(b, v, path, "expected %s, got %s%s", value_kind_name(kind),
             value_kind_name(v->kind), quote ? " (quote it)" : "");
}

/* *out = the member, NULL when absent; false when it has another kind. */
static bool get(build *b, const value *obj, const char *path, const char *name,
                int kind, const value **out) {
  char where[256];
  join(where, sizeof(where), path, name);
  *out = value_get(obj, name);
  return !*out || want(b, *out, where, kind);
}

static zt_str str_of(const value *v) {
  return v ? (zt_str){v->s, v->len} : (zt_str){NULL, 0};
}

static bool get_str(build *b, const value *obj, const char *path,
                    const char *name, zt_str *out) {
  const value *v;
  if (!get(b, obj, path, name, V_STRING, &v))
    return false;
  *out = str_of(v);
  return true;
}

static bool labels(build *b, const value *d) {
  const value *l;
  if (!get(b, d, "destination", "labels", V_OBJECT, &l))
    return false;
  if (!l)
    return true;
  zt_kv *kv = vpool_alloc(b->p, (l->n + 1) * sizeof(*kv));
  for (size_t i = 0; i < l->n; i++) {
    const vmember *m = &l->members[i];
    char where[256];
    join(where, sizeof(where), "destination.labels", m->name);
    if (!want(b, m->v, where, V_STRING))
      return false;
    kv[i] = (zt_kv){{m->name, m->name_len}, str_of(m->v)};
  }
  b->r->wl.labels = kv;
  b->r->wl.n_labels = l->n;
  return true;
}

static bool services(build *b, const value *d) {
  const value *s;
  if (!get(b, d, "destination", "services", V_ARRAY, &s))
    return false;
  if (!s)
    return true;
  zt_str *v = vpool_alloc(b->p, (s->n + 1) * sizeof(*v));
  for (size_t i = 0; i < s->n; i++) {
    char where[64];
    snprintf(where, sizeof(where), "destination.services[%zu]", i);
    if (!want(b, s->items[i], where, V_STRING))
      return false;
    v[i] = str_of(s->items[i]);
  }
  b->r->wl.services = v;
  b->r->wl.n_services = s->n;
  return true;
}

static bool port_and_waypoint(build *b, const value *d) {
  const value *port, *waypoint;
  if (!get(b, d, "destination", "port", V_NUMBER, &port) ||
      !get(b, d, "destination", "waypoint", V_BOOL, &waypoint))
    return false;
  if (port && !value_is_int(port, 1, 65535))
    return bad(b, port, "destination.port", "expected an integer 1..65535");
  b->r->req.destination_port = port ? (uint32_t)port->num : 0;
  if (waypoint && waypoint->b)
    b->r->wl.flags |= ZT_WORKLOAD_WAYPOINT;
  return true;
}

static bool destination(build *b, const value *in) {
  static const char *const names[] = {"namespace", "labels", "service_account",
                                      "services",  "ip",     "port",
                                      "waypoint",  NULL};
  const value *d;
  zt_str account; /* part of the contract, but authorization never uses it */
  if (!get(b, in, "", "destination", V_OBJECT, &d))
    return false;
  if (!d)
    return bad(b, in, "destination", "required (an object with a namespace)");
  if (!only(b, d, "destination", names) ||
      !get_str(b, d, "destination", "namespace", &b->r->wl.ns) ||
      !get_str(b, d, "destination", "service_account", &account) ||
      !get_str(b, d, "destination", "ip", &b->r->req.destination_ip))
    return false;
  if (b->r->wl.ns.len == 0)
    return bad(b, d, "destination.namespace", "required (a non-empty string)");
  return labels(b, d) && services(b, d) && port_and_waypoint(b, d);
}

static bool identity(build *b, const value *principal, const value *spiffe_id) {
  zt_str *peer = &b->r->req.peer_id;
  if (principal && spiffe_id)
    return bad(b, spiffe_id, "source", "give principal or spiffe_id, not both");
  if (spiffe_id) {
    if (spiffe_id->len <= SPIFFE_LEN ||
        memcmp(spiffe_id->s, SPIFFE, SPIFFE_LEN) != 0)
      return bad(b, spiffe_id, "source.spiffe_id",
                 "expected \"spiffe://TRUST_DOMAIN/...\"");
    *peer = str_of(spiffe_id);
  } else if (principal) {
    if (principal->len == 0)
      return bad(b, principal, "source.principal", "empty");
    if (principal->len >= SPIFFE_LEN &&
        memcmp(principal->s, SPIFFE, SPIFFE_LEN) == 0)
      return bad(b, principal, "source.principal",
                 "give it without \"spiffe://\" (or use spiffe_id)");
    char *id = vpool_alloc(b->p, SPIFFE_LEN + principal->len + 1);
    memcpy(id, SPIFFE, SPIFFE_LEN);
    memcpy(id + SPIFFE_LEN, principal->s, principal->len);
    *peer = (zt_str){id, SPIFFE_LEN + principal->len};
  }
  return true;
}

/* certificate_chain_file: read now, so a missing file is a usage error. */
static bool chain_file(build *b, const value *file) {
  char *path = cli_path_beside(b->base, file->s);
  size_t len = 0;
  char *text = path ? cli_read_file(path, &len) : NULL;
  if (!text) {
    bad(b, file, "source.certificate_chain_file", "%s: %s",
        path ? path : file->s, strerror(path ? errno : ENOMEM));
    free(path);
    return false;
  }
  free(path);
  if (len == 0)
    return bad(b, file, "source.certificate_chain_file",
               "%s: empty file (no certificate)", file->s);
  b->r->req.peer_chain = (zt_str){vpool_strdup(b->p, text, len), len};
  free(text);
  return true;
}

/* The peer's certificate chain for the library to verify. The identity
 * then comes from the chain only, and a chain means mutual TLS. */
static bool chain(build *b, const value *s, const value *mtls,
                  const value *given) {
  const value *text, *file;
  if (!get(b, s, "source", "certificate_chain", V_STRING, &text) ||
      !get(b, s, "source", "certificate_chain_file", V_STRING, &file))
    return false;
  const value *c = text ? text : file;
  if (!c)
    return true;
  if (text && file)
    return bad(b, file, "source",
               "give certificate_chain or certificate_chain_file, not both");
  if (given)
    return bad(b, given, "source",
               "give a certificate chain or a verified identity (principal, "
               "spiffe_id), not both");
  if (mtls && !mtls->b)
    return bad(b, mtls, "source.mtls",
               "a certificate chain means mutual TLS (drop \"mtls\": false)");
  if (c->len == 0)
    return bad(b, c,
               text ? "source.certificate_chain"
                    : "source.certificate_chain_file",
               "empty");
  if (file)
    return chain_file(b, file);
  b->r->req.peer_chain = str_of(text);
  return true;
}

static bool source(build *b, const value *in) {
  static const char *const names[] = {"ip",
                                      "mtls",
                                      "principal",
                                      "spiffe_id",
                                      "certificate_chain",
                                      "certificate_chain_file",
                                      NULL};
  const value *s, *mtls, *principal, *spiffe_id;
  if (!get(b, in, "", "source", V_OBJECT, &s))
    return false;
  if (!s)
    return true;
  if (!only(b, s, "source", names) ||
      !get_str(b, s, "source", "ip", &b->r->req.source_ip) ||
      !get(b, s, "source", "mtls", V_BOOL, &mtls) ||
      !get(b, s, "source", "principal", V_STRING, &principal) ||
      !get(b, s, "source", "spiffe_id", V_STRING, &spiffe_id) ||
      !chain(b, s, mtls, principal ? principal : spiffe_id))
    return false;
  if (!identity(b, principal, spiffe_id))
    return false;
  /* A verified identity implies mutual TLS unless the request says not. */
  b->r->req.mtls =
      mtls ? mtls->b : (principal || spiffe_id || b->r->req.peer_chain.len);
  return true;
}

static size_t count_headers(build *b, const value *h) {
  size_t n = 0;
  for (size_t i = 0; i < h->n; i++) {
    const vmember *m = &h->members[i];
    char where[256];
    join(where, sizeof(where), "http.headers", m->name);
    if (m->v->kind == V_ARRAY) {
      for (size_t j = 0; j < m->v->n; j++)
        if (!want(b, m->v->items[j], where, V_STRING))
          return SIZE_MAX;
      n += m->v->n;
    } else if (m->v->kind == V_STRING) {
      n++;
    } else {
      bad(b, m->v, where, "expected a string or an array of strings, got %s",
          value_kind_name(m->v->kind));
      return SIZE_MAX;
    }
  }
  return n;
}

/* Repeated headers become one entry each, in order, as zt_headers_get
 * expects for the index-th occurrence. */
static bool headers(build *b, const value *http) {
  const value *h;
  if (http && !get(b, http, "http", "headers", V_OBJECT, &h))
    return false;
  zt_headers *out = vpool_alloc(b->p, sizeof(*out));
  b->r->req.header = zt_headers_get;
  b->r->req.header_ctx = out;
  if (!http || !h)
    return true;
  size_t n = count_headers(b, h), k = 0;
  if (n == SIZE_MAX)
    return false;
  zt_kv *kv = vpool_alloc(b->p, (n + 1) * sizeof(*kv));
  for (size_t i = 0; i < h->n; i++) {
    const vmember *m = &h->members[i];
    zt_str name = {m->name, m->name_len};
    if (m->v->kind == V_STRING)
      kv[k++] = (zt_kv){name, str_of(m->v)};
    for (size_t j = 0; m->v->kind == V_ARRAY && j < m->v->n; j++)
      kv[k++] = (zt_kv){name, str_of(m->v->items[j])};
  }
  *out = (zt_headers){kv, n};
  return true;
}

static bool http(build *b, const value *in) {
  static const char *const names[] = {"method", "host", "path", "headers",
                                      NULL};
  const value *h;
  if (!get(b, in, "", "http", V_OBJECT, &h))
    return false;
  if (h && (!only(b, h, "http", names) ||
            !get_str(b, h, "http", "method", &b->r->req.method) ||
            !get_str(b, h, "http", "host", &b->r->req.authority) ||
            !get_str(b, h, "http", "path", &b->r->req.path)))
    return false;
  return headers(b, h);
}

static bool protocol(build *b, const value *in) {
  const value *p;
  if (!get(b, in, "", "protocol", V_STRING, &p))
    return false;
  if (!p || strcmp(p->s, "http") == 0)
    b->r->req.protocol = ZT_PROTO_HTTP;
  else if (strcmp(p->s, "tcp") == 0)
    b->r->req.protocol = ZT_PROTO_TCP;
  else
    return bad(b, p, "protocol", "expected \"http\" or \"tcp\"");
  return true;
}

/* The library reads the claims as JSON text: the request's own bytes when
 * it came as JSON, else (a YAML test file) the tree written as JSON. */
static bool claims(build *b, const value *in) {
  const value *c;
  if (!get(b, in, "", "jwt_claims", V_OBJECT, &c))
    return false;
  if (!c)
    return true;
  b->r->claims = c;
  if (c->raw) {
    b->r->req.jwt_claims = (zt_str){c->raw, c->raw_len};
    return true;
  }
  vbuf text = {0};
  value_write(&text, c, false);
  b->r->req.jwt_claims =
      (zt_str){vpool_strdup(b->p, text.p, text.len), text.len};
  vbuf_free(&text);
  return true;
}

static bool answer_ok(build *b, const vmember *m) {
  static const char *const names[] = {"status", "error", NULL};
  char where[256];
  const value *status, *error;
  join(where, sizeof(where), "custom", m->name);
  if (!want(b, m->v, where, V_OBJECT) || !only(b, m->v, where, names) ||
      !get(b, m->v, where, "error", V_BOOL, &error) ||
      !get(b, m->v, where, "status", V_NUMBER, &status))
    return false;
  if (error && error->b)
    return true;
  if (!value_is_int(status, 100, 599))
    return bad(b, status ? status : m->v, where,
               "expected \"status\": an HTTP status 100..599, or "
               "\"error\": true");
  return true;
}

/* The simulated provider: 200 allows, another status denies with it, and
 * an error or an unlisted provider is a provider failure. */
static int answer(void *ctx, const char *provider, size_t len,
                  const zt_request *req, int32_t *status) {
  (void)req;
  const value *a = value_getn(ctx, provider, len);
  const value *error = value_get(a, "error");
  const value *code = value_get(a, "status");
  if (!a || (error && error->b) || !code)
    return -1;
  if (code->num == 200)
    return 1;
  *status = (int32_t)code->num;
  return 0;
}

static bool custom(build *b, const value *in) {
  const value *c;
  if (!get(b, in, "", "custom", V_OBJECT, &c))
    return false;
  for (size_t i = 0; c && i < c->n; i++)
    if (!answer_ok(b, &c->members[i]))
      return false;
  /* Always asked, so a CUSTOM policy sees a host with a provider client. */
  b->r->custom = c;
  b->r->req.custom = answer;
  b->r->req.custom_ctx = (void *)c;
  return true;
}

static bool addresses(build *b, const value *in) {
  return get_str(b, in, "", "remote_ip", &b->r->req.remote_ip) &&
         get_str(b, in, "", "sni", &b->r->req.sni);
}

cli_request *cli_request_build(vpool *p, const value *in, const char *base,
                               cli_error *e) {
  static const char *const names[] = {"destination", "protocol", "source",
                                      "remote_ip",   "sni",      "http",
                                      "jwt_claims",  "custom",   NULL};
  cli_request *r = vpool_alloc(p, sizeof(*r));
  build b = {r, p, e, base};
  e->msg[0] = '\0';
  r->pool = p;
  r->req.workload = &r->wl;
  if (!want(&b, in, "", V_OBJECT) || !only(&b, in, "", names) ||
      !destination(&b, in) || !protocol(&b, in) || !source(&b, in) ||
      !addresses(&b, in) || !http(&b, in) || !claims(&b, in) || !custom(&b, in))
    return NULL;
  return r;
}

static void on_trace(void *ctx, const char *line, size_t len) {
  cli_request *r = ctx;
  value_push(r->pool, r->trace, value_str(r->pool, line, len));
}

static value *policy_name(vpool *p, const zt_policy_ref *ref) {
  char buf[512];
  size_t n = zt_policy_ref_format(ref, buf, sizeof(buf));
  if (n == 0)
    return value_new(p, V_NULL);
  if (n < sizeof(buf))
    return value_str(p, buf, n);
  char *big = vpool_alloc(p, n + 1);
  zt_policy_ref_format(ref, big, n + 1);
  return value_str(p, big, n);
}

static value *decision_name(vpool *p, uint32_t d) {
  return value_cstr(p, d == ZT_DECISION_ALLOW ? "ALLOW" : "DENY");
}

/* The peer's principal as policies name it: the SPIFFE ID without its
 * scheme; null without a mutual TLS identity (or a chain that did not
 * verify). */
static value *principal(const cli_request *r) {
  zt_str id = r->req.peer_id;
  if (r->req.peer_chain.len)
    return r->verified ? r->verified : value_new(r->pool, V_NULL);
  if (!r->req.mtls || id.len == 0)
    return value_new(r->pool, V_NULL);
  if (id.len > SPIFFE_LEN && memcmp(id.ptr, SPIFFE, SPIFFE_LEN) == 0)
    return value_str(r->pool, id.ptr + SPIFFE_LEN, id.len - SPIFFE_LEN);
  return value_str(r->pool, id.ptr, id.len);
}

/* The verified token's "iss/sub"; with jwt_claims (authentication skipped,
 * the host verified the token) the iss and sub of those claims. */
static value *request_principal(const cli_request *r) {
  if (r->out_principal)
    return r->out_principal;
  const value *iss = value_get(r->claims, "iss");
  const value *sub = value_get(r->claims, "sub");
  if (!iss || !sub || iss->kind != V_STRING || sub->kind != V_STRING)
    return value_new(r->pool, V_NULL);
  vbuf s = {0};
  vbuf_add(&s, iss->s, iss->len);
  vbuf_add(&s, "/", 1);
  vbuf_add(&s, sub->s, sub->len);
  value *v = value_str(r->pool, s.p, s.len);
  vbuf_free(&s);
  return v;
}

/* The identity zt_decide saw in the chain, asked again: the library keeps
 * verified chains in a cache, so this costs a lookup. */
static value *verified_id(vpool *p, const zt_request *req,
                          const zt_snapshot *snap) {
  zt_svid svid;
  if (!req->peer_chain.len ||
      zt_svid_verify(snap, req->peer_chain.ptr, req->peer_chain.len,
                     ZT_ROLE_CLIENT, &svid) != ZT_OK ||
      svid.spiffe_id_len <= SPIFFE_LEN)
    return NULL;
  return value_str(p, svid.spiffe_id + SPIFFE_LEN,
                   svid.spiffe_id_len - SPIFFE_LEN);
}

static value *mtls_mode(vpool *p, uint32_t mode) {
  static const char *const names[] = {
      [ZT_MTLS_DISABLE] = "DISABLE",
      [ZT_MTLS_PERMISSIVE] = "PERMISSIVE",
      [ZT_MTLS_STRICT] = "STRICT",
  };
  if (mode >= sizeof(names) / sizeof(names[0]) || !names[mode])
    return value_new(p, V_NULL); /* a request refused before the mode */
  return value_cstr(p, names[mode]);
}

static value *dry_run(vpool *p, const zt_decision *d) {
  if (!d->dry_run)
    return value_new(p, V_NULL);
  value *o = value_new(p, V_OBJECT);
  value_set(p, o, "decision", decision_name(p, d->dry_run_decision));
  value_set(p, o, "policy", policy_name(p, &d->dry_run_policy));
  return o;
}

/* ---- RequestAuthentication outputs ---------------------------------- */

static vmember *find_member(value *o, const char *name, size_t len) {
  for (size_t i = 0; i < o->n; i++)
    if (o->members[i].name_len == len &&
        memcmp(o->members[i].name, name, len) == 0)
      return &o->members[i];
  return NULL;
}

static void remove_header(cli_request *r, const char *name, size_t len) {
  for (size_t i = 0; i < r->out_remove->n; i++) {
    const value *v = r->out_remove->items[i];
    if (v->len == len && memcmp(v->s, name, len) == 0)
      return;
  }
  value_push(r->pool, r->out_remove, value_str(r->pool, name, len));
}

/* Sets replace: the last value given for a name is the one forwarded. */
static void set_header(cli_request *r, const char *name, size_t len, value *v) {
  vmember *m = find_member(r->out_set, name, len);
  if (m)
    m->v = v;
  else
    value_setn(r->pool, r->out_set, vpool_strdup(r->pool, name, len), len, v);
}

/* A reply header given twice becomes an array of its values. */
static void reply_header(cli_request *r, const char *name, size_t len,
                         value *v) {
  vmember *m = find_member(r->out_reply, name, len);
  if (!m) {
    value_setn(r->pool, r->out_reply, vpool_strdup(r->pool, name, len), len, v);
    return;
  }
  if (m->v->kind != V_ARRAY) {
    value *a = value_new(r->pool, V_ARRAY);
    value_push(r->pool, a, m->v);
    m->v = a;
  }
  value_push(r->pool, m->v, v);
}

static void on_output(void *ctx, uint32_t op, const char *name, size_t name_len,
                      const char *val, size_t val_len) {
  cli_request *r = ctx;
  value *v = value_str(r->pool, val ? val : "", val ? val_len : 0);
  if (!name)
    name_len = 0;
  switch (op) {
  case ZT_OUT_REMOVE_HEADER:
    remove_header(r, name, name_len);
    break;
  case ZT_OUT_SET_HEADER:
    set_header(r, name, name_len, v);
    break;
  case ZT_OUT_RESPONSE_HEADER:
    reply_header(r, name, name_len, v);
    break;
  case ZT_OUT_REQUEST_PRINCIPAL:
    r->out_principal = v;
    break;
  default: /* an operation this example does not know yet */
    break;
  }
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

static int cmp_items(const void *a, const void *b) {
  const value *x = *(const value *const *)a, *y = *(const value *const *)b;
  return cmp_bytes(x->s, x->len, y->s, y->len);
}

static int cmp_members(const void *a, const void *b) {
  const vmember *x = a, *y = b;
  return cmp_bytes(x->name, x->name_len, y->name, y->name_len);
}

/* Names in byte order: the result does not depend on the order the
 * library reports them in. */
static void sort_names(value *v) {
  if (v->kind == V_ARRAY && v->n > 1)
    qsort(v->items, v->n, sizeof(*v->items), cmp_items);
  else if (v->kind == V_OBJECT && v->n > 1)
    qsort(v->members, v->n, sizeof(*v->members), cmp_members);
}

/* What the host must change in the request it forwards: only for a
 * request that goes upstream; the members are always there. */
static value *header_changes(const cli_request *r, const zt_decision *d) {
  vpool *p = r->pool;
  value *o = value_new(p, V_OBJECT);
  bool allowed = d->decision == ZT_DECISION_ALLOW;
  value *set = allowed ? r->out_set : value_new(p, V_OBJECT);
  value *remove = allowed ? r->out_remove : value_new(p, V_ARRAY);
  sort_names(set);
  sort_names(remove);
  value_set(p, o, "set", set);
  value_set(p, o, "remove", remove);
  return o;
}

static value *result(cli_request *r, const zt_decision *d) {
  vpool *p = r->pool;
  value *o = value_new(p, V_OBJECT);
  value_set(p, o, "decision", decision_name(p, d->decision));
  value_set(p, o, "status", value_int(p, d->status));
  value_set(p, o, "reason", value_cstr(p, zt_reason_name(d->reason)));
  value_set(p, o, "policy", policy_name(p, &d->policy));
  value_set(p, o, "principal", principal(r));
  value_set(p, o, "request_principal", request_principal(r));
  value_set(p, o, "audit", value_bool(p, d->audit != 0));
  value_set(p, o, "dry_run", dry_run(p, d));
  value_set(p, o, "headers", header_changes(r, d));
  value_set(p, o, "mtls_mode", mtls_mode(p, d->mtls_mode));
  if (d->svid_error)
    value_set(p, o, "svid_error",
              value_cstr(p, zt_reason_name(ZT_REASON_SVID + d->svid_error)));
  if (d->decision != ZT_DECISION_ALLOW)
    value_set(p, o, "message", value_cstr(p, d->message ? d->message : ""));
  if (r->out_reply->n) {
    sort_names(r->out_reply);
    value_set(p, o, "response_headers", r->out_reply);
  }
  if (d->provider.len)
    value_set(p, o, "provider", value_str(p, d->provider.ptr, d->provider.len));
  return o;
}

value *cli_request_decide(cli_request *r, const zt_snapshot *snap) {
  zt_decision d;
  memset(&d, 0, sizeof(d));
  r->req.trace = r->trace ? on_trace : NULL;
  r->req.trace_ctx = r;
  r->out_set = value_new(r->pool, V_OBJECT);
  r->out_remove = value_new(r->pool, V_ARRAY);
  r->out_reply = value_new(r->pool, V_OBJECT);
  r->out_principal = NULL;
  r->req.output = on_output;
  r->req.output_ctx = r;
  /* A failure still fills d with a DENY and a reason naming it. */
  (void)zt_decide(snap, &r->req, &d);
  r->verified = verified_id(r->pool, &r->req, snap);
  return result(r, &d);
}

bool cli_result_denied(const value *result) {
  const value *d = value_get(result, "decision");
  return !d || d->kind != V_STRING || strcmp(d->s, "ALLOW") != 0;
}
