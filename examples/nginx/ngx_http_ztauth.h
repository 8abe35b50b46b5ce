/*
 * ngx_http_ztauth_module: what its files share (docs/nginx.md).
 */

#ifndef NGX_HTTP_ZTAUTH_H_INCLUDED_
#define NGX_HTTP_ZTAUTH_H_INCLUDED_

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ztauth.h>

typedef struct {
  ngx_str_t a;
  ngx_str_t b;
} ngx_http_ztauth_pair_t;

typedef struct {
  ngx_flag_t used;
  ngx_array_t *policies; /* ngx_str_t */
  ngx_str_t mesh;
  ngx_array_t *bundles;   /* ngx_http_ztauth_pair_t */
  ngx_array_t *jwks;      /* ngx_http_ztauth_pair_t */
  ngx_array_t *ext_authz; /* ngx_http_ztauth_pair_t: provider, URI */
  ngx_int_t trusted_proxies;

  zt_engine *engine;
  zt_snapshot *snap;
} ngx_http_ztauth_main_conf_t;

typedef struct {
  ngx_flag_t enable;
  zt_workload *workload;
  ngx_str_t service_account;
  ngx_uint_t port; /* 0: the listening port */
} ngx_http_ztauth_loc_conf_t;

/* The peer of one connection, verified once (hung on the connection's
 * pool, which lives as long as the connection and across keepalive). */
typedef struct {
  ngx_uint_t verified;
  ngx_uint_t mtls;
  ngx_str_t spiffe_id; /* "spiffe://td/ns/N/sa/S" */
  ngx_str_t chain;     /* kept only when refused */
  ngx_str_t local_ip;
  in_port_t local_port;
  u_char local_text[NGX_SOCKADDR_STRLEN];
} ngx_http_ztauth_conn_t;

/* CUSTOM providers one request may ask (the library's own bound). */
#define NGX_HTTP_ZTAUTH_MAX_ASKED 8

/* A CUSTOM provider's answer to this request. */
typedef struct {
  ngx_http_ztauth_pair_t *ext; /* ztauth_ext_authz NAME URI */
  ngx_int_t status;            /* of the subrequest; 0 while it runs */
  ngx_list_t *headers;         /* its response headers */
} ngx_http_ztauth_answer_t;

/* The decision of one main request. It hangs on r->main's pool (not on
 * r->ctx, which internal redirects zero) so that a redirected request is
 * not decided twice and the variables see it in the log phase. */
typedef struct {
  ngx_uint_t decided;
  ngx_int_t rc; /* what the handler returned */
  uint32_t decision;
  uint32_t reason;
  zt_policy_ref policy_ref; /* its strings live in the snapshot, which
                               outlives the cycle's requests */
  ngx_str_t policy;         /* policy_ref as text, made when first read */
  ngx_str_t principal;
  ngx_str_t request_principal;

  ngx_http_ztauth_answer_t answers[NGX_HTTP_ZTAUTH_MAX_ASKED];
  ngx_uint_t n_answers;
  ngx_http_request_t *ext_sr; /* the provider's subrequest, once started */
  ngx_uint_t ext_done;
} ngx_http_ztauth_req_t;

/* What the callbacks of one zt_decide() collect. */
typedef struct {
  ngx_http_request_t *r;
  ngx_http_ztauth_main_conf_t *zmcf;
  ngx_array_t *ops; /* request mutations (handler.c) */
  ngx_http_ztauth_req_t *rq;
  ngx_uint_t failed;
  ngx_http_ztauth_pair_t *ask; /* the first CUSTOM provider to ask */
  const char *unmapped;        /* a provider no ztauth_ext_authz names */
  size_t unmapped_len;
} ngx_http_ztauth_out_ctx_t;

/* A walk over an ngx_list_t of headers, part by part:
 *   ngx_http_ztauth_iter_t it = {&list.part, 0};
 *   while ((h = ngx_http_ztauth_next(&it)) != NULL) { ... } */
typedef struct {
  ngx_list_part_t *part;
  ngx_uint_t i;
} ngx_http_ztauth_iter_t;

static ngx_inline ngx_table_elt_t *
ngx_http_ztauth_next(ngx_http_ztauth_iter_t *it) {
  while (it->i >= it->part->nelts) {
    if (it->part->next == NULL) {
      return NULL;
    }

    it->part = it->part->next;
    it->i = 0;
  }

  return (ngx_table_elt_t *)it->part->elts + it->i++;
}

extern ngx_module_t ngx_http_ztauth_module;

/* ngx_http_ztauth_peer.c */
void *ngx_http_ztauth_pool_find(ngx_pool_t *pool);
void *ngx_http_ztauth_pool_attach(ngx_pool_t *pool, size_t size);
ngx_http_ztauth_conn_t *ngx_http_ztauth_conn(ngx_http_request_t *r,
                                             ngx_http_ztauth_main_conf_t *zmcf);
ngx_int_t ngx_http_ztauth_peer_init(ngx_conf_t *cf);

/* ngx_http_ztauth_ext.c */
int ngx_http_ztauth_custom(void *ctx, const char *provider, size_t len,
                           const struct zt_request *req, int32_t *status);
ngx_int_t ngx_http_ztauth_ext_ask(ngx_http_request_t *r,
                                  ngx_http_ztauth_req_t *rq,
                                  ngx_http_ztauth_pair_t *ext);
ngx_int_t ngx_http_ztauth_ext_headers(ngx_http_request_t *r,
                                      ngx_http_ztauth_req_t *rq,
                                      const zt_decision *d);

/* ngx_http_ztauth_handler.c */
ngx_int_t ngx_http_ztauth_handler(ngx_http_request_t *r);

#endif /* NGX_HTTP_ZTAUTH_H_INCLUDED_ */
