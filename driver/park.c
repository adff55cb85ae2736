/* Sleeping waits for MPI collectives: see park.h for why. */
#include "driver/park.h"

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

int ob_sleep_gatherv(const void *send, int scount, MPI_Datatype stype, void *recv,
                     const int *rcounts, const int *displs, MPI_Datatype rtype, int root,
                     MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Igatherv(send, scount, stype, recv, rcounts, displs, rtype, root, comm, &req);
    return rc == MPI_SUCCESS ? ob_sleep_wait(&req) : rc;
}
