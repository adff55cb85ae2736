/* occbench-analyze entry point (being built: see issue 5). */
#include <stdio.h>

#include "occbench/build_info.h"

int main(void)
{
    printf("occbench-analyze %s (%s)\n", OB_VERSION, OB_GIT_REVISION);
    return 0;
}
