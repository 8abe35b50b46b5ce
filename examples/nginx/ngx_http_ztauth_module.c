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

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ztauth.h>


#define NGX_HTTP_ZTAUTH_MAX_FILE  (16 * 1024 * 1024)


typedef struct {
    ngx_str_t                  a;
    ngx_str_t                  b;
} ngx_http_ztauth_pair_t;


typedef struct {
    ngx_flag_t                 used;
    ngx_array_t               *policies;        /* ngx_str_t */
    ngx_str_t                  mesh;
    ngx_array_t               *bundles;         /* ngx_http_ztauth_pair_t */
    ngx_array_t               *jwks;            /* ngx_http_ztauth_pair_t */
    ngx_int_t                  trusted_proxies;

    zt_engine                 *engine;
    zt_snapshot               *snap;
} ngx_http_ztauth_main_conf_t;


typedef struct {
    ngx_flag_t                 enable;
    zt_workload               *workload;
    ngx_str_t                  service_account;
    ngx_uint_t                 port;            /* 0: the listening port */
} ngx_http_ztauth_loc_conf_t;


/* The peer of one connection, verified once (hung on the connection's
 * pool, which lives as long as the connection and across keepalive). */
typedef struct {
    ngx_uint_t                 verified;
    ngx_uint_t                 mtls;
    ngx_str_t                  spiffe_id;      /* "spiffe://td/ns/N/sa/S" */
    ngx_str_t                  chain;          /* kept only when refused */
    ngx_str_t                  local_ip;
    in_port_t                  local_port;
    u_char                     local_text[NGX_SOCKADDR_STRLEN];
} ngx_http_ztauth_conn_t;


/* A request mutation asked by request authentication. */
typedef struct {
    uint32_t                   op;
    ngx_str_t                  name;
    ngx_str_t                  value;
} ngx_http_ztauth_op_t;


/* The decision of one main request. It hangs on r->main's pool (not on
 * r->ctx, which internal redirects zero) so that a redirected request is
 * not decided twice and the variables see it in the log phase. */
typedef struct {
    ngx_uint_t                 decided;
    ngx_int_t                  rc;             /* what the handler returned */
    uint32_t                   decision;
    uint32_t                   reason;
    ngx_str_t                  policy;
    ngx_str_t                  principal;
    ngx_str_t                  request_principal;
} ngx_http_ztauth_req_t;


typedef struct {
    ngx_http_request_t        *r;
    ngx_array_t               *ops;            /* ngx_http_ztauth_op_t */
    ngx_http_ztauth_req_t     *rq;
    ngx_uint_t                 failed;
} ngx_http_ztauth_out_ctx_t;


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
static char *ngx_http_ztauth_trusted_proxies(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

static ngx_int_t ngx_http_ztauth_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_command_t  ngx_http_ztauth_commands[] = {

    { ngx_string("ztauth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_ztauth_enable,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ztauth_loc_conf_t, enable),
      NULL },

    { ngx_string("ztauth_policy"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ztauth_policy,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ztauth_mesh"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ztauth_mesh,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ztauth_trust_bundle"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_ztauth_pair,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_ztauth_main_conf_t, bundles),
      NULL },

    { ngx_string("ztauth_jwks"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_ztauth_pair,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_ztauth_main_conf_t, jwks),
      NULL },

    { ngx_string("ztauth_workload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ztauth_workload,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* An engine setting (numTrustedProxies): accepted in server blocks
     * for convenience, but one value holds for the whole configuration. */
    { ngx_string("ztauth_trusted_proxies"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_http_ztauth_trusted_proxies,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ztauth_module_ctx = {
    ngx_http_ztauth_add_variables,         /* preconfiguration */
    ngx_http_ztauth_init,                  /* postconfiguration */

    ngx_http_ztauth_create_main_conf,      /* create main configuration */
    ngx_http_ztauth_init_main_conf,        /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ztauth_create_loc_conf,       /* create location configuration */
    ngx_http_ztauth_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_ztauth_module = {
    NGX_MODULE_V1,
    &ngx_http_ztauth_module_ctx,           /* module context */
    ngx_http_ztauth_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


enum {
    NGX_HTTP_ZTAUTH_VAR_DECISION,
    NGX_HTTP_ZTAUTH_VAR_REASON,
    NGX_HTTP_ZTAUTH_VAR_POLICY,
    NGX_HTTP_ZTAUTH_VAR_PRINCIPAL,
    NGX_HTTP_ZTAUTH_VAR_REQUEST_PRINCIPAL
};


/* Not cacheable: a variable read before the access phase (in a rewrite)
 * must not freeze an empty value for the log. */
static ngx_http_variable_t  ngx_http_ztauth_vars[] = {

    { ngx_string("ztauth_decision"), NULL, ngx_http_ztauth_variable,
      NGX_HTTP_ZTAUTH_VAR_DECISION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ztauth_reason"), NULL, ngx_http_ztauth_variable,
      NGX_HTTP_ZTAUTH_VAR_REASON, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ztauth_policy"), NULL, ngx_http_ztauth_variable,
      NGX_HTTP_ZTAUTH_VAR_POLICY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ztauth_principal"), NULL, ngx_http_ztauth_variable,
      NGX_HTTP_ZTAUTH_VAR_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ztauth_request_principal"), NULL, ngx_http_ztauth_variable,
      NGX_HTTP_ZTAUTH_VAR_REQUEST_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_ztauth_text_plain = ngx_string("text/plain");


/* ---- configuration ---------------------------------------------------- */


static void *
ngx_http_ztauth_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_ztauth_main_conf_t  *zmcf;

    zmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ztauth_main_conf_t));
    if (zmcf == NULL) {
        return NULL;
    }

    zmcf->trusted_proxies = NGX_CONF_UNSET;

    return zmcf;
}


static void *
ngx_http_ztauth_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ztauth_loc_conf_t  *zlcf;

    zlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ztauth_loc_conf_t));
    if (zlcf == NULL) {
        return NULL;
    }

    zlcf->enable = NGX_CONF_UNSET;
    zlcf->port = NGX_CONF_UNSET_UINT;

    return zlcf;
}


static char *
ngx_http_ztauth_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ztauth_loc_conf_t *prev = parent;
    ngx_http_ztauth_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

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
                           "use \"satisfy all\"", &clcf->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_ztauth_mark_used(ngx_conf_t *cf)
{
    ngx_http_ztauth_main_conf_t  *zmcf;

    zmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ztauth_module);
    zmcf->used = 1;
}


static char *
ngx_http_ztauth_enable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ztauth_mark_used(cf);

    return ngx_conf_set_flag_slot(cf, cmd, conf);
}


static char *
ngx_http_ztauth_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ztauth_main_conf_t *zmcf = conf;

    ngx_str_t  *value, *path;

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


static char *
ngx_http_ztauth_mesh(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ztauth_main_conf_t *zmcf = conf;

    ngx_str_t  *value;

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


/* ztauth_trust_bundle TRUST_DOMAIN PATH; ztauth_jwks URI PATH; */
static char *
ngx_http_ztauth_pair(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ztauth_main_conf_t *zmcf = conf;

    ngx_str_t               *value;
    ngx_uint_t               i;
    ngx_array_t            **a;
    ngx_http_ztauth_pair_t  *p;

    zmcf->used = 1;
    a = (ngx_array_t **) ((char *) conf + cmd->offset);

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
        if (p[i].a.len == value[1].len
            && ngx_strncmp(p[i].a.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate \"%V\" for \"%V\"",
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

    if (ngx_conf_full_name(cf->cycle, &p->b, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ztauth_trusted_proxies(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ztauth_main_conf_t *zmcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);
    if (n == NGX_ERROR || n > 64) {
        return "needs a number of proxies from 0 to 64";
    }

    if (zmcf->trusted_proxies != NGX_CONF_UNSET
        && zmcf->trusted_proxies != n)
    {
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
static char *
ngx_http_ztauth_workload(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ztauth_loc_conf_t *zlcf = conf;

    u_char       *eq;
    ngx_str_t    *value, v;
    ngx_int_t     port;
    ngx_uint_t    i, n;
    zt_kv        *labels;
    zt_workload  *wl;

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

            wl->ns.ptr = (const char *) v.data;
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

            labels[n].key.ptr = (const char *) v.data;
            labels[n].key.len = eq - v.data;
            labels[n].value.ptr = (const char *) eq + 1;
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


static ngx_int_t
ngx_http_ztauth_read_file(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *out)
{
    off_t            size;
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

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
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is larger than %d bytes",
                           name, NGX_HTTP_ZTAUTH_MAX_FILE);
        goto failed;
    }

    out->data = ngx_pnalloc(cf->temp_pool, (size_t) size + 1);
    if (out->data == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, out->data, (size_t) size);
    if (n != (ssize_t) size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%V\" failed", name);
        goto failed;
    }

    out->len = (size_t) size;
    out->data[size] = '\0';

    ngx_close_file(fd);
    return NGX_OK;

failed:

    ngx_close_file(fd);
    return NGX_ERROR;
}


/* The library's own message, "file:line:col: error: ..." as its CLI. */
static void
ngx_http_ztauth_log_diag(ngx_conf_t *cf, const zt_diag *d)
{
    ngx_uint_t   level;
    const char  *sev;

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

    if (d->kind[0] && d->name[0]) {
        ngx_conf_log_error(level, cf, 0, "ztauth: %s:%uD:%uD: %s: %s %s/%s: %s",
                           d->file, d->line, d->column, sev, d->kind, d->ns,
                           d->name, d->message);

    } else {
        ngx_conf_log_error(level, cf, 0, "ztauth: %s:%uD:%uD: %s: %s",
                           d->file, d->line, d->column, sev, d->message);
    }
}


typedef struct {
    ngx_conf_t  *cf;
    ngx_uint_t   errors;
} ngx_http_ztauth_report_t;


static void
ngx_http_ztauth_report(void *ctx, const zt_diag *d)
{
    ngx_http_ztauth_report_t  *rep = ctx;

    if (d->severity == ZT_SEVERITY_ERROR) {
        rep->errors++;
    }

    ngx_http_ztauth_log_diag(rep->cf, d);
}


static void
ngx_http_ztauth_cleanup_engine(void *data)
{
    ngx_http_ztauth_main_conf_t  *zmcf = data;

    /* every snapshot must be released before its engine is freed */
    zt_snapshot_release(zmcf->snap);
    zmcf->snap = NULL;
    zt_engine_free(zmcf->engine);
    zmcf->engine = NULL;
}


static char *
ngx_http_ztauth_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_ztauth_main_conf_t *zmcf = conf;

    int                        rc;
    ngx_str_t                  doc, *path;
    zt_diag                    diag;
    ngx_uint_t                 i;
    zt_config                 *cfg;
    zt_loader                 *loader;
    ngx_pool_cleanup_t        *cln;
    ngx_http_ztauth_pair_t    *p;
    ngx_http_ztauth_report_t   rep;

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

        rc = zt_config_load_mesh(cfg, (const char *) doc.data, doc.len,
                                 (const char *) zmcf->mesh.data,
                                 zmcf->mesh.len, &diag);
        if (rc != ZT_OK) {
            ngx_http_ztauth_log_diag(cf, &diag);
            zt_config_free(cfg);
            return NGX_CONF_ERROR;
        }
    }

    if (zmcf->trusted_proxies != NGX_CONF_UNSET
        && zt_config_set_option(cfg, ZT_OPT_TRUSTED_PROXIES,
                                (uint64_t) zmcf->trusted_proxies)
           != ZT_OK)
    {
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
    (void) zt_loader_set_report(loader, ngx_http_ztauth_report, &rep);

    if (zmcf->policies) {
        path = zmcf->policies->elts;

        for (i = 0; i < zmcf->policies->nelts; i++) {
            /* errors are kept by the loader and refuse the commit */
            (void) zt_loader_add_path(loader, (const char *) path[i].data,
                                      path[i].len, &diag);
        }

    } else {
        /* no policy at all is a valid set: everything is allowed */
        (void) zt_loader_add_yaml(loader, NULL, 0, "none", 4, &diag);
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

            rc = zt_engine_set_trust_bundle(zmcf->engine,
                                            (const char *) p[i].a.data,
                                            p[i].a.len,
                                            (const char *) doc.data, doc.len,
                                            &diag);
            if (rc != ZT_OK) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "ztauth: trust bundle \"%V\" for \"%V\": "
                                   "%s", &p[i].b, &p[i].a, diag.message);
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

            rc = zt_engine_set_jwks(zmcf->engine, (const char *) p[i].a.data,
                                    p[i].a.len, (const char *) doc.data,
                                    doc.len, &diag);
            if (rc != ZT_OK) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "ztauth: key set \"%V\" for \"%V\": %s",
                                   &p[i].b, &p[i].a, diag.message);
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


/* ---- per-connection peer identity ------------------------------------- */


static void
ngx_http_ztauth_cleanup_tag(void *data)
{
    /* a tag: finds our structures among a pool's cleanups */
}


static void *
ngx_http_ztauth_pool_find(ngx_pool_t *pool)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ztauth_cleanup_tag) {
            return cln->data;
        }
    }

    return NULL;
}


static void *
ngx_http_ztauth_pool_attach(ngx_pool_t *pool, size_t size)
{
    ngx_pool_cleanup_t  *cln;

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
    void *ctx, u_char **out, size_t *out_len)
{
    int               i, n, len;
    X509             *leaf;
    u_char           *p;
    size_t            total;
    ngx_int_t         rc;
    STACK_OF(X509)   *chain;

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
    (void) i2d_X509(leaf, &p);

    for (i = 0; i < n; i++) {
        (void) i2d_X509(sk_X509_value(chain, i), &p);
    }

    *out_len = p - *out;
    rc = NGX_OK;

done:

    X509_free(leaf);
    return rc;
}


static void *
ngx_http_ztauth_palloc(void *ctx, size_t size)
{
    return ngx_pnalloc(ctx, size);
}


static void *
ngx_http_ztauth_malloc(void *ctx, size_t size)
{
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
static int
ngx_http_ztauth_ticket_gen(SSL *ssl, void *arg)
{
    u_char     *der;
    size_t      len;
    ngx_int_t   rc;

    if (SSL_session_reused(ssl)) {
        /* the session (and its ticket data) came from a ticket */
        return 1;
    }

    rc = ngx_http_ztauth_der_chain(ssl, ngx_http_ztauth_malloc,
                                   ngx_cycle->log, &der, &len);
    if (rc != NGX_OK) {
        /* no client certificate, or no memory: a resumption will then
         * lack the intermediates and be refused, never accepted */
        return 1;
    }

    (void) SSL_SESSION_set1_ticket_appdata(SSL_get0_session(ssl), der, len);
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


static int
ngx_http_ztauth_new_session(SSL *ssl, SSL_SESSION *sess)
{
    u_char  *der;
    size_t   len;

    if (!SSL_session_reused(ssl)
        && ngx_http_ztauth_der_chain(ssl, ngx_http_ztauth_malloc,
                                     ngx_cycle->log, &der, &len)
           == NGX_OK)
    {
        (void) SSL_SESSION_set1_ticket_appdata(sess, der, len);
        ngx_free(der);
    }

    return ngx_http_ztauth_new_session_next(ssl, sess);
}


static ngx_int_t
ngx_http_ztauth_set_ticket_cb(ngx_conf_t *cf)
{
    int (*cb)(SSL *ssl, SSL_SESSION *sess);

    ngx_uint_t                  s;
    ngx_http_ssl_srv_conf_t    *sscf;
    ngx_http_core_srv_conf_t  **cscfp;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        sscf = cscfp[s]->ctx->srv_conf[ngx_http_ssl_module.ctx_index];

        if (sscf == NULL || sscf->ssl.ctx == NULL) {
            continue;
        }

        if (SSL_CTX_set_session_ticket_cb(sscf->ssl.ctx,
                                          ngx_http_ztauth_ticket_gen, NULL,
                                          NULL)
            != 1)
        {
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
            SSL_CTX_sess_set_new_cb(sscf->ssl.ctx,
                                    ngx_http_ztauth_new_session);
        }
    }

    return NGX_OK;
}

#define NGX_HTTP_ZTAUTH_TICKET_DATA  1

#endif


/* The chain of a connection: the one the client sent, or on a resumed
 * session the one kept in its ticket data. */
static ngx_int_t
ngx_http_ztauth_peer_chain(ngx_connection_t *c, ngx_str_t *out)
{
    ngx_int_t  rc;

    out->len = 0;
    out->data = NULL;

#if (NGX_HTTP_ZTAUTH_TICKET_DATA)

    if (SSL_session_reused(c->ssl->connection)) {
        void    *data;
        size_t   len;

        if (SSL_SESSION_get0_ticket_appdata(
                SSL_get0_session(c->ssl->connection), &data, &len) == 1
            && len > 0)
        {
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


static ngx_http_ztauth_conn_t *
ngx_http_ztauth_conn(ngx_http_request_t *r, ngx_http_ztauth_main_conf_t *zmcf)
{
    ngx_str_t                s;
    ngx_connection_t        *c;
    ngx_http_ztauth_conn_t  *zc;

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
        zt_svid    svid;
        ngx_int_t  rc;

        rc = ngx_http_ztauth_peer_chain(c, &zc->chain);
        if (rc == NGX_ERROR) {
            return NULL;
        }

        if (rc == NGX_OK) {
            zc->mtls = 1;

            /* the SPIFFE ID is what the peer is; a chain that is not a
             * valid SVID is kept and handed to zt_decide, which refuses
             * the connection with the precise reason */
            if (zt_svid_verify(zmcf->snap, (const char *) zc->chain.data,
                               zc->chain.len, ZT_ROLE_CLIENT, &svid)
                == ZT_OK)
            {
                zc->spiffe_id.data = ngx_pnalloc(c->pool, svid.spiffe_id_len);
                if (zc->spiffe_id.data == NULL) {
                    return NULL;
                }

                ngx_memcpy(zc->spiffe_id.data, svid.spiffe_id,
                           svid.spiffe_id_len);
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


/* ---- the request view ------------------------------------------------- */


static int
ngx_http_ztauth_header(void *ctx, const char *name, size_t name_len,
    size_t index, zt_str *value)
{
    ngx_http_request_t  *r = ctx;

    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != name_len
            || ngx_strncasecmp(h[i].key.data, (u_char *) name, name_len) != 0)
        {
            continue;
        }

        if (index-- == 0) {
            value->ptr = (const char *) h[i].value.data;
            value->len = h[i].value.len;
            return 1;
        }
    }
}


static u_char *
ngx_http_ztauth_strdup(ngx_pool_t *pool, const char *s, size_t len)
{
    u_char  *p;

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
static void
ngx_http_ztauth_output(void *ctx, uint32_t op, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
    ngx_http_ztauth_out_ctx_t  *oc = ctx;

    u_char                *p;
    ngx_http_ztauth_op_t  *o;

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
static ngx_int_t
ngx_http_ztauth_mutate(ngx_http_request_t *r, ngx_array_t *ops)
{
    ngx_uint_t             i, j, drop, changed;
    ngx_list_t             headers;
    ngx_list_part_t       *part;
    ngx_table_elt_t       *h, *nh;
    ngx_http_ztauth_op_t  *o;

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

    if (ngx_list_init(&headers, r->pool, 20, sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        drop = 0;

        for (j = 0; j < ops->nelts; j++) {
            if ((o[j].op == ZT_OUT_REMOVE_HEADER
                 || o[j].op == ZT_OUT_SET_HEADER)
                && h[i].key.len == o[j].name.len
                && ngx_strncasecmp(h[i].key.data, o[j].name.data,
                                   o[j].name.len) == 0)
            {
                drop = 1;
                break;
            }
        }

        if (drop) {
            if (r->headers_in.authorization == &h[i]) {
                r->headers_in.authorization = NULL;
            }

            continue;
        }

        nh = ngx_list_push(&headers);
        if (nh == NULL) {
            return NGX_ERROR;
        }

        *nh = h[i];
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
        nh->lowcase_key = o[j].name.data;   /* the library gives lowercase */
        nh->hash = ngx_hash_key(nh->lowcase_key, nh->key.len);
    }

    r->headers_in.headers = headers;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ztauth_reply(ngx_http_request_t *r, ngx_array_t *ops,
    const zt_decision *d)
{
    ngx_int_t                  rc;
    ngx_uint_t                 j;
    ngx_table_elt_t           *h;
    ngx_http_ztauth_op_t      *o;
    ngx_http_complex_value_t   cv;

    o = ops->elts;

    for (j = 0; j < ops->nelts; j++) {
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

        if (o[j].name.len == sizeof("www-authenticate") - 1
            && ngx_strncasecmp(o[j].name.data, (u_char *) "www-authenticate",
                               o[j].name.len) == 0)
        {
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
    cv.value.data = (u_char *) d->message;
    cv.value.len = ngx_strlen(d->message);

    rc = ngx_http_send_response(r, d->status, &ngx_http_ztauth_text_plain,
                                &cv);

    /* as the rewrite phase does after "return": finalize here, then tell
     * the access phase that the request is taken care of */
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_ztauth_handler(ngx_http_request_t *r)
{
    int                           rc;
    size_t                        n;
    ngx_str_t                     authority;
    zt_request                    req;
    zt_decision                   d;
    ngx_array_t                  *ops;
    ngx_table_elt_t              *host;
    ngx_http_ztauth_req_t        *rq;
    ngx_http_ztauth_conn_t       *zc;
    ngx_http_ztauth_out_ctx_t     oc;
    ngx_http_ztauth_loc_conf_t   *zlcf;
    ngx_http_ztauth_main_conf_t  *zmcf;

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

    zmcf = ngx_http_get_module_main_conf(r, ngx_http_ztauth_module);
    if (zmcf->snap == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rq == NULL) {
        rq = ngx_http_ztauth_pool_attach(r->pool,
                                         sizeof(ngx_http_ztauth_req_t));
        if (rq == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    zc = ngx_http_ztauth_conn(r, zmcf);
    if (zc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ops = ngx_array_create(r->pool, 4, sizeof(ngx_http_ztauth_op_t));
    if (ops == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&req, sizeof(zt_request));

    req.workload = zlcf->workload;
    req.protocol = ZT_PROTO_HTTP;

    if (zc->chain.len) {
        /* a chain that failed verification: let the library refuse it */
        req.peer_chain.ptr = (const char *) zc->chain.data;
        req.peer_chain.len = zc->chain.len;

    } else if (zc->mtls) {
        req.mtls = 1;
        req.peer_id.ptr = (const char *) zc->spiffe_id.data;
        req.peer_id.len = zc->spiffe_id.len;
    }

#if (NGX_HTTP_SSL && defined SSL_CTRL_SET_TLSEXT_HOSTNAME)
    if (r->connection->ssl) {
        const char  *sni;

        /* owned by the TLS session, which outlives the decision */
        sni = SSL_get_servername(r->connection->ssl->connection,
                                 TLSEXT_NAMETYPE_host_name);
        if (sni) {
            req.sni.ptr = sni;
            req.sni.len = ngx_strlen(sni);
        }
    }
#endif

    req.source_ip.ptr = (const char *) r->connection->addr_text.data;
    req.source_ip.len = r->connection->addr_text.len;
    req.destination_ip.ptr = (const char *) zc->local_ip.data;
    req.destination_ip.len = zc->local_ip.len;
    req.destination_port = zlcf->port ? zlcf->port : zc->local_port;

    req.method.ptr = (const char *) r->method_name.data;
    req.method.len = r->method_name.len;

    host = r->headers_in.host;
    authority = host ? host->value : r->headers_in.server;
    req.authority.ptr = (const char *) authority.data;
    req.authority.len = authority.len;

    req.path.ptr = (const char *) r->unparsed_uri.data;
    req.path.len = r->unparsed_uri.len;

    req.header = ngx_http_ztauth_header;
    req.header_ctx = r;

    oc.r = r;
    oc.ops = ops;
    oc.rq = rq;
    oc.failed = 0;
    req.output = ngx_http_ztauth_output;
    req.output_ctx = &oc;

    rc = zt_decide(zmcf->snap, &req, &d);

    rq->decided = 1;
    rq->decision = d.decision;
    rq->reason = d.reason;

    if (zc->mtls && zc->spiffe_id.len > 9) {
        /* Istio's principal: the SPIFFE ID without its scheme */
        rq->principal.data = zc->spiffe_id.data + 9;
        rq->principal.len = zc->spiffe_id.len - 9;
    }

    n = zt_policy_ref_format(&d.policy, NULL, 0);
    if (n) {
        rq->policy.data = ngx_pnalloc(r->pool, n + 1);
        if (rq->policy.data) {
            (void) zt_policy_ref_format(&d.policy, (char *) rq->policy.data,
                                        n + 1);
            rq->policy.len = n;
        }
    }

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
        if (ngx_http_ztauth_mutate(r, ops) != NGX_OK) {
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

    if (d.status < NGX_HTTP_BAD_REQUEST || d.status > 599) {
        rq->rc = NGX_HTTP_FORBIDDEN;
        return NGX_HTTP_FORBIDDEN;
    }

    /* a redirected request that comes back (error_page) gets the status */
    rq->rc = d.status;

    return ngx_http_ztauth_reply(r, ops, &d);
}


/* ---- variables -------------------------------------------------------- */


static ngx_int_t
ngx_http_ztauth_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    const char             *s;
    ngx_str_t               str;
    ngx_http_ztauth_req_t  *rq;

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
        str.data = (u_char *) s;
        str.len = ngx_strlen(s);
        break;

    case NGX_HTTP_ZTAUTH_VAR_POLICY:
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


static ngx_int_t
ngx_http_ztauth_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

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


static ngx_int_t
ngx_http_ztauth_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ztauth_handler;

#if (NGX_HTTP_ZTAUTH_TICKET_DATA)
    {
        ngx_http_ztauth_main_conf_t  *zmcf;

        zmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ztauth_module);

        if (zmcf->used && ngx_http_ztauth_set_ticket_cb(cf) != NGX_OK) {
            return NGX_ERROR;
        }
    }
#endif

    return NGX_OK;
}
