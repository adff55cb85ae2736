/* Phase marks of a job (see job_marks.h). */
#include "kernels/job/job_marks.h"

#include <string.h>

int ob_job_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* The next blank-separated word of *p (at most `len` - 1 characters), or 0. */
static int word(const char **p, char *out, size_t len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && s[n] != '\r')
        n++;
    if (n == 0 || n >= len)
        return 0;
    memcpy(out, s, n);
    out[n] = '\0';
    *p = s + n;
    return 1;
}

ob_mark_kind ob_job_parse_mark(const char *line, ob_mark *out)
{
    memset(out, 0, sizeof *out);
    char verb[8], cls[16];
    const char *p = line;
    if (!word(&p, verb, sizeof verb) || !word(&p, out->name, sizeof out->name))
        return out->kind = OB_MARK_BAD;
    for (const char *c = out->name; *c; c++)
        if (!ob_job_name_char(*c))
            return out->kind = OB_MARK_BAD;
    int has_class = word(&p, cls, sizeof cls);
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p && *p != '\n' && *p != '\r') /* a fourth word, or a class too long to be one */
        return out->kind = OB_MARK_BAD;
    if (!strcmp(verb, "begin")) {
        if (has_class && strcmp(cls, "compute") && strcmp(cls, "io"))
            return out->kind = OB_MARK_BAD;
        out->io = has_class && !strcmp(cls, "io");
        return out->kind = OB_MARK_BEGIN;
    }
    if (!strcmp(verb, "end") && !has_class)
        return out->kind = OB_MARK_END;
    return out->kind = OB_MARK_BAD;
}
