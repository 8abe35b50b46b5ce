/* Engine configuration: mesh settings, limits, clock and allocator. */
#ifndef ZT_CONFIG_H
#define ZT_CONFIG_H

#include <stdint.h>

#include "ztauth.h"

#define ZT_NS_MAX 63
#define ZT_TD_MAX 255
#define ZT_ALIASES_MAX 64

typedef struct zt_name {
  char s[ZT_TD_MAX + 1];
  uint32_t len;
} zt_name;

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
};

struct zt_yaml_limits;
/* The YAML reader's limits from the configuration's. */
void zt_config_yaml_limits(const zt_config *cfg, struct zt_yaml_limits *out);
int64_t zt_config_now(const zt_config *cfg);

#endif
