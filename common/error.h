/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's one error convention.
 *
 * A function that can fail returns an int (< 0 on failure) and takes a
 * `hull_error_t *err` as its last argument, which it fills with
 * hull_fail().  Callers add context as the error travels up with
 * hull_error_prefix(), so the final message reads from the outside in:
 *
 *     create sandbox: attach endpoint eth0: open /dev/tap7: Permission denied
 *
 * Only main() turns an error into text (hull_error_print) and an exit code.
 *
 * One exception, always named in the function's header: a lookup may
 * return a bare negative errno, with *err left empty, for the one outcome
 * its callers branch on rather than report (hull_nl_get_link's -ENODEV:
 * the link is not there).  Every other failure fills *err.
 * libnl's NLE_* codes, jansson's json_error_t and libbpf's negative errnos
 * are converted into a hull_error_t where hull calls those libraries.
 */
#ifndef HULL_COMMON_ERROR_H
#define HULL_COMMON_ERROR_H

#include <stdio.h>

struct hull_error {
	int errnum; /* errno value appended to the message, 0 for none */
	char *msg;
};
typedef struct hull_error *hull_error_t;

/* Fills *err (if err is non-NULL and empty) and returns -1. */
int hull_fail(hull_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "<context>: " to the message in *err and returns -1. */
int hull_error_prefix(hull_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The full message, "<msg>" or "<msg>: <strerror(errnum)>", malloc'd. */
char *hull_error_text(const struct hull_error *err);

/*
 * The same text for a log line or a reply, NULL-safe, in a per-thread
 * buffer that the next call reuses (truncated past 2 KiB).  A NULL err or
 * message (hull_fail could not allocate) reads "out of memory ...".  Use
 * it instead of err->msg, which drops the errno text.
 */
const char *hull_error_str(const struct hull_error *err);

/* Writes "hull: <text>\n" to out. */
void hull_error_print(FILE *out, const struct hull_error *err);

void hull_error_release(hull_error_t *err);

#define cleanup_error __attribute__((cleanup(hull_error_release)))

#endif
