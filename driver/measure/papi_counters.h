/* Every PAPI call of occbench: the library's start, the real ob_papi_ops
 * of the resolver (driver/measure/events.h), and the calling thread's event
 * set that driver/measure/measure.c reads at each snapshot. */
#ifndef OCCBENCH_PAPI_COUNTERS_H
#define OCCBENCH_PAPI_COUNTERS_H

#include <stddef.h>

#include "driver/measure/events.h"

/* PAPI_library_init, with the device components (GPU SMI and the like) that
 * occbench never counts disabled first, unless `overrides` (--events, may be
 * NULL) names one of their events. Returns 0, or a PAPI error with err set. */
int ob_papi_library_init(const char *overrides, char *err, size_t errlen);
/* 1 when ob_papi_library_init disables the component `name`. */
int ob_papi_disabled_component(const char *name);

/* PAPI's version compiled against, and the library's at run time (or
 * "unreadable: ..." before the library is started), for provenance. */
void ob_papi_versions(char *compile, size_t clen, char *runtime, size_t rlen);

/* The real PAPI implementation of the resolver's ops. */
const ob_papi_ops *ob_papi_real_ops(void);

/* The calling thread's event set. open: start the library if needed and
 * create the set; add: one named event (0, or -1 with PAPI's why: only that
 * event is lost); start: count what was added (nothing to do when nothing
 * was); read: the values in the order added (their number, or -1); close:
 * stop, clean up, destroy. open and start return 0, or -1 with why. */
int ob_papi_thread_open(char *why, size_t whylen);
int ob_papi_thread_add(const char *event, char *why, size_t whylen);
int ob_papi_thread_start(char *why, size_t whylen);
int ob_papi_thread_read(long long *values, int max);
void ob_papi_thread_close(void);

#endif
