/*
 * The peer of a connection: the client's certificate chain, verified once
 * per connection as an X.509-SVID, and kept for resumed TLS sessions.
 */

#include "ngx_http_ztauth.h"

static void ngx_http_ztauth_cleanup_tag(void *data) {
  /* a tag: finds our structures among a pool's cleanups */
}

void *ngx_http_ztauth_pool_find(ngx_pool_t *pool) {
  ngx_pool_cleanup_t *cln;

  for (cln = pool->cleanup; cln; cln = cln->next) {
    if (cln->handler == ngx_http_ztauth_cleanup_tag) {
      return cln->data;
    }
  }

  return NULL;
}

void *ngx_http_ztauth_pool_attach(ngx_pool_t *pool, size_t size) {
  ngx_pool_cleanup_t *cln;

  cln = ngx_pool_cleanup_add(pool, size);
  if (cln == NULL) {
    return NULL;
  }

  ngx_memzero(cln->data, size);
  cln->handler = ngx_http_ztauth_cleanup_tag;

  return cln->data;
}

#if (NGX_HTTP_SSL)

/*
 * The client's chain as DER certificates back to back, leaf first, in a
 * buffer of alloc(ctx, size). NGX_DECLINED: no client certificate.
 */
static ngx_int_t
ngx_http_ztauth_der_chain(SSL *ssl, void *(*alloc)(void *ctx, size_t size),
                          void *ctx, u_char **out, size_t *out_len) {
  int i, n, len;
  X509 *leaf;
  u_char *p;
  size_t total;
  ngx_int_t rc;
  STACK_OF(X509) * chain;

  leaf = SSL_get_peer_certificate(ssl);
  if (leaf == NULL) {
    return NGX_DECLINED;
  }

  rc = NGX_ERROR;

  /* on the server side the chain the client sent excludes the leaf */
  chain = SSL_get_peer_cert_chain(ssl);
  n = chain ? sk_X509_num(chain) : 0;

  len = i2d_X509(leaf, NULL);
  if (len <= 0) {
    goto done;
  }

  total = len;

  for (i = 0; i < n; i++) {
    len = i2d_X509(sk_X509_value(chain, i), NULL);
    if (len <= 0) {
      goto done;
    }

    total += len;
  }

  *out = alloc(ctx, total);
  if (*out == NULL) {
    goto done;
  }

  p = *out;
  (void)i2d_X509(leaf, &p);

  for (i = 0; i < n; i++) {
    (void)i2d_X509(sk_X509_value(chain, i), &p);
  }

  *out_len = p - *out;
  rc = NGX_OK;

done:

  X509_free(leaf);
  return rc;
}

static void *ngx_http_ztauth_palloc(void *ctx, size_t size) {
  return ngx_pnalloc(ctx, size);
}

static void *ngx_http_ztauth_malloc(void *ctx, size_t size) {
  return ngx_alloc(size, ctx);
}

#if (OPENSSL_VERSION_NUMBER >= 0x10101000L && !defined LIBRESSL_VERSION_NUMBER)

/*
 * A resumed TLS session has the client's leaf but not the rest of the
 * chain it sent, so a chain through an intermediate would no longer
 * verify. The chain goes into the session's ticket data when the ticket
 * is made (the ticket is encrypted and authenticated with the server's
 * key, so the client cannot change it) and is verified again, against
 * the bundles in force, when the session is resumed.
 */
static int ngx_http_ztauth_ticket_gen(SSL *ssl, void *arg) {
  u_char *der;
  size_t len;
  ngx_int_t rc;

  if (SSL_session_reused(ssl)) {
    /* the session (and its ticket data) came from a ticket */
    return 1;
  }

  rc = ngx_http_ztauth_der_chain(ssl, ngx_http_ztauth_malloc, ngx_cycle->log,
                                 &der, &len);
  if (rc != NGX_OK) {
    /* no client certificate, or no memory: a resumption will then
     * lack the intermediates and be refused, never accepted */
    return 1;
  }

  (void)SSL_SESSION_set1_ticket_appdata(SSL_get0_session(ssl), der, len);
  ngx_free(der);

  return 1;
}

/*
 * Sessions that nginx keeps in its shared cache (ssl_session_cache shared,
 * resumed by session ID) are serialized by nginx's new-session callback
 * during the handshake: wrap it so the chain is in the session first.
 * nginx installs the same callback on every context.
 */
static int (*ngx_http_ztauth_new_session_next)(SSL *ssl, SSL_SESSION *sess);

static int ngx_http_ztauth_new_session(SSL *ssl, SSL_SESSION *sess) {
  u_char *der;
  size_t len;

  if (!SSL_session_reused(ssl) &&
      ngx_http_ztauth_der_chain(ssl, ngx_http_ztauth_malloc, ngx_cycle->log,
                                &der, &len) == NGX_OK) {
    (void)SSL_SESSION_set1_ticket_appdata(sess, der, len);
    ngx_free(der);
  }

  return ngx_http_ztauth_new_session_next(ssl, sess);
}

static ngx_int_t ngx_http_ztauth_set_ticket_cb(ngx_conf_t *cf) {
  int (*cb)(SSL * ssl, SSL_SESSION * sess);

  ngx_uint_t s;
  ngx_http_ssl_srv_conf_t *sscf;
  ngx_http_core_srv_conf_t **cscfp;
  ngx_http_core_main_conf_t *cmcf;

  cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
  cscfp = cmcf->servers.elts;

  for (s = 0; s < cmcf->servers.nelts; s++) {
    sscf = cscfp[s]->ctx->srv_conf[ngx_http_ssl_module.ctx_index];

    if (sscf == NULL || sscf->ssl.ctx == NULL) {
      continue;
    }

    if (SSL_CTX_set_session_ticket_cb(sscf->ssl.ctx, ngx_http_ztauth_ticket_gen,
                                      NULL, NULL) != 1) {
      ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                         "ztauth: SSL_CTX_set_session_ticket_cb() "
                         "failed");
      return NGX_ERROR;
    }

    cb = SSL_CTX_sess_get_new_cb(sscf->ssl.ctx);

    if (cb == NULL || cb == ngx_http_ztauth_new_session) {
      continue;
    }

    if (ngx_http_ztauth_new_session_next == NULL) {
      ngx_http_ztauth_new_session_next = cb;
    }

    if (cb == ngx_http_ztauth_new_session_next) {
      SSL_CTX_sess_set_new_cb(sscf->ssl.ctx, ngx_http_ztauth_new_session);
    }
  }

  return NGX_OK;
}

#define NGX_HTTP_ZTAUTH_TICKET_DATA 1

#endif

/* The chain of a connection: the one the client sent, or on a resumed
 * session the one kept in its ticket data. */
static ngx_int_t ngx_http_ztauth_peer_chain(ngx_connection_t *c,
                                            ngx_str_t *out) {
  ngx_int_t rc;

  out->len = 0;
  out->data = NULL;

#if (NGX_HTTP_ZTAUTH_TICKET_DATA)

  if (SSL_session_reused(c->ssl->connection)) {
    void *data;
    size_t len;

    if (SSL_SESSION_get0_ticket_appdata(SSL_get0_session(c->ssl->connection),
                                        &data, &len) == 1 &&
        len > 0) {
      out->data = ngx_pnalloc(c->pool, len);
      if (out->data == NULL) {
        return NGX_ERROR;
      }

      ngx_memcpy(out->data, data, len);
      out->len = len;

      return NGX_OK;
    }
  }

#endif

  rc = ngx_http_ztauth_der_chain(c->ssl->connection, ngx_http_ztauth_palloc,
                                 c->pool, &out->data, &out->len);

  return rc;
}

#endif

ngx_http_ztauth_conn_t *
ngx_http_ztauth_conn(ngx_http_request_t *r, ngx_http_ztauth_main_conf_t *zmcf) {
  ngx_str_t s;
  ngx_connection_t *c;
  ngx_http_ztauth_conn_t *zc;

  c = r->connection;

#if (NGX_HTTP_V2)
  /* an HTTP/2 stream's connection lives only as long as the stream */
  if (r->stream) {
    c = r->stream->connection->connection;
  }
#endif

  zc = ngx_http_ztauth_pool_find(c->pool);
  if (zc) {
    /* a peer whose certificate could not be read stays an error: it
     * must never pass for a plaintext peer on the next request */
    return zc->verified ? zc : NULL;
  }

  zc = ngx_http_ztauth_pool_attach(c->pool, sizeof(ngx_http_ztauth_conn_t));
  if (zc == NULL) {
    return NULL;
  }

  s.data = zc->local_text;
  s.len = NGX_SOCKADDR_STRLEN;

  if (ngx_connection_local_sockaddr(c, &s, 0) != NGX_OK) {
    return NULL;
  }

  zc->local_ip = s;
  zc->local_port = ngx_inet_get_port(c->local_sockaddr);

#if (NGX_HTTP_SSL)

  if (c->ssl) {
    zt_svid svid;
    ngx_int_t rc;

    rc = ngx_http_ztauth_peer_chain(c, &zc->chain);
    if (rc == NGX_ERROR) {
      return NULL;
    }

    if (rc == NGX_OK) {
      zc->mtls = 1;

      /* the SPIFFE ID is what the peer is; a chain that is not a
       * valid SVID is kept and handed to zt_decide, which refuses
       * the connection with the precise reason */
      if (zt_svid_verify(zmcf->snap, (const char *)zc->chain.data,
                         zc->chain.len, ZT_ROLE_CLIENT, &svid) == ZT_OK) {
        zc->spiffe_id.data = ngx_pnalloc(c->pool, svid.spiffe_id_len);
        if (zc->spiffe_id.data == NULL) {
          return NULL;
        }

        ngx_memcpy(zc->spiffe_id.data, svid.spiffe_id, svid.spiffe_id_len);
        zc->spiffe_id.len = svid.spiffe_id_len;
        zc->chain.len = 0;
        zc->chain.data = NULL;

      } else {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "ztauth: client certificate refused: %s (%s)",
                      svid.error_name, svid.message);
      }
    }
  }

#endif

  zc->verified = 1;

  return zc;
}

/* Installs the session callbacks that keep client chains for resumed
 * sessions on every TLS server of the configuration. */
ngx_int_t ngx_http_ztauth_peer_init(ngx_conf_t *cf) {
#if (NGX_HTTP_ZTAUTH_TICKET_DATA)
  return ngx_http_ztauth_set_ticket_cb(cf);
#else
  return NGX_OK;
#endif
}
