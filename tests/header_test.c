/* ztauth.h compiles alone under strict C99. */
#include "ztauth.h"

int main(void) {
  zt_diag d;
  d.code = ZT_OK;
  return d.code + (int)sizeof(zt_policy_info) * 0;
}
