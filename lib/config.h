/* Engine configuration: mesh settings, limits, clock and allocator. */
#ifndef ZT_CONFIG_H
#define ZT_CONFIG_H

#include <stdint.h>

#include "ztauth.h"

#define ZT_NS_MAX 63
#define ZT_TD_MAX 255
#define ZT_ALIASES_MAX 64
#define ZT_PROVIDERS_MAX 32
#define ZT_PROVIDER_NAME_MAX 63
#define ZT_TRUSTED_PROXIES_MAX 64

typedef struct zt_name {
  char s[ZT_TD_MAX + 1];
  uint32_t len;
} zt_name;

/* An external authorization provider (meshConfig.extensionProviders). */
typedef struct zt_provider_cfg {
  char name[ZT_PROVIDER_NAME_MAX + 1];
  uint32_t len;
  uint32_t kind; /* ZT_PROVIDER_* */
  uint32_t fail_open;
  int32_t status_on_error; /* 0 = 403 */
} zt_provider_cfg;

struct zt_config {
  zt_allocator mem;
  zt_name root_ns;
  zt_name trust_domain;
  zt_name aliases[ZT_ALIASES_MAX];
  uint32_t n_aliases;
  uint32_t path_normalization;
  zt_clock_fn clock;
  void *clock_ctx;
  uint64_t limits[ZT_LIMIT_COUNT];
  uint64_t options[ZT_OPT_COUNT];
  zt_provider_cfg providers[ZT_PROVIDERS_MAX];
  uint32_t n_providers;
};

/* The provider of that name, or NULL. */
const zt_provider_cfg *zt_config_provider(const zt_config *cfg,
                                          const char *name, size_t len);

struct zt_yaml_limits;
/* The YAML reader's limits from the configuration's. */
void zt_config_yaml_limits(const zt_config *cfg, struct zt_yaml_limits *out);
int64_t zt_config_now(const zt_config *cfg);

#endif
