#ifndef LOOM_CLZ4_SHIM_H
#define LOOM_CLZ4_SHIM_H
#include <lz4.h>
#endif
