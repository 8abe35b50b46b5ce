/* The policy loader on arbitrary bytes: parse, validate, commit and read
 * back. It must never crash, leak or hang, and a commit must succeed
 * exactly when the loader saw no error. */
#include <stdint.h>
#include <stdlib.h>

#include "ztauth.h"

static void check(int cond) {
  if (!cond)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zt_config *cfg = NULL;
  zt_engine *engine = NULL;
  zt_loader *loader = NULL;
  zt_diag d;
  if (zt_config_new(&cfg, NULL) != ZT_OK)
    return 0;
  /* Small limits keep each input fast while still reaching every limit. */
  (void)zt_config_set_limit(cfg, ZT_LIMIT_SOURCE_BYTES, 1 << 20);
  (void)zt_config_set_limit(cfg, ZT_LIMIT_DEPTH, 32);
  (void)zt_config_set_limit(cfg, ZT_LIMIT_NODES, 100000);
  (void)zt_config_set_limit(cfg, ZT_LIMIT_DOCUMENTS, 1000);
  int rc = zt_engine_new(&engine, cfg, &d);
  zt_config_free(cfg);
  if (rc != ZT_OK)
    return 0;
  if (zt_loader_new(engine, &loader) == ZT_OK) {
    int added =
        zt_loader_add_yaml(loader, (const char *)data, size, "fuzz", 4, &d);
    check(added == ZT_OK || d.code == added);
    int valid = zt_loader_validate(loader, &d);
    check((valid == ZT_OK) == (zt_loader_error_count(loader) == 0));
    int committed = zt_engine_commit(engine, loader, &d);
    check((committed == ZT_OK) == (valid == ZT_OK));
    zt_snapshot *snap = NULL;
    if (zt_engine_acquire(engine, &snap) == ZT_OK) {
      check(zt_snapshot_generation(snap) == (committed == ZT_OK ? 1u : 0u));
      for (uint32_t k = 0; k < 3; k++)
        for (uint64_t i = 0; i < zt_snapshot_count(snap, k); i++) {
          zt_policy_info p;
          check(zt_snapshot_policy(snap, k, i, &p) == ZT_OK);
          check(p.name_len > 0 && p.ns_len > 0);
        }
      zt_snapshot_release(snap);
    }
    zt_loader_free(loader);
  }
  zt_engine_free(engine);
  return 0;
}
