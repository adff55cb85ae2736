/* Sleeping waits for MPI collectives: see park.h for why. */
#include "driver/node/park.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TAG_PING 4711
#define TAG_PONG 4712

static double wd_deadline = -1.0; /* < 0: disarmed */
static ob_watchdog_fn wd_fire;
static void *wd_user;
static MPI_Comm wd_comm = MPI_COMM_NULL;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ob_watchdog_arm(double deadline, ob_watchdog_fn fire, void *user, MPI_Comm comm)
{
    wd_fire = fire;
    wd_user = user;
    wd_comm = comm;
    wd_deadline = deadline;
}

void ob_watchdog_disarm(void)
{
    wd_deadline = -1.0;
}

/* A ping of rank 0 waiting: answered at once (not blocking: rank 0 posted
 * its receives before it pinged). */
static void answer_pings(void)
{
    int flag = 0;
    if (wd_comm == MPI_COMM_NULL ||
        MPI_Iprobe(0, TAG_PING, wd_comm, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || !flag)
        return;
    static int token;
    MPI_Recv(&token, 1, MPI_INT, 0, TAG_PING, wd_comm, MPI_STATUS_IGNORE);
    MPI_Request req;
    if (MPI_Isend(&token, 1, MPI_INT, 0, TAG_PONG, wd_comm, &req) == MPI_SUCCESS)
        MPI_Request_free(&req);
}

void ob_watchdog_check(void)
{
    if (wd_deadline < 0)
        return;
    answer_pings();
    if (now_s() < wd_deadline)
        return;
    wd_deadline = -1.0; /* once; fire may arm again */
    wd_fire(wd_user);
}

void ob_watchdog_ping(int *answered, int size, double seconds)
{
    MPI_Request *recv = calloc((size_t)size, sizeof *recv),
                *send = calloc((size_t)size, sizeof *send);
    int *tokens = calloc((size_t)size, sizeof *tokens), ping = 1;
    for (int r = 0; r < size; r++)
        answered[r] = r == 0;
    if (!recv || !send || !tokens) {
        free(recv), free(send), free(tokens);
        return;
    }
    for (int r = 1; r < size; r++) {
        MPI_Irecv(&tokens[r], 1, MPI_INT, r, TAG_PONG, wd_comm, &recv[r]);
        MPI_Isend(&ping, 1, MPI_INT, r, TAG_PING, wd_comm, &send[r]);
    }
    double end = now_s() + seconds;
    int left = size - 1;
    while (left > 0 && now_s() < end) {
        for (int r = 1; r < size; r++)
            if (!answered[r]) {
                MPI_Test(&recv[r], &answered[r], MPI_STATUS_IGNORE);
                left -= answered[r];
            }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    /* the launch ends next (MPI_Abort): the unanswered requests go with it */
    free(recv), free(send), free(tokens);
}

int ob_sleep_wait(MPI_Request *req)
{
    long pause_ns = 100000;      /* 0.1 ms */
    const long max_ns = 5000000; /* 5 ms */
    for (;;) {
        int done = 0;
        int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done)
            return rc;
        ob_watchdog_check();
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
