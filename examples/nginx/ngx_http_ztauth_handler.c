/*
 * The access-phase handler: the request view handed to zt_decide, and the
 * answer (the request goes on with its header changes, a local reply, or
 * the connection closed).
 */

#include "ngx_http_ztauth.h"

/* A request mutation asked by request authentication. */
typedef struct {
  uint32_t op;
  ngx_str_t name;
  ngx_str_t value;
} ngx_http_ztauth_op_t;

static ngx_str_t ngx_http_ztauth_text_plain = ngx_string("text/plain");

static int ngx_http_ztauth_header(void *ctx, const char *name, size_t name_len,
                                  size_t index, zt_str *value) {
  ngx_http_request_t *r = ctx;

  ngx_table_elt_t *h;
  ngx_http_ztauth_iter_t it;

  if (name_len == sizeof("authorization") - 1 &&
      ngx_strncmp(name, "authorization", name_len) == 0) {
    /* nginx refuses a request with two (400), and keeps the one; the
     * pointer is cleared when a mutation removes it */
    h = r->headers_in.authorization;
    if (h == NULL || index > 0) {
      return 0;
    }

    value->ptr = (const char *)h->value.data;
    value->len = h->value.len;
    return 1;
  }

  it.part = &r->headers_in.headers.part;
  it.i = 0;

  while ((h = ngx_http_ztauth_next(&it)) != NULL) {
    /* the library asks in lowercase; lowcase_key is nginx's own
     * lowercase copy of the name */
    if (h->key.len != name_len ||
        ngx_memcmp(h->lowcase_key, name, name_len) != 0) {
      continue;
    }

    if (index-- == 0) {
      value->ptr = (const char *)h->value.data;
      value->len = h->value.len;
      return 1;
    }
  }

  return 0;
}

static u_char *ngx_http_ztauth_strdup(ngx_pool_t *pool, const char *s,
                                      size_t len) {
  u_char *p;

  p = ngx_pnalloc(pool, len + 1);
  if (p == NULL) {
    return NULL;
  }

  ngx_memcpy(p, s, len);
  p[len] = '\0';

  return p;
}

/* Collects what request authentication asks; the bytes are valid only
 * during zt_decide, so they are copied to the request's pool. */
static void ngx_http_ztauth_output(void *ctx, uint32_t op, const char *name,
                                   size_t name_len, const char *value,
                                   size_t value_len) {
  ngx_http_ztauth_out_ctx_t *oc = ctx;

  u_char *p;
  ngx_http_ztauth_op_t *o;

  if (op == ZT_OUT_REQUEST_PRINCIPAL) {
    p = ngx_http_ztauth_strdup(oc->r->pool, value, value_len);
    if (p == NULL) {
      oc->failed = 1;
      return;
    }

    oc->rq->request_principal.data = p;
    oc->rq->request_principal.len = value_len;
    return;
  }

  if (oc->ops == NULL) {
    /* most requests have no output: allocate on the first one */
    oc->ops = ngx_array_create(oc->r->pool, 4, sizeof(ngx_http_ztauth_op_t));
    if (oc->ops == NULL) {
      oc->failed = 1;
      return;
    }
  }

  o = ngx_array_push(oc->ops);
  if (o == NULL) {
    oc->failed = 1;
    return;
  }

  o->op = op;
  o->name.data = ngx_http_ztauth_strdup(oc->r->pool, name, name_len);
  o->name.len = name_len;
  o->value.data = ngx_http_ztauth_strdup(oc->r->pool, value ? value : "",
                                         value ? value_len : 0);
  o->value.len = value ? value_len : 0;

  if (o->name.data == NULL || o->value.data == NULL) {
    oc->failed = 1;
  }
}

/*
 * Applies the removals and sets to the request headers that go upstream.
 * ngx_list_t cannot delete, so the list is rebuilt without the removed
 * (and replaced) names; the typed pointers nginx keeps for the headers
 * request authentication reads are cleared when theirs is removed.
 */
static ngx_int_t ngx_http_ztauth_mutate(ngx_http_request_t *r,
                                        ngx_array_t *ops) {
  ngx_uint_t j, drop, changed;
  ngx_list_t headers;
  ngx_table_elt_t *h, *nh;
  ngx_http_ztauth_op_t *o;
  ngx_http_ztauth_iter_t it;

  if (ops == NULL) {
    return NGX_OK;
  }

  o = ops->elts;
  changed = 0;

  for (j = 0; j < ops->nelts; j++) {
    if (o[j].op == ZT_OUT_REMOVE_HEADER || o[j].op == ZT_OUT_SET_HEADER) {
      changed = 1;
    }
  }

  if (!changed) {
    return NGX_OK;
  }

  if (ngx_list_init(&headers, r->pool, 20, sizeof(ngx_table_elt_t)) != NGX_OK) {
    return NGX_ERROR;
  }

  it.part = &r->headers_in.headers.part;
  it.i = 0;

  while ((h = ngx_http_ztauth_next(&it)) != NULL) {
    drop = 0;

    for (j = 0; j < ops->nelts; j++) {
      if ((o[j].op == ZT_OUT_REMOVE_HEADER || o[j].op == ZT_OUT_SET_HEADER) &&
          h->key.len == o[j].name.len &&
          ngx_memcmp(h->lowcase_key, o[j].name.data, o[j].name.len) == 0) {
        drop = 1;
        break;
      }
    }

    if (drop) {
      if (r->headers_in.authorization == h) {
        r->headers_in.authorization = NULL;
      }

      continue;
    }

    nh = ngx_list_push(&headers);
    if (nh == NULL) {
      return NGX_ERROR;
    }

    *nh = *h;
  }

  for (j = 0; j < ops->nelts; j++) {
    if (o[j].op != ZT_OUT_SET_HEADER) {
      continue;
    }

    nh = ngx_list_push(&headers);
    if (nh == NULL) {
      return NGX_ERROR;
    }

    nh->key = o[j].name;
    nh->value = o[j].value;
    nh->lowcase_key = o[j].name.data; /* the library gives lowercase */
    nh->hash = ngx_hash_key(nh->lowcase_key, nh->key.len);
  }

  r->headers_in.headers = headers;

  return NGX_OK;
}

static ngx_int_t ngx_http_ztauth_reply(ngx_http_request_t *r,
                                       ngx_http_ztauth_req_t *rq,
                                       ngx_array_t *ops, const zt_decision *d) {
  ngx_int_t rc;
  ngx_uint_t j;
  ngx_table_elt_t *h;
  ngx_http_ztauth_op_t *o;
  ngx_http_complex_value_t cv;

  if (d->reason == ZT_REASON_CUSTOM_DENIED &&
      ngx_http_ztauth_ext_headers(r, rq, d) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }

  o = ops ? ops->elts : NULL;

  for (j = 0; ops && j < ops->nelts; j++) {
    if (o[j].op != ZT_OUT_RESPONSE_HEADER) {
      continue;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
      return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    h->key = o[j].name;
    h->value = o[j].value;

    if (o[j].name.len == sizeof("www-authenticate") - 1 &&
        ngx_strncasecmp(o[j].name.data, (u_char *)"www-authenticate",
                        o[j].name.len) == 0) {
      ngx_str_set(&h->key, "WWW-Authenticate");
    }
  }

  if (d->message == NULL || d->message[0] == '\0') {
    return d->status;
  }

  /*
   * Istio's local reply: the status with a short text body
   * ("RBAC: access denied", "Jwt is expired"). A plain complex value
   * (no lengths) is the string itself.
   */
  ngx_memzero(&cv, sizeof(ngx_http_complex_value_t));
  cv.value.data = (u_char *)d->message;
  cv.value.len = ngx_strlen(d->message);

  rc = ngx_http_send_response(r, d->status, &ngx_http_ztauth_text_plain, &cv);

  /* as the rewrite phase does after "return": finalize here, then tell
   * the access phase that the request is taken care of */
  ngx_http_finalize_request(r, rc);

  return NGX_DONE;
}

ngx_int_t ngx_http_ztauth_handler(ngx_http_request_t *r) {
  int rc;
  ngx_str_t authority;
  zt_request req;
  zt_decision d;
  ngx_table_elt_t *host;
  ngx_http_ztauth_req_t *rq;
  ngx_http_ztauth_conn_t *zc;
  ngx_http_ztauth_out_ctx_t oc;
  ngx_http_ztauth_loc_conf_t *zlcf;
  ngx_http_ztauth_main_conf_t *zmcf;

  /* nginx skips the access phase for subrequests; be explicit */
  if (r != r->main) {
    return NGX_DECLINED;
  }

  zlcf = ngx_http_get_module_loc_conf(r, ngx_http_ztauth_module);
  if (!zlcf->enable) {
    return NGX_DECLINED;
  }

  rq = ngx_http_ztauth_pool_find(r->pool);
  if (rq && rq->decided) {
    /* an internal redirect: the client's request is decided once */
    return rq->rc;
  }

  if (rq && rq->ext_sr) {
    if (!rq->ext_done) {
      return NGX_AGAIN;
    }

    /* the provider answered: decide again, with its answer */
    rq->ext_sr = NULL;
  }

  zmcf = ngx_http_get_module_main_conf(r, ngx_http_ztauth_module);
  if (zmcf->snap == NULL) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }

  if (rq == NULL) {
    rq = ngx_http_ztauth_pool_attach(r->pool, sizeof(ngx_http_ztauth_req_t));
    if (rq == NULL) {
      return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
  }

  zc = ngx_http_ztauth_conn(r, zmcf);
  if (zc == NULL) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }

  ngx_memzero(&req, sizeof(zt_request));

  req.workload = zlcf->workload;
  req.protocol = ZT_PROTO_HTTP;

  if (zc->chain.len) {
    /* a chain that failed verification: let the library refuse it */
    req.peer_chain.ptr = (const char *)zc->chain.data;
    req.peer_chain.len = zc->chain.len;

  } else if (zc->mtls) {
    req.mtls = 1;
    req.peer_id.ptr = (const char *)zc->spiffe_id.data;
    req.peer_id.len = zc->spiffe_id.len;
  }

#if (NGX_HTTP_SSL && defined SSL_CTRL_SET_TLSEXT_HOSTNAME)
  if (r->connection->ssl) {
    const char *sni;

    /* owned by the TLS session, which outlives the decision */
    sni = SSL_get_servername(r->connection->ssl->connection,
                             TLSEXT_NAMETYPE_host_name);
    if (sni) {
      req.sni.ptr = sni;
      req.sni.len = ngx_strlen(sni);
    }
  }
#endif

  req.source_ip.ptr = (const char *)r->connection->addr_text.data;
  req.source_ip.len = r->connection->addr_text.len;
  req.destination_ip.ptr = (const char *)zc->local_ip.data;
  req.destination_ip.len = zc->local_ip.len;
  req.destination_port = zlcf->port ? zlcf->port : zc->local_port;

  req.method.ptr = (const char *)r->method_name.data;
  req.method.len = r->method_name.len;

  host = r->headers_in.host;
  authority = host ? host->value : r->headers_in.server;
  req.authority.ptr = (const char *)authority.data;
  req.authority.len = authority.len;

  req.path.ptr = (const char *)r->unparsed_uri.data;
  req.path.len = r->unparsed_uri.len;

  req.header = ngx_http_ztauth_header;
  req.header_ctx = r;

  ngx_memzero(&oc, sizeof(ngx_http_ztauth_out_ctx_t));
  oc.r = r;
  oc.zmcf = zmcf;
  oc.rq = rq;
  req.output = ngx_http_ztauth_output;
  req.output_ctx = &oc;

  if (zmcf->ext_authz) {
    /* without it CUSTOM policies deny (custom_no_handler) */
    req.custom = ngx_http_ztauth_custom;
    req.custom_ctx = &oc;
  }

  /* a pass dropped for a CUSTOM provider may have set it */
  ngx_str_null(&rq->request_principal);

  rc = zt_decide(zmcf->snap, &req, &d);

  if (oc.unmapped) {
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ztauth: no \"ztauth_ext_authz\" for the CUSTOM provider "
                  "\"%*s\"",
                  oc.unmapped_len, oc.unmapped);
  }

  if (oc.ask) {
    /* this pass met a provider not yet asked: it counts for nothing */
    rc = ngx_http_ztauth_ext_ask(r, rq, oc.ask);
    return rc == NGX_AGAIN ? NGX_AGAIN : NGX_HTTP_INTERNAL_SERVER_ERROR;
  }

  if (rc != ZT_OK && d.decision == ZT_DECISION_ALLOW) {
    /* the library denies on every error; never trust otherwise */
    d.decision = ZT_DECISION_DENY;
    d.reason = ZT_REASON_INTERNAL;
    d.status = NGX_HTTP_INTERNAL_SERVER_ERROR;
    d.message = "";
  }

  rq->decided = 1;
  rq->decision = d.decision;
  rq->reason = d.reason;

  if (zc->mtls && zc->spiffe_id.len > 9) {
    /* Istio's principal: the SPIFFE ID without its scheme */
    rq->principal.data = zc->spiffe_id.data + 9;
    rq->principal.len = zc->spiffe_id.len - 9;
  }

  rq->policy_ref = d.policy;

  if (rc != ZT_OK) {
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ztauth: decision failed: %s (%s)", zt_strerror(rc),
                  zt_reason_name(d.reason));
  }

  if (oc.failed) {
    /* a mutation we could not record must not be skipped: fail closed */
    rq->decision = ZT_DECISION_DENY;
    rq->reason = ZT_REASON_INTERNAL;
    rq->rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    return rq->rc;
  }

  if (d.decision == ZT_DECISION_ALLOW) {
    if (ngx_http_ztauth_mutate(r, oc.ops) != NGX_OK) {
      rq->decision = ZT_DECISION_DENY;
      rq->reason = ZT_REASON_INTERNAL;
      rq->rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
      return rq->rc;
    }

    rq->rc = NGX_OK;
    return NGX_OK;
  }

  ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                "ztauth: denied (%s, status %D)", zt_reason_name(d.reason),
                d.status);

  if (d.status <= 0) {
    /* a refused peer: no HTTP answer, the connection is closed */
    rq->rc = NGX_HTTP_CLOSE;
    return NGX_HTTP_CLOSE;
  }

  if (d.status < NGX_HTTP_SPECIAL_RESPONSE || d.status > 599) {
    rq->rc = NGX_HTTP_FORBIDDEN;
    return NGX_HTTP_FORBIDDEN;
  }

  /* a redirected request that comes back (error_page) gets the status */
  rq->rc = d.status;

  return ngx_http_ztauth_reply(r, rq, oc.ops, &d);
}
