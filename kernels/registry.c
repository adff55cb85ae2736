/* The kernel table: adding a kernel is one file under kernels/ and one
 * line here. Order is the order of the default --kernels list. */
#include "occbench/kernel.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One line per kernel, in both lists. */
extern const ob_kernel ob_kernel_triad;
extern const ob_kernel ob_kernel_chase;
extern const ob_kernel ob_kernel_freq;
extern const ob_kernel ob_kernel_grid;
extern const ob_kernel ob_kernel_degrid;
extern const ob_kernel ob_kernel_fft;
extern const ob_kernel ob_kernel_isr;
extern const ob_kernel ob_kernel_conv;
extern const ob_kernel ob_kernel_io;

/* One kernel per line (clang-format 14 wants its marker alone). */
/* clang-format off */
static const ob_kernel *const registry[] = {
    &ob_kernel_triad,
    &ob_kernel_chase,
    &ob_kernel_freq,
    &ob_kernel_grid,
    &ob_kernel_degrid,
    &ob_kernel_fft,
    &ob_kernel_isr,
    &ob_kernel_conv,
    &ob_kernel_io,
    NULL, /* end of table */
};
/* clang-format on */

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
