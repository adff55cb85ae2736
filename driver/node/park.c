/* Sleeping waits for MPI collectives: see park.h for why. */
#include "driver/node/park.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int ob_sleep_wait(MPI_Request *req)
{
    long pause_ns = 100000;      /* 0.1 ms */
    const long max_ns = 5000000; /* 5 ms */
    for (;;) {
        int done = 0;
        int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done)
            return rc;
        struct timespec ts = {0, pause_ns};
        nanosleep(&ts, NULL);
        if (pause_ns < max_ns)
            pause_ns = pause_ns * 2 > max_ns ? max_ns : pause_ns * 2;
    }
}

int ob_sleep_barrier(MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Ibarrier(comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}

int ob_sleep_allreduce(const void *send, void *recv, int count, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Iallreduce(send, recv, count, type, op, comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}

int ob_sleep_bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Ibcast(buf, count, type, root, comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}

int ob_sleep_allgather(const void *send, int scount, MPI_Datatype stype, void *recv, int rcount,
                       MPI_Datatype rtype, MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Iallgather(send, scount, stype, recv, rcount, rtype, comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}

int ob_sleep_gather(const void *send, int scount, MPI_Datatype stype, void *recv, int rcount,
                    MPI_Datatype rtype, int root, MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Igather(send, scount, stype, recv, rcount, rtype, root, comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}

int ob_sleep_gatherv(const void *send, int scount, MPI_Datatype stype, void *recv,
                     const int *rcounts, const int *displs, MPI_Datatype rtype, int root,
                     MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Igatherv(send, scount, stype, recv, rcounts, displs, rtype, root, comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}

int ob_gather_records(const void *mine, size_t n, size_t size, void **all, size_t *total, int root,
                      MPI_Comm comm)
{
    int rank, nranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);
    *all = NULL;
    *total = 0;
    if (n * size > INT32_MAX) {
        fprintf(stderr, "occbench: %zu records of %zu bytes are too many for one gather\n", n,
                size);
        MPI_Abort(comm, 1);
    }
    int bytes = (int)(n * size), *counts = NULL, *displs = NULL;
    if (rank == root) {
        counts = calloc((size_t)nranks, sizeof *counts);
        displs = calloc((size_t)nranks, sizeof *displs);
        if (!counts || !displs) {
            fprintf(stderr, "occbench: out of memory gathering records\n");
            MPI_Abort(comm, 1);
        }
    }
    ob_sleep_gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, root, comm);
    size_t sum = 0;
    for (int i = 0; rank == root && i < nranks; i++) {
        displs[i] = (int)sum;
        sum += (size_t)counts[i];
    }
    if (sum > INT32_MAX) {
        fprintf(stderr, "occbench: %zu bytes of records are too many for one gather\n", sum);
        MPI_Abort(comm, 1);
    }
    if (rank == root && !(*all = malloc(sum ? sum : 1))) {
        fprintf(stderr, "occbench: out of memory gathering %zu bytes of records\n", sum);
        MPI_Abort(comm, 1);
    }
    int rc = ob_sleep_gatherv(mine, bytes, MPI_BYTE, *all, counts, displs, MPI_BYTE, root, comm);
    *total = sum / size;
    free(counts);
    free(displs);
    return rc;
}
