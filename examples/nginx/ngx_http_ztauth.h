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
  ngx_array_t *bundles; /* ngx_http_ztauth_pair_t */
  ngx_array_t *jwks;    /* ngx_http_ztauth_pair_t */
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
} ngx_http_ztauth_req_t;

extern ngx_module_t ngx_http_ztauth_module;

/* ngx_http_ztauth_peer.c */
void *ngx_http_ztauth_pool_find(ngx_pool_t *pool);
void *ngx_http_ztauth_pool_attach(ngx_pool_t *pool, size_t size);
ngx_http_ztauth_conn_t *ngx_http_ztauth_conn(ngx_http_request_t *r,
                                             ngx_http_ztauth_main_conf_t *zmcf);
ngx_int_t ngx_http_ztauth_peer_init(ngx_conf_t *cf);

/* ngx_http_ztauth_handler.c */
ngx_int_t ngx_http_ztauth_handler(ngx_http_request_t *r);

#endif /* NGX_HTTP_ZTAUTH_H_INCLUDED_ */
