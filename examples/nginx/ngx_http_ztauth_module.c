/*
 * ngx_http_ztauth_module: enforces Istio PeerAuthentication,
 * RequestAuthentication and AuthorizationPolicy on nginx's own traffic
 * through libztauth (docs/nginx.md).
 *
 * One engine per configuration, built and committed while the
 * configuration is read and held (with one snapshot) until the cycle's
 * pool goes away: a reload builds a new one and old workers keep theirs
 * until they exit. Requests are decided in the access phase, once per main
 * request; client certificates are verified once per connection.
 *
 * Written in nginx's own style, since it lives inside nginx.
 */

#include "ngx_http_ztauth.h"

#define NGX_HTTP_ZTAUTH_MAX_FILE (16 * 1024 * 1024)

static ngx_int_t ngx_http_ztauth_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_ztauth_init(ngx_conf_t *cf);
static void *ngx_http_ztauth_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_ztauth_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_ztauth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ztauth_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child);

static char *ngx_http_ztauth_enable(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf);
static char *ngx_http_ztauth_policy(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf);
static char *ngx_http_ztauth_mesh(ngx_conf_t *cf, ngx_command_t *cmd,
                                  void *conf);
static char *ngx_http_ztauth_pair(ngx_conf_t *cf, ngx_command_t *cmd,
                                  void *conf);
static char *ngx_http_ztauth_workload(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf);
static char *ngx_http_ztauth_trusted_proxies(ngx_conf_t *cf, ngx_command_t *cmd,
                                             void *conf);

static ngx_int_t ngx_http_ztauth_variable(ngx_http_request_t *r,
                                          ngx_http_variable_value_t *v,
                                          uintptr_t data);

/* cmd->post of a pair whose second argument is a URI, not a file */
static ngx_uint_t ngx_http_ztauth_uri_arg;

static ngx_command_t ngx_http_ztauth_commands[] = {

    {ngx_string("ztauth"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_FLAG,
     ngx_http_ztauth_enable, NGX_HTTP_LOC_CONF_OFFSET,
     offsetof(ngx_http_ztauth_loc_conf_t, enable), NULL},

    {ngx_string("ztauth_policy"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_http_ztauth_policy, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL},

    {ngx_string("ztauth_mesh"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_http_ztauth_mesh, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL},

    {ngx_string("ztauth_trust_bundle"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE2,
     ngx_http_ztauth_pair, NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_ztauth_main_conf_t, bundles), NULL},

    {ngx_string("ztauth_jwks"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE2,
     ngx_http_ztauth_pair, NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_ztauth_main_conf_t, jwks), NULL},

    {ngx_string("ztauth_ext_authz"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE2,
     ngx_http_ztauth_pair, NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_ztauth_main_conf_t, ext_authz),
     &ngx_http_ztauth_uri_arg},

    {ngx_string("ztauth_workload"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF |
         NGX_CONF_1MORE,
     ngx_http_ztauth_workload, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},

    /* An engine setting (numTrustedProxies): accepted in server blocks
     * for convenience, but one value holds for the whole configuration. */
    {ngx_string("ztauth_trusted_proxies"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_CONF_TAKE1,
     ngx_http_ztauth_trusted_proxies, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL},

    ngx_null_command};

static ngx_http_module_t ngx_http_ztauth_module_ctx = {
    ngx_http_ztauth_add_variables, /* preconfiguration */
    ngx_http_ztauth_init,          /* postconfiguration */

    ngx_http_ztauth_create_main_conf, /* create main configuration */
    ngx_http_ztauth_init_main_conf,   /* init main configuration */

    NULL, /* create server configuration */
    NULL, /* merge server configuration */

    ngx_http_ztauth_create_loc_conf, /* create location configuration */
    ngx_http_ztauth_merge_loc_conf   /* merge location configuration */
};

ngx_module_t ngx_http_ztauth_module = {
    NGX_MODULE_V1,
    &ngx_http_ztauth_module_ctx, /* module context */
    ngx_http_ztauth_commands,    /* module directives */
    NGX_HTTP_MODULE,             /* module type */
    NULL,                        /* init master */
    NULL,                        /* init module */
    NULL,                        /* init process */
    NULL,                        /* init thread */
    NULL,                        /* exit thread */
    NULL,                        /* exit process */
    NULL,                        /* exit master */
    NGX_MODULE_V1_PADDING};

enum {
  NGX_HTTP_ZTAUTH_VAR_DECISION,
  NGX_HTTP_ZTAUTH_VAR_REASON,
  NGX_HTTP_ZTAUTH_VAR_POLICY,
  NGX_HTTP_ZTAUTH_VAR_PRINCIPAL,
  NGX_HTTP_ZTAUTH_VAR_REQUEST_PRINCIPAL
};

/* Not cacheable: a variable read before the access phase (in a rewrite)
 * must not freeze an empty value for the log. */
static ngx_http_variable_t ngx_http_ztauth_vars[] = {

    {ngx_string("ztauth_decision"), NULL, ngx_http_ztauth_variable,
     NGX_HTTP_ZTAUTH_VAR_DECISION, NGX_HTTP_VAR_NOCACHEABLE, 0},

    {ngx_string("ztauth_reason"), NULL, ngx_http_ztauth_variable,
     NGX_HTTP_ZTAUTH_VAR_REASON, NGX_HTTP_VAR_NOCACHEABLE, 0},

    {ngx_string("ztauth_policy"), NULL, ngx_http_ztauth_variable,
     NGX_HTTP_ZTAUTH_VAR_POLICY, NGX_HTTP_VAR_NOCACHEABLE, 0},

    {ngx_string("ztauth_principal"), NULL, ngx_http_ztauth_variable,
     NGX_HTTP_ZTAUTH_VAR_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0},

    {ngx_string("ztauth_request_principal"), NULL, ngx_http_ztauth_variable,
     NGX_HTTP_ZTAUTH_VAR_REQUEST_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0},

    ngx_http_null_variable};

/* ---- configuration ---------------------------------------------------- */

static void *ngx_http_ztauth_create_main_conf(ngx_conf_t *cf) {
  ngx_http_ztauth_main_conf_t *zmcf;

  zmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ztauth_main_conf_t));
  if (zmcf == NULL) {
    return NULL;
  }

  zmcf->trusted_proxies = NGX_CONF_UNSET;

  return zmcf;
}

static void *ngx_http_ztauth_create_loc_conf(ngx_conf_t *cf) {
  ngx_http_ztauth_loc_conf_t *zlcf;

  zlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ztauth_loc_conf_t));
  if (zlcf == NULL) {
    return NULL;
  }

  zlcf->enable = NGX_CONF_UNSET;
  zlcf->port = NGX_CONF_UNSET_UINT;

  return zlcf;
}

static char *ngx_http_ztauth_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child) {
  ngx_http_ztauth_loc_conf_t *prev = parent;
  ngx_http_ztauth_loc_conf_t *conf = child;

  ngx_http_core_loc_conf_t *clcf;

  ngx_conf_merge_value(conf->enable, prev->enable, 0);

  if (conf->workload == NULL) {
    conf->workload = prev->workload;
    conf->service_account = prev->service_account;
    conf->port = prev->port;
  }

  if (conf->port == NGX_CONF_UNSET_UINT) {
    conf->port = 0;
  }

  if (!conf->enable) {
    return NGX_CONF_OK;
  }

  if (conf->workload == NULL) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"ztauth on\" needs \"ztauth_workload\" "
                       "(which workload this server is)");
    return NGX_CONF_ERROR;
  }

  /*
   * Under "satisfy any" a 401/403 from this module would only be
   * recorded, and any other access module saying yes would let the
   * request through: refuse rather than enforce nothing.
   */
  clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

  if (clcf->satisfy == NGX_HTTP_SATISFY_ANY) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"ztauth on\" cannot be used with "
                       "\"satisfy any\" (location \"%V\"): "
                       "use \"satisfy all\"",
                       &clcf->name);
    return NGX_CONF_ERROR;
  }

  return NGX_CONF_OK;
}

static void ngx_http_ztauth_mark_used(ngx_conf_t *cf) {
  ngx_http_ztauth_main_conf_t *zmcf;

  zmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ztauth_module);
  zmcf->used = 1;
}

static char *ngx_http_ztauth_enable(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf) {
  ngx_http_ztauth_mark_used(cf);

  return ngx_conf_set_flag_slot(cf, cmd, conf);
}

static char *ngx_http_ztauth_policy(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf) {
  ngx_http_ztauth_main_conf_t *zmcf = conf;

  ngx_str_t *value, *path;

  zmcf->used = 1;

  if (zmcf->policies == NULL) {
    zmcf->policies = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
    if (zmcf->policies == NULL) {
      return NGX_CONF_ERROR;
    }
  }

  value = cf->args->elts;

  path = ngx_array_push(zmcf->policies);
  if (path == NULL) {
    return NGX_CONF_ERROR;
  }

  *path = value[1];

  if (ngx_conf_full_name(cf->cycle, path, 1) != NGX_OK) {
    return NGX_CONF_ERROR;
  }

  return NGX_CONF_OK;
}

static char *ngx_http_ztauth_mesh(ngx_conf_t *cf, ngx_command_t *cmd,
                                  void *conf) {
  ngx_http_ztauth_main_conf_t *zmcf = conf;

  ngx_str_t *value;

  if (zmcf->mesh.data) {
    return "is duplicate";
  }

  zmcf->used = 1;
  value = cf->args->elts;
  zmcf->mesh = value[1];

  if (ngx_conf_full_name(cf->cycle, &zmcf->mesh, 1) != NGX_OK) {
    return NGX_CONF_ERROR;
  }

  return NGX_CONF_OK;
}

/* ztauth_trust_bundle TRUST_DOMAIN PATH; ztauth_jwks URI PATH;
 * ztauth_ext_authz PROVIDER URI; */
static char *ngx_http_ztauth_pair(ngx_conf_t *cf, ngx_command_t *cmd,
                                  void *conf) {
  ngx_http_ztauth_main_conf_t *zmcf = conf;

  ngx_str_t *value;
  ngx_uint_t i;
  ngx_array_t **a;
  ngx_http_ztauth_pair_t *p;

  zmcf->used = 1;
  a = (ngx_array_t **)((char *)conf + cmd->offset);

  if (*a == NULL) {
    *a = ngx_array_create(cf->pool, 2, sizeof(ngx_http_ztauth_pair_t));
    if (*a == NULL) {
      return NGX_CONF_ERROR;
    }
  }

  value = cf->args->elts;

  if (value[1].len == 0) {
    return "needs a non-empty first argument";
  }

  p = (*a)->elts;
  for (i = 0; i < (*a)->nelts; i++) {
    if (p[i].a.len == value[1].len &&
        ngx_strncmp(p[i].a.data, value[1].data, value[1].len) == 0) {
      ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "duplicate \"%V\" for \"%V\"",
                         &cmd->name, &value[1]);
      return NGX_CONF_ERROR;
    }
  }

  p = ngx_array_push(*a);
  if (p == NULL) {
    return NGX_CONF_ERROR;
  }

  p->a = value[1];
  p->b = value[2];

  if (cmd->post == &ngx_http_ztauth_uri_arg) {
    /* a location of this server, reached by a subrequest */
    if (p->b.len == 0 || p->b.data[0] != '/' ||
        ngx_strlchr(p->b.data, p->b.data + p->b.len, '?') != NULL) {
      return "needs a URI that starts with \"/\" and has no arguments";
    }

    return NGX_CONF_OK;
  }

  if (ngx_conf_full_name(cf->cycle, &p->b, 1) != NGX_OK) {
    return NGX_CONF_ERROR;
  }

  return NGX_CONF_OK;
}

static char *ngx_http_ztauth_trusted_proxies(ngx_conf_t *cf, ngx_command_t *cmd,
                                             void *conf) {
  ngx_http_ztauth_main_conf_t *zmcf = conf;

  ngx_int_t n;
  ngx_str_t *value;

  value = cf->args->elts;

  n = ngx_atoi(value[1].data, value[1].len);
  if (n == NGX_ERROR || n > 64) {
    return "needs a number of proxies from 0 to 64";
  }

  if (zmcf->trusted_proxies != NGX_CONF_UNSET && zmcf->trusted_proxies != n) {
    return "conflicts with another value: one value holds for the "
           "whole http block";
  }

  zmcf->trusted_proxies = n;

  return NGX_CONF_OK;
}

/*
 * ztauth_workload namespace=NS [service_account=SA] [label=KEY=VALUE]...
 *                 [port=N];
 * The strings stay in the configuration pool, so the zt_workload built
 * here points at them for every request.
 */
static char *ngx_http_ztauth_workload(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf) {
  ngx_http_ztauth_loc_conf_t *zlcf = conf;

  u_char *eq;
  ngx_str_t *value, v;
  ngx_int_t port;
  ngx_uint_t i, n;
  zt_kv *labels;
  zt_workload *wl;

  if (zlcf->workload) {
    return "is duplicate";
  }

  ngx_http_ztauth_mark_used(cf);

  value = cf->args->elts;

  wl = ngx_pcalloc(cf->pool, sizeof(zt_workload));
  labels = ngx_pcalloc(cf->pool, cf->args->nelts * sizeof(zt_kv));
  if (wl == NULL || labels == NULL) {
    return NGX_CONF_ERROR;
  }

  n = 0;

  for (i = 1; i < cf->args->nelts; i++) {

    if (ngx_strncmp(value[i].data, "namespace=", 10) == 0) {
      v.data = value[i].data + 10;
      v.len = value[i].len - 10;

      if (v.len == 0 || wl->ns.len) {
        goto invalid;
      }

      wl->ns.ptr = (const char *)v.data;
      wl->ns.len = v.len;
      continue;
    }

    if (ngx_strncmp(value[i].data, "service_account=", 16) == 0) {
      zlcf->service_account.data = value[i].data + 16;
      zlcf->service_account.len = value[i].len - 16;
      continue;
    }

    if (ngx_strncmp(value[i].data, "label=", 6) == 0) {
      v.data = value[i].data + 6;
      v.len = value[i].len - 6;

      eq = ngx_strlchr(v.data, v.data + v.len, '=');
      if (eq == NULL || eq == v.data) {
        goto invalid;
      }

      labels[n].key.ptr = (const char *)v.data;
      labels[n].key.len = eq - v.data;
      labels[n].value.ptr = (const char *)eq + 1;
      labels[n].value.len = v.data + v.len - eq - 1;
      n++;
      continue;
    }

    if (ngx_strncmp(value[i].data, "port=", 5) == 0) {
      port = ngx_atoi(value[i].data + 5, value[i].len - 5);
      if (port < 1 || port > 65535) {
        goto invalid;
      }

      zlcf->port = port;
      continue;
    }

    goto invalid;
  }

  if (wl->ns.len == 0) {
    return "needs namespace=NS";
  }

  wl->labels = labels;
  wl->n_labels = n;
  zlcf->workload = wl;

  return NGX_CONF_OK;

invalid:

  ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                     "invalid parameter \"%V\" (expected namespace=NS, "
                     "service_account=SA, label=KEY=VALUE or port=N)",
                     &value[i]);
  return NGX_CONF_ERROR;
}

static ngx_int_t ngx_http_ztauth_read_file(ngx_conf_t *cf, ngx_str_t *name,
                                           ngx_str_t *out) {
  off_t size;
  ssize_t n;
  ngx_fd_t fd;
  ngx_file_info_t fi;

  fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
  if (fd == NGX_INVALID_FILE) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                       ngx_open_file_n " \"%V\" failed", name);
    return NGX_ERROR;
  }

  if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                       ngx_fd_info_n " \"%V\" failed", name);
    goto failed;
  }

  size = ngx_file_size(&fi);
  if (size > NGX_HTTP_ZTAUTH_MAX_FILE) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" is larger than %d bytes",
                       name, NGX_HTTP_ZTAUTH_MAX_FILE);
    goto failed;
  }

  out->data = ngx_pnalloc(cf->temp_pool, (size_t)size + 1);
  if (out->data == NULL) {
    goto failed;
  }

  n = ngx_read_fd(fd, out->data, (size_t)size);
  if (n != (ssize_t)size) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                       ngx_read_fd_n " \"%V\" failed", name);
    goto failed;
  }

  out->len = (size_t)size;
  out->data[size] = '\0';

  ngx_close_file(fd);
  return NGX_OK;

failed:

  ngx_close_file(fd);
  return NGX_ERROR;
}

/* The library's own message, "file:line:col: error: ..." as its CLI. */
static void ngx_http_ztauth_log_diag(ngx_conf_t *cf, const zt_diag *d) {
  u_char *p, where[sizeof(d->file) + 32];
  ngx_uint_t level;
  const char *sev;

  if (d->severity == ZT_SEVERITY_ERROR) {
    level = NGX_LOG_EMERG;
    sev = "error";

  } else if (d->severity == ZT_SEVERITY_WARNING) {
    level = NGX_LOG_WARN;
    sev = "warning";

  } else {
    level = NGX_LOG_NOTICE;
    sev = "note";
  }

  /* "file:line:col: " as the library's CLI prints it; a position
   * that is not known is left out rather than shown as 0:0 */
  if (d->line) {
    p = ngx_snprintf(where, sizeof(where) - 1, "%s:%uD:%uD: ", d->file, d->line,
                     d->column);

  } else if (d->file[0]) {
    p = ngx_snprintf(where, sizeof(where) - 1, "%s: ", d->file);

  } else {
    p = where;
  }

  *p = '\0';

  if (d->kind[0] && d->name[0]) {
    ngx_conf_log_error(level, cf, 0, "ztauth: %s%s: %s %s/%s: %s", where, sev,
                       d->kind, d->ns, d->name, d->message);

  } else {
    ngx_conf_log_error(level, cf, 0, "ztauth: %s%s: %s", where, sev,
                       d->message);
  }
}

typedef struct {
  ngx_conf_t *cf;
  ngx_uint_t errors;
} ngx_http_ztauth_report_t;

static void ngx_http_ztauth_report(void *ctx, const zt_diag *d) {
  ngx_http_ztauth_report_t *rep = ctx;

  if (d->severity == ZT_SEVERITY_ERROR) {
    rep->errors++;
  }

  ngx_http_ztauth_log_diag(rep->cf, d);
}

static void ngx_http_ztauth_cleanup_engine(void *data) {
  ngx_http_ztauth_main_conf_t *zmcf = data;

  /* every snapshot must be released before its engine is freed */
  zt_snapshot_release(zmcf->snap);
  zmcf->snap = NULL;
  zt_engine_free(zmcf->engine);
  zmcf->engine = NULL;
}

static char *ngx_http_ztauth_init_main_conf(ngx_conf_t *cf, void *conf) {
  ngx_http_ztauth_main_conf_t *zmcf = conf;

  int rc;
  ngx_str_t doc, *path;
  zt_diag diag;
  ngx_uint_t i;
  zt_config *cfg;
  zt_loader *loader;
  ngx_pool_cleanup_t *cln;
  ngx_http_ztauth_pair_t *p;
  ngx_http_ztauth_report_t rep;

  if (!zmcf->used) {
    return NGX_CONF_OK;
  }

  cln = ngx_pool_cleanup_add(cf->pool, 0);
  if (cln == NULL) {
    return NGX_CONF_ERROR;
  }

  cln->handler = ngx_http_ztauth_cleanup_engine;
  cln->data = zmcf;

  ngx_memzero(&diag, sizeof(zt_diag));

  if (zt_config_new(&cfg, NULL) != ZT_OK) {
    return NGX_CONF_ERROR;
  }

  if (zmcf->mesh.len) {
    if (ngx_http_ztauth_read_file(cf, &zmcf->mesh, &doc) != NGX_OK) {
      zt_config_free(cfg);
      return NGX_CONF_ERROR;
    }

    rc = zt_config_load_mesh(cfg, (const char *)doc.data, doc.len,
                             (const char *)zmcf->mesh.data, zmcf->mesh.len,
                             &diag);
    if (rc != ZT_OK) {
      ngx_http_ztauth_log_diag(cf, &diag);
      zt_config_free(cfg);
      return NGX_CONF_ERROR;
    }
  }

  if (zmcf->trusted_proxies != NGX_CONF_UNSET &&
      zt_config_set_option(cfg, ZT_OPT_TRUSTED_PROXIES,
                           (uint64_t)zmcf->trusted_proxies) != ZT_OK) {
    zt_config_free(cfg);
    return "ztauth: invalid ztauth_trusted_proxies";
  }

  rc = zt_engine_new(&zmcf->engine, cfg, &diag);
  zt_config_free(cfg);

  if (rc != ZT_OK) {
    ngx_http_ztauth_log_diag(cf, &diag);
    return NGX_CONF_ERROR;
  }

  if (zt_loader_new(zmcf->engine, &loader) != ZT_OK) {
    return NGX_CONF_ERROR;
  }

  rep.cf = cf;
  rep.errors = 0;
  (void)zt_loader_set_report(loader, ngx_http_ztauth_report, &rep);

  if (zmcf->policies) {
    path = zmcf->policies->elts;

    for (i = 0; i < zmcf->policies->nelts; i++) {
      /* errors are kept by the loader and refuse the commit */
      (void)zt_loader_add_path(loader, (const char *)path[i].data, path[i].len,
                               &diag);
    }

  } else {
    /* no policy at all is a valid set: everything is allowed */
    (void)zt_loader_add_yaml(loader, NULL, 0, "none", 4, &diag);
  }

  rc = zt_engine_commit(zmcf->engine, loader, &diag);
  zt_loader_free(loader);

  if (rc != ZT_OK) {
    if (rep.errors == 0) {
      ngx_http_ztauth_log_diag(cf, &diag);
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "ztauth: the policies were refused (%s)",
                       zt_strerror(rc));
    return NGX_CONF_ERROR;
  }

  if (zmcf->bundles) {
    p = zmcf->bundles->elts;

    for (i = 0; i < zmcf->bundles->nelts; i++) {
      if (ngx_http_ztauth_read_file(cf, &p[i].b, &doc) != NGX_OK) {
        return NGX_CONF_ERROR;
      }

      rc = zt_engine_set_trust_bundle(zmcf->engine, (const char *)p[i].a.data,
                                      p[i].a.len, (const char *)doc.data,
                                      doc.len, &diag);
      if (rc != ZT_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ztauth: trust bundle \"%V\" for \"%V\": "
                           "%s",
                           &p[i].b, &p[i].a, diag.message);
        return NGX_CONF_ERROR;
      }
    }
  }

  if (zmcf->jwks) {
    p = zmcf->jwks->elts;

    for (i = 0; i < zmcf->jwks->nelts; i++) {
      if (ngx_http_ztauth_read_file(cf, &p[i].b, &doc) != NGX_OK) {
        return NGX_CONF_ERROR;
      }

      rc = zt_engine_set_jwks(zmcf->engine, (const char *)p[i].a.data,
                              p[i].a.len, (const char *)doc.data, doc.len,
                              &diag);
      if (rc != ZT_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ztauth: key set \"%V\" for \"%V\": %s", &p[i].b,
                           &p[i].a, diag.message);
        return NGX_CONF_ERROR;
      }
    }
  }

  /*
   * Nothing changes the engine after this point, so one snapshot serves
   * every request of the configuration's lifetime: no per-request
   * acquire and release.
   */
  if (zt_engine_acquire(zmcf->engine, &zmcf->snap) != ZT_OK) {
    return NGX_CONF_ERROR;
  }

  return NGX_CONF_OK;
}

/* ---- variables -------------------------------------------------------- */

/* "ns/name" of the deciding policy: only logs read it, so it is written
 * when one does. */
static void ngx_http_ztauth_policy_text(ngx_pool_t *pool,
                                        ngx_http_ztauth_req_t *rq) {
  size_t n;
  u_char *p;

  n = zt_policy_ref_format(&rq->policy_ref, NULL, 0);
  if (n == 0) {
    return;
  }

  p = ngx_pnalloc(pool, n + 1);
  if (p == NULL) {
    return;
  }

  (void)zt_policy_ref_format(&rq->policy_ref, (char *)p, n + 1);
  rq->policy.data = p;
  rq->policy.len = n;
}

static ngx_int_t ngx_http_ztauth_variable(ngx_http_request_t *r,
                                          ngx_http_variable_value_t *v,
                                          uintptr_t data) {
  const char *s;
  ngx_str_t str;
  ngx_http_ztauth_req_t *rq;

  rq = ngx_http_ztauth_pool_find(r->main->pool);

  if (rq == NULL || !rq->decided) {
    v->not_found = 1;
    return NGX_OK;
  }

  switch (data) {

  case NGX_HTTP_ZTAUTH_VAR_DECISION:
    ngx_str_set(&str, "allow");
    if (rq->decision != ZT_DECISION_ALLOW) {
      ngx_str_set(&str, "deny");
    }
    break;

  case NGX_HTTP_ZTAUTH_VAR_REASON:
    s = zt_reason_name(rq->reason);
    str.data = (u_char *)s;
    str.len = ngx_strlen(s);
    break;

  case NGX_HTTP_ZTAUTH_VAR_POLICY:
    if (rq->policy.data == NULL && rq->policy_ref.ns != NULL) {
      ngx_http_ztauth_policy_text(r->main->pool, rq);
    }
    str = rq->policy;
    break;

  case NGX_HTTP_ZTAUTH_VAR_PRINCIPAL:
    str = rq->principal;
    break;

  default: /* NGX_HTTP_ZTAUTH_VAR_REQUEST_PRINCIPAL */
    str = rq->request_principal;
    break;
  }

  if (str.len == 0) {
    v->not_found = 1;
    return NGX_OK;
  }

  v->len = str.len;
  v->valid = 1;
  v->no_cacheable = 1;
  v->not_found = 0;
  v->data = str.data;

  return NGX_OK;
}

static ngx_int_t ngx_http_ztauth_add_variables(ngx_conf_t *cf) {
  ngx_http_variable_t *var, *v;

  for (v = ngx_http_ztauth_vars; v->name.len; v++) {
    var = ngx_http_add_variable(cf, &v->name, v->flags);
    if (var == NULL) {
      return NGX_ERROR;
    }

    var->get_handler = v->get_handler;
    var->data = v->data;
  }

  return NGX_OK;
}

static ngx_int_t ngx_http_ztauth_init(ngx_conf_t *cf) {
  ngx_http_handler_pt *h;
  ngx_http_core_main_conf_t *cmcf;
  ngx_http_ztauth_main_conf_t *zmcf;

  cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

  h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
  if (h == NULL) {
    return NGX_ERROR;
  }

  *h = ngx_http_ztauth_handler;

  zmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ztauth_module);

  if (zmcf->used && ngx_http_ztauth_peer_init(cf) != NGX_OK) {
    return NGX_ERROR;
  }

  return NGX_OK;
}
