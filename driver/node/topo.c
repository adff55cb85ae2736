/* Node topology from hwloc 2.x: counts, cache sizes, the compact and
 * spread core orders, thread binding and the XML for provenance.
 *
 * Cache domains. A core's "L3 domain" is its L3 cache object. Where the
 * machine has no L3 (some ARM parts, small VMs, synthetic topologies
 * without an l3 level) the core's package stands in for it, and where
 * there is no package either, the whole machine: one domain. Likewise a
 * core outside every NUMA node (hwloc always creates at least one, so this
 * is defensive) counts as being in one machine-wide NUMA node. The
 * placement orders are built from these per-core keys, so they stay
 * defined on every topology hwloc can describe.
 *
 * Synthetic and XML topologies are not "this system": hwloc then accepts
 * binding calls without binding anything, which is what the multi-rank
 * tests on a 2-core VM need (ob_topo_is_this_system() tells them apart). */
#include "driver/node/topo.h"

/* Synthetic topologies of more PUs are refused: hwloc builds them slowly. */
#define OB_TOPO_MAX_PUS 65536

#include <errno.h>
#include <hwloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grouping levels of a core, outermost first. */
enum { LEVEL_PACKAGE, LEVEL_NUMA, LEVEL_L3, LEVEL_COUNT };

struct ob_topo {
    hwloc_topology_t topo;
    int ncores;
    hwloc_obj_t *cores;      /* by logical index */
    int (*key)[LEVEL_COUNT]; /* per core: package, NUMA node, L3 domain ids */
    int *compact;
    int *spread;
    int packages, numas, l3_domains;
    int cores_per_l3;
    ob_machine machine;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *ob_placement_name(ob_placement p)
{
    switch (p) {
    case OB_PLACE_COMPACT:
        return "compact";
    case OB_PLACE_SPREAD:
        return "spread";
    }
    return "?";
}

/* The smallest NUMA node whose cpuset holds the whole core, or NULL. */
static hwloc_obj_t numa_of_core(hwloc_topology_t topo, hwloc_obj_t core)
{
    hwloc_obj_t best = NULL, numa = NULL;
    while ((numa = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, numa)) != NULL) {
        if (!numa->cpuset || !hwloc_bitmap_isincluded(core->cpuset, numa->cpuset))
            continue;
        if (!best || hwloc_bitmap_weight(numa->cpuset) < hwloc_bitmap_weight(best->cpuset))
            best = numa;
    }
    return best;
}

/* The object that stands for a core's L3 domain (see the file comment). */
static hwloc_obj_t l3_domain_of_core(hwloc_topology_t topo, hwloc_obj_t core)
{
    hwloc_obj_t dom = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_L3CACHE, core);
    if (!dom)
        dom = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, core);
    if (!dom)
        dom = hwloc_get_root_obj(topo);
    return dom;
}

/* Small dense ids for objects in order of first appearance along the
 * cores, so keys compare equal exactly when the objects are the same. */
static int dense_id(hwloc_obj_t *seen, int *nseen, hwloc_obj_t obj)
{
    for (int i = 0; i < *nseen; i++)
        if (seen[i] == obj)
            return i;
    seen[*nseen] = obj;
    return (*nseen)++;
}

static int build_keys(ob_topo *t, char *err, size_t errlen)
{
    hwloc_obj_t *seen[LEVEL_COUNT];
    int nseen[LEVEL_COUNT] = {0};
    for (int l = 0; l < LEVEL_COUNT; l++) {
        seen[l] = calloc((size_t)t->ncores, sizeof *seen[l]);
        if (!seen[l]) {
            for (int j = 0; j < l; j++)
                free(seen[j]);
            set_err(err, errlen, "topology: out of memory for %d cores", t->ncores);
            return -1;
        }
    }
    hwloc_obj_t root = hwloc_get_root_obj(t->topo);
    for (int c = 0; c < t->ncores; c++) {
        hwloc_obj_t core = t->cores[c];
        hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t->topo, HWLOC_OBJ_PACKAGE, core);
        hwloc_obj_t numa = numa_of_core(t->topo, core);
        t->key[c][LEVEL_PACKAGE] =
            dense_id(seen[LEVEL_PACKAGE], &nseen[LEVEL_PACKAGE], pkg ? pkg : root);
        t->key[c][LEVEL_NUMA] = dense_id(seen[LEVEL_NUMA], &nseen[LEVEL_NUMA], numa ? numa : root);
        t->key[c][LEVEL_L3] =
            dense_id(seen[LEVEL_L3], &nseen[LEVEL_L3], l3_domain_of_core(t->topo, core));
    }
    t->packages = nseen[LEVEL_PACKAGE];
    t->numas = nseen[LEVEL_NUMA];
    t->l3_domains = nseen[LEVEL_L3];
    for (int l = 0; l < LEVEL_COUNT; l++)
        free(seen[l]);
    return 0;
}

/* Order `cores[0..n)` (logical indices, topology order) into `out`:
 * grouped by key level `level` in order of first appearance, each group
 * ordered recursively by the next level; below the last level the cores
 * keep topology order. `interleave` takes one core from each group in
 * turn (spread); otherwise groups are concatenated (compact). */
static int order_cores(const ob_topo *t, const int *cores, int n, int level, int interleave,
                       int *out)
{
    if (level == LEVEL_COUNT || n <= 1) {
        memcpy(out, cores, (size_t)n * sizeof *out);
        return 0;
    }
    int *grouped = malloc((size_t)n * sizeof *grouped);   /* cores, group after group */
    int *ordered = malloc((size_t)n * sizeof *ordered);   /* each group recursively ordered */
    int *start = malloc((size_t)(n + 1) * sizeof *start); /* group g is [start[g], start[g+1]) */
    int *done = calloc((size_t)n, sizeof *done);
    int rc = -1;
    if (!grouped || !ordered || !start || !done)
        goto out;
    int ngroups = 0, filled = 0;
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        start[ngroups++] = filled;
        int id = t->key[cores[i]][level];
        for (int j = i; j < n; j++)
            if (!done[j] && t->key[cores[j]][level] == id) {
                grouped[filled++] = cores[j];
                done[j] = 1;
            }
    }
    start[ngroups] = filled;
    for (int g = 0; g < ngroups; g++)
        if (order_cores(t, grouped + start[g], start[g + 1] - start[g], level + 1, interleave,
                        ordered + start[g]) != 0)
            goto out;
    if (!interleave) {
        memcpy(out, ordered, (size_t)n * sizeof *out);
    } else {
        /* Round-robin: the r-th core of every group that still has one. */
        int w = 0;
        for (int r = 0; w < n; r++)
            for (int g = 0; g < ngroups; g++)
                if (start[g] + r < start[g + 1])
                    out[w++] = ordered[start[g] + r];
    }
    rc = 0;
out:
    free(grouped);
    free(ordered);
    free(start);
    free(done);
    return rc;
}

static void fill_machine(ob_topo *t)
{
    memset(&t->machine, 0, sizeof t->machine);
    if (t->ncores == 0)
        return;
    for (hwloc_obj_t o = t->cores[0]->parent; o; o = o->parent) {
        if (!hwloc_obj_type_is_cache(o->type) || !o->attr)
            continue;
        size_t size = (size_t)o->attr->cache.size;
        int data = o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION;
        if (o->type == HWLOC_OBJ_L1CACHE && data && !t->machine.l1d_bytes)
            t->machine.l1d_bytes = size;
        else if (o->type == HWLOC_OBJ_L2CACHE && data && !t->machine.l2_bytes)
            t->machine.l2_bytes = size;
        else if (o->type == HWLOC_OBJ_L3CACHE && data && !t->machine.l3_bytes) {
            t->machine.l3_bytes = size;
            int n = hwloc_get_nbobjs_inside_cpuset_by_type(t->topo, o->cpuset, HWLOC_OBJ_CORE);
            t->machine.cores_per_l3 = n > 0 ? n : 0;
        }
    }
    t->cores_per_l3 = t->machine.cores_per_l3;
}

static ob_topo *finish_load(ob_topo *t, char *err, size_t errlen)
{
    if (hwloc_topology_load(t->topo) != 0) {
        set_err(err, errlen, "hwloc_topology_load failed (check HWLOC_SYNTHETIC/HWLOC_XMLFILE)");
        goto fail;
    }
    int n = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
    if (n <= 0) {
        set_err(err, errlen, "topology has no cores (hwloc found %d)", n);
        goto fail;
    }
    t->ncores = n;
    t->cores = calloc((size_t)n, sizeof *t->cores);
    t->key = calloc((size_t)n, sizeof *t->key);
    t->compact = calloc((size_t)n, sizeof *t->compact);
    t->spread = calloc((size_t)n, sizeof *t->spread);
    int *identity = calloc((size_t)n, sizeof *identity);
    if (!t->cores || !t->key || !t->compact || !t->spread || !identity) {
        free(identity);
        set_err(err, errlen, "topology: out of memory for %d cores", n);
        goto fail;
    }
    for (int c = 0; c < n; c++) {
        t->cores[c] = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, (unsigned)c);
        identity[c] = c;
        if (!t->cores[c] || !t->cores[c]->cpuset || hwloc_bitmap_iszero(t->cores[c]->cpuset)) {
            free(identity);
            set_err(err, errlen, "topology: core %d has no PU", c);
            goto fail;
        }
    }
    /* compact: topology order grouped by L3 domain only (hwloc's logical
     * order already walks packages and NUMA nodes one after the other, so
     * grouping by them too would change nothing); spread: interleave at
     * every level. */
    int rc = build_keys(t, err, errlen);
    if (rc == 0)
        rc = order_cores(t, identity, n, LEVEL_L3, 0, t->compact);
    if (rc == 0)
        rc = order_cores(t, identity, n, LEVEL_PACKAGE, 1, t->spread);
    free(identity);
    if (rc != 0) {
        set_err(err, errlen, "topology: out of memory ordering %d cores", n);
        goto fail;
    }
    fill_machine(t);
    return t;
fail:
    ob_topo_free(t);
    return NULL;
}

static ob_topo *topo_new(char *err, size_t errlen)
{
    ob_topo *t = calloc(1, sizeof *t);
    if (!t) {
        set_err(err, errlen, "topology: out of memory");
        return NULL;
    }
    if (hwloc_topology_init(&t->topo) != 0) {
        set_err(err, errlen, "hwloc_topology_init failed");
        free(t);
        return NULL;
    }
    return t;
}

ob_topo *ob_topo_load(char *err, size_t errlen)
{
    ob_topo *t = topo_new(err, errlen);
    return t ? finish_load(t, err, errlen) : NULL;
}

ob_topo *ob_topo_load_synthetic(const char *desc, char *err, size_t errlen)
{
    if (!desc) {
        set_err(err, errlen, "synthetic topology: NULL description");
        return NULL;
    }
    ob_topo *t = topo_new(err, errlen);
    if (!t)
        return NULL;
    if (hwloc_topology_set_synthetic(t->topo, desc) != 0) {
        set_err(err, errlen,
                "synthetic topology \"%s\" rejected by hwloc (expected e.g. \"pack:2 l3:8 "
                "core:8 pu:1\")",
                desc);
        ob_topo_free(t);
        return NULL;
    }
    return finish_load(t, err, errlen);
}

void ob_topo_free(ob_topo *t)
{
    if (!t)
        return;
    hwloc_topology_destroy(t->topo);
    free(t->cores);
    free(t->key);
    free(t->compact);
    free(t->spread);
    free(t);
}

int ob_topo_core_count(const ob_topo *t)
{
    return t->ncores;
}
int ob_topo_l3_domain_count(const ob_topo *t)
{
    return t->l3_domains;
}
int ob_topo_cores_per_l3(const ob_topo *t)
{
    return t->cores_per_l3;
}
int ob_topo_numa_count(const ob_topo *t)
{
    return t->numas;
}
int ob_topo_package_count(const ob_topo *t)
{
    return t->packages;
}
void ob_topo_machine(const ob_topo *t, ob_machine *out)
{
    *out = t->machine;
}

size_t ob_topo_memory_bytes(const ob_topo *t)
{
    return (size_t)hwloc_get_root_obj(t->topo)->total_memory;
}

int ob_topo_is_this_system(const ob_topo *t)
{
    return hwloc_topology_is_thissystem(t->topo);
}

int ob_topo_order(const ob_topo *t, ob_placement p, int *out, int n)
{
    const int *order = p == OB_PLACE_SPREAD ? t->spread : t->compact;
    int count = n < t->ncores ? n : t->ncores;
    if (count <= 0)
        return 0;
    memcpy(out, order, (size_t)count * sizeof *out);
    return count;
}

int ob_topo_core_os_index(const ob_topo *t, int core)
{
    if (core < 0 || core >= t->ncores)
        return -1;
    return hwloc_bitmap_first(t->cores[core]->cpuset);
}

int ob_topo_bind_thread(const ob_topo *t, int core, char *err, size_t errlen)
{
    return ob_topo_bind_thread_cores(t, &core, 1, err, errlen);
}

/* One PU of each core, so that a thread cannot wander between SMT siblings. */
int ob_topo_bind_thread_cores(const ob_topo *t, const int *cores, int n, char *err, size_t errlen)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc(), one = hwloc_bitmap_alloc();
    int rc = set && one ? 0 : -1;
    if (rc)
        set_err(err, errlen, "bind: out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        if (cores[i] < 0 || cores[i] >= t->ncores) {
            set_err(err, errlen, "bind: core %d out of range (0..%d)", cores[i], t->ncores - 1);
            rc = -1;
            break;
        }
        if (hwloc_bitmap_copy(one, t->cores[cores[i]]->cpuset) != 0 ||
            hwloc_bitmap_singlify(one) != 0 || hwloc_bitmap_or(set, set, one) != 0) {
            set_err(err, errlen, "bind: cannot build the cpuset of core %d", cores[i]);
            rc = -1;
        }
    }
    if (rc == 0 && (rc = hwloc_set_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD)) != 0) {
        if (n == 1)
            set_err(err, errlen, "bind to core %d (PU P#%d) failed: hwloc_set_cpubind returned %d",
                    cores[0], hwloc_bitmap_first(set), rc);
        else
            set_err(err, errlen,
                    "bind to %d cores from core %d failed: hwloc_set_cpubind returned %d", n,
                    cores[0], rc);
    }
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(one);
    return rc == 0 ? 0 : -1;
}

int ob_topo_unbind_thread(const ob_topo *t, char *err, size_t errlen)
{
    hwloc_const_cpuset_t all = hwloc_topology_get_allowed_cpuset(t->topo);
    if (!all || hwloc_set_cpubind(t->topo, all, HWLOC_CPUBIND_THREAD) != 0) {
        set_err(err, errlen, "unbind failed: hwloc_set_cpubind to the allowed cpuset refused");
        return -1;
    }
    return 0;
}

char *ob_topo_xml(const ob_topo *t)
{
    char *buf = NULL;
    int len = 0;
    if (hwloc_topology_export_xmlbuffer(t->topo, &buf, &len, 0) != 0 || !buf || len <= 0)
        return NULL;
    /* len counts the terminating NUL; copy so callers free() it. */
    char *copy = malloc((size_t)len);
    if (copy) {
        memcpy(copy, buf, (size_t)len);
        copy[len - 1] = '\0';
    }
    hwloc_free_xmlbuffer(t->topo, buf);
    return copy;
}

static int is_power_of_two(int k)
{
    return k > 0 && (k & (k - 1)) == 0;
}

int ob_ladder_default(int cores, int per_l3, int l3_domains, int packages, int max_k, int *out,
                      int n)
{
    if (cores <= 0 || n <= 0)
        return 0;
    /* max_k <= 0 means no cap; a cap below the core count becomes the top step itself. */
    int top = (max_k > 0 && max_k < cores) ? max_k : cores;
    int per_package = packages > 0 && cores % packages == 0 ? cores / packages : 0;
    int count = 0;
    for (int k = 1; k <= top && count < n; k++) {
        int level = is_power_of_two(k) || k == top;
        level |= per_l3 > 0 && k == per_l3;               /* the first L3 domain full (compact) */
        level |= l3_domains > 1 && k == l3_domains;       /* one rank on every L3 domain (spread) */
        level |= per_package > 0 && k % per_package == 0; /* a socket boundary */
        if (level)
            out[count++] = k;
    }
    return count;
}

int ob_topo_default_ladder(const ob_topo *t, int max_k, int *out, int n)
{
    return ob_ladder_default(ob_topo_core_count(t), ob_topo_cores_per_l3(t),
                             ob_topo_l3_domain_count(t), ob_topo_package_count(t), max_k, out, n);
}

/* The PUs a synthetic description makes: the product of its TYPE:N
 * counts (an attribute in parentheses or a bare word counts 1). */
static double synthetic_pus(const char *desc)
{
    double pus = 1.0;
    for (const char *c = strchr(desc, ':'); c; c = strchr(c + 1, ':')) {
        char *end = NULL;
        double n = strtod(c + 1, &end);
        if (end != c + 1 && n > 0)
            pus *= n;
    }
    return pus;
}

int ob_topo_use_description(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, errlen,
                "--topology %s: %s (accepted: a file under data/topologies or an "
                "hwloc XML export)",
                path, strerror(errno));
        return -1;
    }
    char desc[4096] = "", line[1024];
    int xml = 0;
    size_t used = 0;
    while (fgets(line, sizeof line, f)) {
        char *w = line + strspn(line, " \t");
        if (!strncmp(w, "<?xml", 5) || !strncmp(w, "<topology", 9))
            xml = 1;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        for (char *tok = strtok(line, " \t"); tok && !xml; tok = strtok(NULL, " \t"))
            used += (size_t)snprintf(desc + used, used < sizeof desc ? sizeof desc - used : 0,
                                     "%s%s", used ? " " : "", tok);
    }
    fclose(f);
    if (xml)
        return setenv("HWLOC_XMLFILE", path, 1) == 0 ? 0 : -1;
    if (!desc[0] || used >= sizeof desc) {
        set_err(err, errlen,
                "--topology %s: %s (accepted: an hwloc synthetic description such "
                "as 'pack:2 l3:16 core:4 pu:2', or hwloc XML)",
                path, desc[0] ? "description too long" : "no description in the file");
        return -1;
    }
    double pus = synthetic_pus(desc);
    if (pus > OB_TOPO_MAX_PUS) { /* hwloc would take minutes building it */
        set_err(err, errlen,
                "--topology %s: %.3g PUs (accepted: a machine of at most %d PUs, e.g. 'pack:2 "
                "l3:16 core:4 pu:2')",
                path, pus, OB_TOPO_MAX_PUS);
        return -1;
    }
    unsetenv("HWLOC_XMLFILE");
    return setenv("HWLOC_SYNTHETIC", desc, 1) == 0 ? 0 : -1;
}
