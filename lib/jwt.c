/* jwt: being written */
typedef int zt_jwt_unit_;
