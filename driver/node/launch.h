/* The launch: world and per-node communicators, node indexes, and
 * helpers that share one small record per node with every rank. */
#ifndef OCCBENCH_LAUNCH_H
#define OCCBENCH_LAUNCH_H

#include <mpi.h>
#include <stddef.h>

typedef struct ob_launch {
    MPI_Comm world;
    MPI_Comm node;    /* ranks sharing this node (MPI_COMM_TYPE_SHARED) */
    MPI_Comm leaders; /* node-local rank 0 of every node; MPI_COMM_NULL elsewhere */
    int rank, size;
    int node_rank, node_size;
    int node_index, nnodes; /* nodes ordered by their leader's world rank */
    int min_node_size;      /* fewest ranks on any node: the ladder's ceiling */
    int max_node_size;      /* most ranks on any node (more than cores: oversubscribed) */
} ob_launch;

int ob_launch_init(ob_launch *l, MPI_Comm world);
void ob_launch_free(ob_launch *l);

/* Every rank gets out[nnodes * bytes]: the `bytes` bytes each node leader
 * passed in `mine` (other ranks' `mine` is ignored). Sleeping waits. */
int ob_launch_share_per_node(const ob_launch *l, const void *mine, size_t bytes, void *out);

/* 1 on every rank when `flag` is non-zero on any rank (sleeping). */
int ob_launch_any(const ob_launch *l, int flag);

/* Broadcast rank `root`'s one-line message to all (sleeping). */
void ob_launch_bcast_text(const ob_launch *l, int root, char *text, size_t len);

/* The lowest world rank whose `failed` is non-zero, or -1 when none. */
int ob_launch_first_failing(const ob_launch *l, int failed);

#endif
