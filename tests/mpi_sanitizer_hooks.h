/* For test programs that call MPI_Init under ASan/LSan (OB_SANITIZE).
 * Open MPI, PMIx and hwloc keep allocations until exit by design; their
 * plugins are dlclose'd at MPI_Finalize, so leak stacks through them can
 * not even be symbolized. Keep the plugins loaded (set before MPI_Init),
 * unwind slowly (the libraries have no frame pointers) and suppress leaks
 * whose stacks pass through those libraries, so LSan still reports leaks
 * in occbench's own code. Harmless without sanitizers. Include once. */
#ifndef OB_TESTS_MPI_SANITIZER_HOOKS_H
#define OB_TESTS_MPI_SANITIZER_HOOKS_H

#include <stdlib.h>

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\nleak:libhwloc.so\n"
           "leak:libevent\nleak:libpmix\nleak:mca_\nleak:libucs\nleak:libucp\n";
}

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

static inline void ob_test_mpi_env(void)
{
    setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 0);
    setenv("PMIX_MCA_mca_base_component_disable_dlclose", "1", 0);
    /* CI and the build VM run as root; Open MPI refuses that unless told. */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
}

#endif
