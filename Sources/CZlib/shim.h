#ifndef LOOM_CZLIB_SHIM_H
#define LOOM_CZLIB_SHIM_H
#include <zlib.h>
#endif
