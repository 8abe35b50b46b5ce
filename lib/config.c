#include "config.h"

#include <string.h>
#include <time.h>

#include "alloc.h"
#include "syntax.h"
#include "yamltree.h"

/* Defaults sized for real meshes with room to spare, and caps that keep a
 * hostile file from taking the host down (docs/limits.md). */
static const uint64_t limit_default[ZT_LIMIT_COUNT] = {
    [ZT_LIMIT_SOURCE_BYTES] = 64u << 20,
    [ZT_LIMIT_DOCUMENTS] = 100000,
    [ZT_LIMIT_DEPTH] = 64,
    [ZT_LIMIT_SCALAR_BYTES] = 256u << 10,
    [ZT_LIMIT_NODES] = 4000000,
};
static const uint64_t limit_max[ZT_LIMIT_COUNT] = {
    [ZT_LIMIT_SOURCE_BYTES] = 1u << 30,
    [ZT_LIMIT_DOCUMENTS] = 10000000,
    [ZT_LIMIT_DEPTH] = 256,
    [ZT_LIMIT_SCALAR_BYTES] = 16u << 20,
    [ZT_LIMIT_NODES] = 100000000,
};

static int64_t system_clock(void *ctx) {
  (void)ctx;
  return (int64_t)time(NULL);
}

static void set_name(zt_name *n, const char *s, size_t len) {
  memcpy(n->s, s, len);
  n->s[len] = '\0';
  n->len = (uint32_t)len;
}

static void config_defaults(zt_config *cfg, const zt_allocator *mem) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->mem = mem ? *mem : zt_default_allocator;
  set_name(&cfg->root_ns, "istio-system", 12);
  set_name(&cfg->trust_domain, "cluster.local", 13);
  cfg->path_normalization = ZT_PATH_BASE;
  cfg->clock = system_clock;
  memcpy(cfg->limits, limit_default, sizeof(cfg->limits));
  cfg->options[ZT_OPT_JWT_CLOCK_SKEW] = 60; /* Envoy's default */
  cfg->options[ZT_OPT_JWT_CACHE_ENTRIES] = 1024;
  cfg->options[ZT_OPT_SVID_CACHE_ENTRIES] = 1024;
}

int zt_config_new(zt_config **out, const zt_allocator *mem) {
  if (!out)
    return ZT_EINVAL;
  *out = NULL;
  if (mem && !mem->realloc)
    return ZT_EINVAL;
  const zt_allocator *a = mem ? mem : &zt_default_allocator;
  zt_config *cfg = zt_alloc(a, sizeof(*cfg));
  if (!cfg)
    return ZT_ENOMEM;
  config_defaults(cfg, a);
  *out = cfg;
  return ZT_OK;
}

void zt_config_free(zt_config *cfg) {
  if (cfg) {
    zt_allocator mem = cfg->mem;
    zt_free(&mem, cfg);
  }
}

int zt_config_set_root_namespace(zt_config *cfg, const char *ns, size_t len) {
  if (!cfg || (!ns && len) || !zt_syn_dns1123_label(ns, len))
    return ZT_EINVAL;
  set_name(&cfg->root_ns, ns, len);
  return ZT_OK;
}

/* A trust domain name: 1..255 bytes of lowercase letters, digits, '.', '-'
 * and '_' (the SPIFFE trust domain characters). */
static int check_trust_domain(const char *td, size_t len) {
  if (!td || len == 0 || len > ZT_TD_MAX)
    return ZT_EINVAL;
  for (size_t i = 0; i < len; i++) {
    char c = td[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-' || c == '_'))
      return ZT_EINVAL;
  }
  return ZT_OK;
}

int zt_config_set_trust_domain(zt_config *cfg, const char *td, size_t len) {
  if (!cfg || check_trust_domain(td, len) != ZT_OK)
    return ZT_EINVAL;
  set_name(&cfg->trust_domain, td, len);
  return ZT_OK;
}

int zt_config_add_trust_domain_alias(zt_config *cfg, const char *td,
                                     size_t len) {
  if (!cfg || check_trust_domain(td, len) != ZT_OK)
    return ZT_EINVAL;
  for (uint32_t i = 0; i < cfg->n_aliases; i++)
    if (cfg->aliases[i].len == len && memcmp(cfg->aliases[i].s, td, len) == 0)
      return ZT_OK;
  if (cfg->n_aliases >= ZT_ALIASES_MAX)
    return ZT_ELIMIT;
  set_name(&cfg->aliases[cfg->n_aliases++], td, len);
  return ZT_OK;
}

int zt_config_set_path_normalization(zt_config *cfg, uint32_t mode) {
  if (!cfg || mode > ZT_PATH_DECODE_AND_MERGE_SLASHES)
    return ZT_EINVAL;
  cfg->path_normalization = mode;
  return ZT_OK;
}

int zt_config_set_clock(zt_config *cfg, zt_clock_fn fn, void *ctx) {
  if (!cfg)
    return ZT_EINVAL;
  cfg->clock = fn ? fn : system_clock;
  cfg->clock_ctx = fn ? ctx : NULL;
  return ZT_OK;
}

int zt_config_set_limit(zt_config *cfg, uint32_t id, uint64_t value) {
  if (!cfg || id >= ZT_LIMIT_COUNT || value == 0 || value > limit_max[id])
    return ZT_EINVAL;
  cfg->limits[id] = value;
  return ZT_OK;
}

uint64_t zt_config_get_limit(const zt_config *cfg, uint32_t id) {
  if (id >= ZT_LIMIT_COUNT)
    return 0;
  return cfg ? cfg->limits[id] : limit_default[id];
}

int zt_config_set_option(zt_config *cfg, uint32_t id, uint64_t value) {
  if (!cfg || id >= ZT_OPT_COUNT)
    return ZT_EINVAL;
  uint64_t min = 0, max = 1;
  switch (id) {
  case ZT_OPT_TRUSTED_PROXIES:
    max = ZT_TRUSTED_PROXIES_MAX;
    break;
  case ZT_OPT_JWT_CLOCK_SKEW:
    max = 86400;
    break;
  case ZT_OPT_JWT_FAILURE_STATUS:
    /* 0 keeps Envoy's 401/403 split. */
    min = value ? 400 : 0;
    max = 599;
    break;
  case ZT_OPT_JWT_CACHE_ENTRIES:
  case ZT_OPT_SVID_CACHE_ENTRIES:
    max = 1u << 20;
    break;
  }
  if (value < min || value > max)
    return ZT_EINVAL;
  cfg->options[id] = value;
  return ZT_OK;
}

uint64_t zt_config_get_option(const zt_config *cfg, uint32_t id) {
  return cfg && id < ZT_OPT_COUNT ? cfg->options[id] : 0;
}

const zt_provider_cfg *zt_config_provider(const zt_config *cfg,
                                          const char *name, size_t len) {
  for (uint32_t i = 0; i < cfg->n_providers; i++)
    if (cfg->providers[i].len == len &&
        memcmp(cfg->providers[i].name, name, len) == 0)
      return &cfg->providers[i];
  return NULL;
}

int zt_config_add_provider(zt_config *cfg, const char *name, size_t len,
                           uint32_t kind, uint32_t fail_open,
                           int32_t status_on_error) {
  if (!cfg || (!name && len) || !zt_syn_provider_name(name, len) ||
      kind > ZT_PROVIDER_GRPC || fail_open > 1 ||
      (status_on_error != 0 &&
       (status_on_error < 100 || status_on_error > 599)))
    return ZT_EINVAL;
  zt_provider_cfg *p = (zt_provider_cfg *)zt_config_provider(cfg, name, len);
  if (!p) {
    if (cfg->n_providers >= ZT_PROVIDERS_MAX)
      return ZT_ELIMIT;
    p = &cfg->providers[cfg->n_providers++];
  }
  memcpy(p->name, name, len);
  p->name[len] = '\0';
  p->len = (uint32_t)len;
  p->kind = kind;
  p->fail_open = fail_open;
  p->status_on_error = status_on_error;
  return ZT_OK;
}

int64_t zt_config_now(const zt_config *cfg) {
  return cfg->clock(cfg->clock_ctx);
}

void zt_config_yaml_limits(const zt_config *cfg, zt_yaml_limits *out) {
  out->max_bytes = cfg->limits[ZT_LIMIT_SOURCE_BYTES];
  out->max_depth = (uint32_t)cfg->limits[ZT_LIMIT_DEPTH];
  out->max_scalar = (uint32_t)cfg->limits[ZT_LIMIT_SCALAR_BYTES];
  out->max_nodes = (uint32_t)cfg->limits[ZT_LIMIT_NODES];
}
