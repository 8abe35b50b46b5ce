/* crypto: being written */
typedef int zt_crypto_unit_;
