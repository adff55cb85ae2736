/* ob_spin SECONDS: spin until this process has used SECONDS of CPU time
 * (CLOCK_PROCESS_CPUTIME_ID), then exit 0: a job whose CPU time is known by
 * construction, for the job tests (tests/mpi/test_job.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    double want = argc == 2 ? strtod(argv[1], &end) : -1.0;
    if (argc != 2 || *end || !(want >= 0.0 && want <= 3600.0)) {
        fprintf(stderr, "usage: ob_spin SECONDS (0 to 3600 of CPU time)\n");
        return 2;
    }
    volatile unsigned long spins = 0;
    while (cpu_seconds() < want)
        spins++;
    return 0;
}
