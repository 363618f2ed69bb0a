#ifndef KGREC_CPROTOBUFC_SHIM_H
#define KGREC_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
