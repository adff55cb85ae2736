/* The kernel table: adding a kernel is one file under kernels/FAMILY/ and
 * one line in OB_KERNELS here. Order is the order of the default --kernels list. */
#include "occbench/kernel.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One line per kernel; the declarations and the table follow from it. */
/* clang-format off */
#define OB_KERNELS(X) \
    X(triad)          \
    X(chase)          \
    X(freq)           \
    X(grid)           \
    X(degrid)         \
    X(fft)            \
    X(isr)            \
    X(conv)           \
    X(io)
/* clang-format on */

#define OB_KERNEL_DECLARE(name) extern const ob_kernel ob_kernel_##name;
#define OB_KERNEL_ENTRY(name) &ob_kernel_##name,
OB_KERNELS(OB_KERNEL_DECLARE)

static const ob_kernel *const registry[] = {OB_KERNELS(OB_KERNEL_ENTRY) NULL};

size_t ob_kernel_count(void)
{
    size_t n = 0;
    while (registry[n])
        n++;
    return n;
}

const ob_kernel *ob_kernel_at(size_t i)
{
    return i < ob_kernel_count() ? registry[i] : NULL;
}

const ob_kernel *ob_kernel_find(const char *name)
{
    for (size_t i = 0; i < ob_kernel_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

int ob_kernel_phase_count(const ob_kernel *k)
{
    int n = 0;
    while (k->phases[n])
        n++;
    return n;
}

const char *ob_phase_class_name(ob_phase_class c)
{
    return c == OB_PHASE_IO ? "io" : "compute";
}

void ob_kernel_phase_classes(const ob_kernel *k, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int p = 0; p < ob_kernel_phase_count(k) && used < len; p++)
        used += (size_t)snprintf(
            out + used, len - used, "%s%s", p ? "," : "",
            ob_phase_class_name(k->phase_classes ? k->phase_classes[p] : OB_PHASE_COMPUTE));
}

static const char *const preset_names[OB_PRESET_COUNT] = {"ci", "small", "lsst"};

const char *ob_preset_name(ob_preset p)
{
    return (p >= 0 && p < OB_PRESET_COUNT) ? preset_names[p] : "?";
}

int ob_preset_parse(const char *name, ob_preset *out)
{
    for (int i = 0; i < OB_PRESET_COUNT; i++)
        if (strcmp(name, preset_names[i]) == 0) {
            *out = (ob_preset)i;
            return 0;
        }
    return -1;
}
