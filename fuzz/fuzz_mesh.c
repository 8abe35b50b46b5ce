/* MeshConfig YAML on arbitrary bytes: no crash, and a failed load leaves
 * the configuration exactly as it was. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ztauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zt_config *cfg = NULL;
  zt_diag d;
  if (zt_config_new(&cfg, NULL) != ZT_OK)
    return 0;
  (void)zt_config_set_limit(cfg, ZT_LIMIT_NODES, 100000);
  zt_config before = *cfg;
  int rc = zt_config_load_mesh(cfg, (const char *)data, size, "fuzz", 4, &d);
  if (rc != ZT_OK && (memcmp(&before, cfg, sizeof(before)) != 0 ||
                      d.code != rc || !d.message[0]))
    abort();
  if (rc == ZT_OK &&
      zt_config_set_root_namespace(cfg, cfg->root_ns.s, cfg->root_ns.len))
    abort(); /* what was loaded must itself be a valid setting */
  zt_config_free(cfg);
  return 0;
}
