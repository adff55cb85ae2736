/* The phase marks a job writes on OCCBENCH_PHASE_FD, one per line:
 *     begin NAME [compute|io]
 *     end NAME
 * NAME is 1..63 of [A-Za-z0-9_.-]. Pure parsing, unit-tested. */
#ifndef OCCBENCH_JOB_MARKS_H
#define OCCBENCH_JOB_MARKS_H

typedef enum ob_mark_kind { OB_MARK_BAD = 0, OB_MARK_BEGIN, OB_MARK_END } ob_mark_kind;

typedef struct ob_mark {
    ob_mark_kind kind;
    char name[64];
    int io; /* begin ... io: the phase moves data (its class is io) */
} ob_mark;

/* A character of a job's or a phase's name: [A-Za-z0-9_.-]. */
int ob_job_name_char(char c);

/* Parse one line (without or with its newline); returns out->kind. */
ob_mark_kind ob_job_parse_mark(const char *line, ob_mark *out);

#endif
