/* Node topology from hwloc: cache sizes for kernel sizing, the compact and
 * spread core orders for placement, binding, and the topology XML for
 * provenance. Honours HWLOC_SYNTHETIC / HWLOC_XMLFILE (hwloc reads them),
 * which is how tests build 128-core EPYC-like nodes on a 2-core VM. */
#ifndef OCCBENCH_TOPO_H
#define OCCBENCH_TOPO_H

#include <stddef.h>

#include "occbench/kernel.h"

typedef enum ob_placement { OB_PLACE_COMPACT = 0, OB_PLACE_SPREAD = 1 } ob_placement;

const char *ob_placement_name(ob_placement p); /* "compact", "spread" */

typedef struct ob_topo ob_topo;

/* Load this machine's topology (or the synthetic one hwloc's environment
 * names). Returns NULL with err set on failure. */
ob_topo *ob_topo_load(char *err, size_t errlen);
/* --topology FILE: make the next ob_topo_load read FILE instead of this
 * machine: an hwloc XML export (HWLOC_XMLFILE) or a synthetic description
 * ('#' comments, the words joined: HWLOC_SYNTHETIC), as under data/topologies.
 * Returns 0, or -1 with a one-line message. */
int ob_topo_use_description(const char *path, char *err, size_t errlen);
/* Load from a synthetic description, e.g. "pack:2 l3:8 core:8 pu:1" (tests). */
ob_topo *ob_topo_load_synthetic(const char *desc, char *err, size_t errlen);
void ob_topo_free(ob_topo *t);

int ob_topo_core_count(const ob_topo *t); /* physical cores */
/* L3 domains; without an L3 level each package (or, without packages, the
 * whole machine) counts as one domain, here and in the placement orders. */
int ob_topo_l3_domain_count(const ob_topo *t);
int ob_topo_cores_per_l3(const ob_topo *t); /* of the first L3 domain; 0 if no L3 */
int ob_topo_numa_count(const ob_topo *t);
int ob_topo_package_count(const ob_topo *t);
void ob_topo_machine(const ob_topo *t, ob_machine *out); /* cache sizes of the first core */
size_t ob_topo_memory_bytes(const ob_topo *t);           /* total machine memory */
/* 1 when the topology is this machine's (binding takes effect); 0 for
 * synthetic/XML topologies, where binding succeeds without binding. */
int ob_topo_is_this_system(const ob_topo *t);

/* The core order of a placement: out[i] is the logical index (0..cores-1,
 * hwloc's core order) of the i-th core to fill. compact: topology order,
 * one L3 domain after the next. spread: round-robin over packages, then
 * NUMA nodes, then L3 domains, then cores. Returns the count written. */
int ob_topo_order(const ob_topo *t, ob_placement p, int *out, int n);

/* OS index of the first PU of logical core `core` (for records and for
 * the sampler's /proc/stat columns). */
int ob_topo_core_os_index(const ob_topo *t, int core);

/* Bind the calling thread to logical core `core` (all its PUs, then
 * singlified to one PU so the thread does not migrate between SMT
 * siblings). Returns 0 or -1 with err set. */
int ob_topo_bind_thread(const ob_topo *t, int core, char *err, size_t errlen);
/* Bind the calling thread to the `n` logical cores (one PU of each): a job
 * wider than one core (--job-cores), whose threads and children inherit it. */
int ob_topo_bind_thread_cores(const ob_topo *t, const int *cores, int n, char *err, size_t errlen);
/* Unbind (allowed set = the whole machine) for parked ranks. */
int ob_topo_unbind_thread(const ob_topo *t, char *err, size_t errlen);

/* Topology as XML, malloc'd; NULL on failure. */
char *ob_topo_xml(const ob_topo *t);

/* The default occupancy ladder: a few well-chosen levels, so that a full
 * ladder of every kernel fits a 30-minute budget on a 128-core node: the
 * powers of two, the first L3 domain full (k = per_l3, compact), one rank
 * on every L3 domain (k = l3_domains, spread), every socket boundary
 * (multiples of cores / packages) and the full node. Sorted and unique,
 * capped at `max_k` (e.g. the ranks on the node): steps above max_k are
 * dropped and max_k itself becomes the top step; max_k <= 0 means no cap.
 * Returns the count written to out (at most n, the smallest steps first). */
int ob_ladder_default(int cores, int per_l3, int l3_domains, int packages, int max_k, int *out,
                      int n);
/* The same for topology t. */
int ob_topo_default_ladder(const ob_topo *t, int max_k, int *out, int n);

#endif
