#ifndef LOOM_CPOSTGRES_SHIM_H
#define LOOM_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
