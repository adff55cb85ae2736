/* The calibration list (see calibration.h). */
#include "driver/run/calibration.h"

#include <string.h>

static const ob_calibration_step calibration[] = {
    {"freq", OB_INJECT_NONE},       {"freq", OB_INJECT_CPU_HOG},    {"freq", OB_INJECT_CLOCK_CAP},
    {"triad", OB_INJECT_NONE},      {"triad", OB_INJECT_STREAMERS}, {"io", OB_INJECT_NONE},
    {"io", OB_INJECT_FSYNC_WRITER},
};
enum { NCALIBRATION = sizeof calibration / sizeof calibration[0] };
_Static_assert(NCALIBRATION <= OB_MAX_CALIBRATION, "raise OB_MAX_CALIBRATION");

int ob_calibration_count(void)
{
    return NCALIBRATION;
}

const ob_calibration_step *ob_calibration_at(int i)
{
    return i >= 0 && i < NCALIBRATION ? &calibration[i] : NULL;
}

int ob_calibration_kernels(const ob_kernel **out, int max)
{
    int n = 0;
    for (int i = 0; i < NCALIBRATION; i++) {
        const ob_kernel *k = ob_kernel_find(calibration[i].kernel);
        if (!k)
            return -1;
        int seen = 0;
        for (int j = 0; j < n && !seen; j++)
            seen = out[j] == k;
        if (!seen && n < max)
            out[n++] = k;
    }
    return n;
}
