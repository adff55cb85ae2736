/* occbench driver entry point (being built: see issue 2). */
#include <stdio.h>

#include "occbench/build_info.h"

int main(void)
{
    printf("occbench %s (%s)\n", OB_VERSION, OB_GIT_REVISION);
    return 0;
}
