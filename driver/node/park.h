/* Sleeping MPI waits. A blocking MPI_Barrier or MPI_Wait busy-polls in
 * Open MPI and MPICH: a parked rank waiting that way burns a core and its
 * share of the package power budget, which is exactly what occbench
 * measures. Every wait between and during steps goes through here: start
 * the non-blocking operation, then MPI_Test with nanosleep in between. */
#ifndef OCCBENCH_PARK_H
#define OCCBENCH_PARK_H

#include <mpi.h>
#include <stddef.h>

/* Wait for `req` sleeping between tests: 0.1 ms at first, doubling to
 * 5 ms, so a short wait is cheap in latency and a long one costs a few
 * hundred wake-ups per second (well under 1% of a core). */
int ob_sleep_wait(MPI_Request *req);

/* The watchdog of a step: every sleeping wait (and a rank's repetition loop,
 * through ob_watchdog_check) calls `fire(user)` once the time passes
 * `deadline` (CLOCK_MONOTONIC seconds); fire decides (it may abort the
 * launch, or arm a later deadline). The same calls answer rank 0's pings
 * on `comm` (ob_watchdog_ping), so a rank that answers is not stuck.
 * Disarmed: no deadline, no answers. */
typedef void (*ob_watchdog_fn)(void *user);
void ob_watchdog_arm(double deadline, ob_watchdog_fn fire, void *user, MPI_Comm comm);
void ob_watchdog_disarm(void);
void ob_watchdog_check(void);
/* Rank 0: ping every other rank of the armed comm and wait up to `seconds`
 * for their answers; answered[r] is 1 for each that answered (rank 0
 * included). */
void ob_watchdog_ping(int *answered, int size, double seconds);

int ob_sleep_barrier(MPI_Comm comm);
int ob_sleep_allreduce(const void *send, void *recv, int count, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm);
int ob_sleep_bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm);
int ob_sleep_allgather(const void *send, int scount, MPI_Datatype stype, void *recv, int rcount,
                       MPI_Datatype rtype, MPI_Comm comm);
int ob_sleep_gather(const void *send, int scount, MPI_Datatype stype, void *recv, int rcount,
                    MPI_Datatype rtype, int root, MPI_Comm comm);
int ob_sleep_gatherv(const void *send, int scount, MPI_Datatype stype, void *recv,
                     const int *rcounts, const int *displs, MPI_Datatype rtype, int root,
                     MPI_Comm comm);

/* Gather every rank's n records of `size` bytes on `root`, in rank order:
 * *all (malloc'd, root only; free it) holds *total records. Sleeping. */
int ob_gather_records(const void *mine, size_t n, size_t size, void **all, size_t *total, int root,
                      MPI_Comm comm);

#endif
