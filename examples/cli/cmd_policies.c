/* ztauth policies: load a set (all or nothing, as a host would) and list
 * every policy with its scope, so a reader sees what applies where. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void on_report(void *ctx, const zt_diag *d) {
  (void)ctx;
  if (d->severity != ZT_SEVERITY_NOTE)
    cli_print_diag(stderr, d);
}

static const char *scope_name(uint32_t s) {
  static const char *const names[] = {"mesh", "namespace", "workload",
                                      "targetRefs"};
  return s < 4 ? names[s] : "?";
}

static const char *detail(const zt_policy_info *p) {
  static const char *const actions[] = {"ALLOW", "DENY", "AUDIT", "CUSTOM"};
  static const char *const modes[] = {"UNSET", "DISABLE", "PERMISSIVE",
                                      "STRICT"};
  if (p->kind == ZT_KIND_AUTHORIZATION_POLICY)
    return p->action < 4 ? actions[p->action] : "?";
  if (p->kind == ZT_KIND_PEER_AUTHENTICATION)
    return p->action < 4 ? modes[p->action] : "?";
  return "JWT";
}

static void list(const zt_snapshot *snap) {
  static const char *const kinds[] = {
      "AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"};
  printf("%-22s %-28s %-10s %-10s %5s  %s\n", "KIND", "NAMESPACE/NAME", "SCOPE",
         "MODE", "RULES", "SOURCE");
  for (uint32_t k = 0; k < 3; k++) {
    uint64_t n = zt_snapshot_count(snap, k);
    for (uint64_t i = 0; i < n; i++) {
      zt_policy_info p;
      if (zt_snapshot_policy(snap, k, i, &p) != ZT_OK)
        continue;
      char id[160];
      snprintf(id, sizeof(id), "%.*s/%.*s", (int)p.ns_len, p.ns,
               (int)p.name_len, p.name);
      printf("%-22s %-28s %-10s %-10s %5u  %.*s:%u%s\n", kinds[k], id,
             scope_name(p.scope), detail(&p), p.rules, (int)p.source_len,
             p.source, p.line, p.dry_run ? "  (dry-run)" : "");
    }
  }
}

int cmd_policies(int argc, char **argv) {
  static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                       {"mesh", required_argument, NULL, 'm'},
                                       {NULL, 0, NULL, 0}};
  const char *paths[64];
  int npaths = 0, c;
  const char *mesh = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "p:m:", opts, NULL)) != -1) {
    if (c == 'p' && npaths < 64)
      paths[npaths++] = optarg;
    else if (c == 'm')
      mesh = optarg;
    else
      goto usage;
  }
  if (npaths == 0 || optind != argc)
    goto usage;
  zt_engine *engine;
  zt_loader *loader;
  zt_snapshot *snap = NULL;
  zt_diag d;
  if (!cli_open(mesh, on_report, NULL, &engine, &loader))
    return CLI_USAGE;
  int rc = ZT_OK;
  for (int i = 0; rc == ZT_OK && i < npaths; i++)
    (void)zt_loader_add_path(loader, paths[i], strlen(paths[i]), &d);
  if (rc == ZT_OK)
    rc = zt_engine_commit(engine, loader, &d);
  if (rc == ZT_OK)
    rc = zt_engine_acquire(engine, &snap);
  if (rc == ZT_OK)
    list(snap);
  else
    fprintf(stderr, "ztauth: policies not loaded: %s\n", zt_strerror(rc));
  zt_snapshot_release(snap);
  zt_loader_free(loader);
  zt_engine_free(engine);
  return rc == ZT_OK ? CLI_OK : CLI_USAGE;
usage:
  fprintf(stderr, "usage: ztauth policies [--mesh PATH] -p PATH...\n");
  return CLI_USAGE;
}
