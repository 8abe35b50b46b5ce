/*
 * CUSTOM policies: the provider is asked through a subrequest to the
 * location `ztauth_ext_authz NAME URI` names, as Envoy's ext_authz asks its
 * HTTP service. zt_decide() is synchronous and the subrequest is not: a
 * decision that meets a provider not yet asked is dropped, the subrequest
 * runs, and the request is decided again from the start with the answer in
 * hand. A decision is a function of the request and the snapshot, so the
 * second pass takes the same path up to that provider.
 */

#include "ngx_http_ztauth.h"

static ngx_int_t ngx_http_ztauth_ext_done(ngx_http_request_t *sr, void *data,
                                          ngx_int_t rc) {
  ngx_http_ztauth_req_t *rq = data;

  ngx_http_ztauth_answer_t *a;

  a = &rq->answers[rq->n_answers - 1];

  /* nginx's own error for an unreachable provider (502, 504) is a status
   * as well; ngx_http_ztauth_answer() reads 5xx as "no answer" */
  a->status = sr->headers_out.status;
  if (a->status == 0 && rc >= NGX_HTTP_SPECIAL_RESPONSE) {
    a->status = rc;
  }

  a->headers = &sr->headers_out.headers;
  rq->ext_done = 1;

  return rc;
}

/* What the provider's status says, as zt_custom_fn returns it: 200 allows
 * (Envoy's rule), a 5xx or none means the provider could not answer (its
 * failOpen and statusOnError apply), anything else denies with itself. */
static int ngx_http_ztauth_answer(const ngx_http_ztauth_answer_t *a,
                                  int32_t *status) {
  if (a->status == NGX_HTTP_OK) {
    return 1;
  }

  if (a->status < 100 || a->status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
    return -1;
  }

  *status = (int32_t)a->status;

  return 0;
}

int ngx_http_ztauth_custom(void *ctx, const char *provider, size_t len,
                           const struct zt_request *req, int32_t *status) {
  ngx_http_ztauth_out_ctx_t *oc = ctx;

  ngx_uint_t i;
  ngx_http_ztauth_req_t *rq;
  ngx_http_ztauth_pair_t *p;

  (void)req;

  rq = oc->rq;

  for (i = 0; i < rq->n_answers; i++) {
    p = rq->answers[i].ext;
    if (p->a.len == len && ngx_strncmp(p->a.data, provider, len) == 0) {
      return ngx_http_ztauth_answer(&rq->answers[i], status);
    }
  }

  p = oc->zmcf->ext_authz->elts;

  for (i = 0; i < oc->zmcf->ext_authz->nelts; i++) {
    if (p[i].a.len == len && ngx_strncmp(p[i].a.data, provider, len) == 0) {
      if (oc->ask == NULL) {
        oc->ask = &p[i];
      }

      /* not yet asked: this pass is dropped */
      return -1;
    }
  }

  if (oc->unmapped == NULL) {
    oc->unmapped = provider;
    oc->unmapped_len = len;
  }

  return -1;
}

ngx_int_t ngx_http_ztauth_ext_ask(ngx_http_request_t *r,
                                  ngx_http_ztauth_req_t *rq,
                                  ngx_http_ztauth_pair_t *ext) {
  ngx_http_request_t *sr;
  ngx_http_ztauth_answer_t *a;
  ngx_http_post_subrequest_t *ps;

  if (rq->n_answers == NGX_HTTP_ZTAUTH_MAX_ASKED) {
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ztauth: more than %d CUSTOM providers for one request",
                  NGX_HTTP_ZTAUTH_MAX_ASKED);
    return NGX_ERROR;
  }

  ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
  if (ps == NULL) {
    return NGX_ERROR;
  }

  ps->handler = ngx_http_ztauth_ext_done;
  ps->data = rq;

  a = &rq->answers[rq->n_answers++];
  a->ext = ext;
  a->status = 0;
  a->headers = NULL;
  rq->ext_done = 0;

  if (ngx_http_subrequest(r, &ext->b, NULL, &sr, ps,
                          NGX_HTTP_SUBREQUEST_WAITED) != NGX_OK) {
    return NGX_ERROR;
  }

  /* the request body stays with the main request (Envoy sends none
   * unless includeRequestBodyInCheck); only the answer's head matters */
  sr->request_body = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
  if (sr->request_body == NULL) {
    return NGX_ERROR;
  }

  sr->header_only = 1;
  rq->ext_sr = sr;

  return NGX_AGAIN;
}

/* Response headers the client does not get from a provider's denial:
 * the framing of the provider's own answer. */
static ngx_uint_t ngx_http_ztauth_framing(ngx_table_elt_t *h) {
  static ngx_str_t skip[] = {ngx_string("content-length"),
                             ngx_string("content-type"),
                             ngx_string("transfer-encoding"),
                             ngx_string("connection"),
                             ngx_string("keep-alive"),
                             ngx_string("server"),
                             ngx_string("date")};

  ngx_uint_t i;

  for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
    if (h->key.len == skip[i].len &&
        ngx_strncasecmp(h->key.data, skip[i].data, skip[i].len) == 0) {
      return 1;
    }
  }

  return 0;
}

ngx_int_t ngx_http_ztauth_ext_headers(ngx_http_request_t *r,
                                      ngx_http_ztauth_req_t *rq,
                                      const zt_decision *d) {
  ngx_uint_t k;
  ngx_table_elt_t *h, *nh;
  ngx_http_ztauth_iter_t it;
  ngx_http_ztauth_answer_t *a;

  for (k = 0; k < rq->n_answers; k++) {
    a = &rq->answers[k];
    if (a->headers != NULL && a->ext->a.len == d->provider.len &&
        ngx_strncmp(a->ext->a.data, d->provider.ptr, d->provider.len) == 0) {
      break;
    }
  }

  if (k == rq->n_answers) {
    return NGX_OK;
  }

  /* Envoy hands the client every header of the denial (a Location for a
   * login redirect, a WWW-Authenticate) */
  it.part = &a->headers->part;
  it.i = 0;

  while ((h = ngx_http_ztauth_next(&it)) != NULL) {
    if (h->hash == 0 || ngx_http_ztauth_framing(h)) {
      continue;
    }

    nh = ngx_list_push(&r->headers_out.headers);
    if (nh == NULL) {
      return NGX_ERROR;
    }

    *nh = *h;
#if (nginx_version >= 1023000)
    nh->next = NULL;
#endif

    if (nh->key.len == sizeof("location") - 1 &&
        ngx_strncasecmp(nh->key.data, (u_char *)"location", nh->key.len) == 0) {
      r->headers_out.location = nh;
    }
  }

  return NGX_OK;
}
