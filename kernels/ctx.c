/* Kernel context: phase marks forwarded to the driver's hook, or, in a
 * standalone context (tests, benches), accumulated as wall time. */
#define _POSIX_C_SOURCE 200809L
#include "kernels/framework.h"

#include "kernels/lib/datastore.h"
#include "occbench/records.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ob_ctx_init(ob_ctx *ctx, ob_preset preset, const ob_machine *machine, const char *io_dir,
                 int rank, ob_phase_hook hook, void *hook_user)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->preset = preset;
    if (machine)
        ctx->machine = *machine;
    ctx->io_dir = io_dir ? io_dir : ".";
    ctx->rank = rank;
    ctx->hook = hook;
    ctx->hook_user = hook_user;
}

/* A mark: to the driver's hook, or timed here (standalone); `at` is the
 * kernel's own reading (its wall field times a standalone context). */
static void mark(ob_ctx *ctx, int phase, int begin, const ob_sample *at)
{
    if (phase < 0 || phase >= OB_MAX_PHASES)
        return;
    if (ctx->hook) {
        ctx->hook(ctx->hook_user, phase, begin, at);
        return;
    }
    double t = at ? at->wall : now_seconds();
    if (begin)
        ctx->phase_started[phase] = t;
    else
        ctx->phase_seconds[phase] += t - ctx->phase_started[phase];
}

void ob_phase_begin(ob_ctx *ctx, int phase)
{
    mark(ctx, phase, 1, NULL);
}

void ob_phase_end(ob_ctx *ctx, int phase)
{
    mark(ctx, phase, 0, NULL);
}

void ob_phase_begin_at(ob_ctx *ctx, int phase, const ob_sample *at)
{
    mark(ctx, phase, 1, at);
}

void ob_phase_end_at(ob_ctx *ctx, int phase, const ob_sample *at)
{
    mark(ctx, phase, 0, at);
}

int ob_ctx_node_rank(const ob_ctx *ctx)
{
    return ctx->node_rank;
}

int ob_ctx_stopping(const ob_ctx *ctx)
{
    return ctx->stop && *ctx->stop;
}

int ob_ctx_active(const ob_ctx *ctx)
{
    return ctx->active > 0 ? ctx->active : 1;
}

ob_preset ob_ctx_preset(const ob_ctx *ctx)
{
    return ctx->preset;
}
const ob_machine *ob_ctx_machine(const ob_ctx *ctx)
{
    return &ctx->machine;
}
const char *ob_ctx_io_dir(const ob_ctx *ctx)
{
    return ctx->io_dir;
}
int ob_ctx_rank(const ob_ctx *ctx)
{
    return ctx->rank;
}
const ob_kopt_values *ob_ctx_kopts(const ob_ctx *ctx)
{
    return ctx->kopts;
}
const char *ob_ctx_error(const ob_ctx *ctx)
{
    return ctx->error;
}

void ob_ctx_set_error(ob_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
    va_end(ap);
}

ob_ctx *ob_ctx_standalone(ob_preset preset, const ob_machine *machine, const char *io_dir)
{
    ob_ctx *ctx = malloc(sizeof *ctx);
    if (ctx)
        ob_ctx_init(ctx, preset, machine, io_dir, 0, NULL, NULL);
    return ctx;
}

void ob_ctx_standalone_free(ob_ctx *ctx)
{
    free(ctx);
}

double ob_ctx_standalone_phase_seconds(const ob_ctx *ctx, int phase)
{
    if (phase < 0 || phase >= OB_MAX_PHASES)
        return 0.0;
    return ctx->phase_seconds[phase];
}

void ob_ctx_standalone_set_kopts(ob_ctx *ctx, const ob_kopt_values *v)
{
    ctx->kopts = v;
}

int ob_kernels_remove_stale_files(const char *dir, char *first, size_t firstlen)
{
    return ob_ds_remove_stale(dir, first, firstlen);
}
