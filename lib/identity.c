#include "identity.h"

#include <string.h>

#include "attach.h"
#include "engine.h"
#include "idcache.h"
#include "svid.h"

/* The cache key's flags: everything besides the chain and the bundles
 * that changes the verdict. */
#define FLAG_SERVER 0x1u
#define FLAG_STRICT_EKU 0x2u
#define FLAG_LENIENT 0x4u

static void fill_cached(zt_svid *out, const zt_idc_entry *en) {
  zt_svid_set_error(out, ZT_SVID_OK);
  out->cached = 1;
  memcpy(out->spiffe_id, en->id, en->id_len);
  out->spiffe_id[en->id_len] = '\0';
  out->spiffe_id_len = en->id_len;
  /* The ID passed the parser when it was cached: "spiffe://td/path". */
  const char *td = en->id + 9;
  const char *slash = memchr(td, '/', en->id_len - 9);
  out->trust_domain_len = slash ? (size_t)(slash - td) : en->id_len - 9;
}

/* A hit whose window still holds at now; an entry outside it is left to a
 * full verification, which names the exact time failure. */
static bool from_cache(zt_idcache *c, uint64_t h, const char *chain, size_t len,
                       uint32_t flags, int64_t now, zt_svid *out) {
  const zt_idc_entry *en = zt_idc_get(c, h, chain, len, flags);
  if (!en)
    return false;
  bool ok = now >= en->not_before && now <= en->not_after;
  if (ok)
    fill_cached(out, en);
  zt_idc_release(c, en);
  return ok;
}

uint32_t zt_identity_verify(const zt_snapshot *snap, const char *chain,
                            size_t len, uint32_t role, zt_svid *out) {
  const zt_config *cfg = &snap->engine->cfg;
  zt_svid_opts o = {
      .role = role,
      .strict_eku = cfg->options[ZT_OPT_SVID_STRICT_EKU] != 0,
      .id_flags = cfg->options[ZT_OPT_SPIFFE_LENIENT] ? ZT_SPIFFE_LENIENT : 0,
      .now = zt_config_now(cfg),
  };
  uint32_t flags = (role == ZT_ROLE_SERVER ? FLAG_SERVER : 0) |
                   (o.strict_eku ? FLAG_STRICT_EKU : 0) |
                   (o.id_flags ? FLAG_LENIENT : 0);
  zt_idcache *c = snap->trust ? snap->trust->cache : NULL;
  uint64_t h = c ? zt_idc_hash(c, chain, len) : 0;
  if (c && from_cache(c, h, chain, len, flags, o.now, out))
    return ZT_SVID_OK;
  zt_svid_window win = {0, 0};
  uint32_t err =
      zt_svid_check(&cfg->mem, snap->trust, chain, len, &o, out, &win);
  if (err == ZT_SVID_OK && c)
    zt_idc_put(c, h, chain, len, flags, out->spiffe_id, out->spiffe_id_len,
               win.not_before, win.not_after);
  return err;
}

int zt_svid_verify(const zt_snapshot *snap, const char *chain, size_t len,
                   uint32_t role, zt_svid *out) {
  if (!out)
    return ZT_EINVAL;
  zt_svid_set_error(out, ZT_SVID_INTERNAL);
  if (!snap || (!chain && len) || role > ZT_ROLE_SERVER)
    return ZT_EINVAL;
  uint32_t err = zt_identity_verify(snap, chain, len, role, out);
  if (err == ZT_SVID_OK)
    return ZT_OK;
  return err == ZT_SVID_INTERNAL ? ZT_EINTERNAL : ZT_EIDENTITY;
}

int zt_peer_mode(const zt_snapshot *snap, const zt_workload *w, uint32_t port,
                 zt_mtls_info *out) {
  if (!out)
    return ZT_EINVAL;
  memset(out, 0, sizeof(*out));
  out->mode = ZT_MTLS_STRICT; /* fail closed on a bad call */
  out->policy.rule = -1;
  if (!snap || !w || !w->ns.len || !w->ns.ptr || (!w->labels && w->n_labels))
    return ZT_EINVAL;
  zt_attach at;
  zt_attach_init(&at, w, &snap->engine->cfg);
  zt_peerauthn_mode(&snap->pol->peer, &at, port, out);
  return ZT_OK;
}
