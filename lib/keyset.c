/* keyset: being written */
typedef int zt_keyset_unit_;
