/* Communicators of a launch and per-node sharing, all with sleeping waits. */
#include "driver/node/launch.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "driver/node/park.h"

int ob_launch_init(ob_launch *l, MPI_Comm world)
{
    memset(l, 0, sizeof *l);
    l->world = world;
    MPI_Comm_rank(world, &l->rank);
    MPI_Comm_size(world, &l->size);
    if (MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, l->rank, MPI_INFO_NULL, &l->node) !=
        MPI_SUCCESS)
        return -1;
    MPI_Comm_rank(l->node, &l->node_rank);
    MPI_Comm_size(l->node, &l->node_size);
    int is_leader = l->node_rank == 0;
    if (MPI_Comm_split(world, is_leader ? 0 : MPI_UNDEFINED, l->rank, &l->leaders) != MPI_SUCCESS)
        return -1;
    int info[2] = {0, 0};
    if (is_leader) {
        MPI_Comm_rank(l->leaders, &info[0]);
        MPI_Comm_size(l->leaders, &info[1]);
    }
    ob_sleep_bcast(info, 2, MPI_INT, 0, l->node);
    l->node_index = info[0];
    l->nnodes = info[1];
    ob_sleep_allreduce(&l->node_size, &l->min_node_size, 1, MPI_INT, MPI_MIN, world);
    ob_sleep_allreduce(&l->node_size, &l->max_node_size, 1, MPI_INT, MPI_MAX, world);
    return 0;
}

void ob_launch_free(ob_launch *l)
{
    if (l->leaders != MPI_COMM_NULL)
        MPI_Comm_free(&l->leaders);
    if (l->node != MPI_COMM_NULL)
        MPI_Comm_free(&l->node);
}

int ob_launch_share_per_node(const ob_launch *l, const void *mine, size_t bytes, void *out)
{
    if (bytes > INT_MAX)
        return -1;
    if (l->node_rank == 0) {
        int rc =
            ob_sleep_allgather(mine, (int)bytes, MPI_BYTE, out, (int)bytes, MPI_BYTE, l->leaders);
        if (rc != MPI_SUCCESS)
            return -1;
    }
    size_t total = bytes * (size_t)l->nnodes;
    if (total > INT_MAX)
        return -1;
    return ob_sleep_bcast(out, (int)total, MPI_BYTE, 0, l->node) == MPI_SUCCESS ? 0 : -1;
}

int ob_launch_any(const ob_launch *l, int flag)
{
    int mine = flag != 0, any = 0;
    ob_sleep_allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, l->world);
    return any;
}

void ob_launch_bcast_text(const ob_launch *l, int root, char *text, size_t len)
{
    ob_sleep_bcast(text, (int)len, MPI_CHAR, root, l->world);
    text[len - 1] = '\0';
}

int ob_launch_first_failing(const ob_launch *l, int failed)
{
    int mine = failed ? l->rank : INT_MAX, first = INT_MAX;
    ob_sleep_allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, l->world);
    return first == INT_MAX ? -1 : first;
}
