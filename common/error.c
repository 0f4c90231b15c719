/* SPDX-License-Identifier: Apache-2.0 */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

int hull_fail(hull_error_t *err, int errnum, const char *fmt, ...)
{
	struct hull_error *e;
	va_list ap;

	if (err == NULL || *err != NULL)
		return -1; /* keep the first, innermost cause */
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	e->msg = vformat(fmt, ap);
	va_end(ap);
	e->errnum = errnum;
	*err = e;
	return -1;
}

int hull_error_prefix(hull_error_t *err, const char *fmt, ...)
{
	char *context, *joined = NULL;
	va_list ap;

	if (err == NULL || *err == NULL)
		return -1;
	va_start(ap, fmt);
	context = vformat(fmt, ap);
	va_end(ap);
	if (context == NULL)
		return -1;
	if (asprintf(&joined, "%s: %s", context, (*err)->msg ? (*err)->msg : "") >= 0) {
		free((*err)->msg);
		(*err)->msg = joined;
	}
	free(context);
	return -1;
}

char *hull_error_text(const struct hull_error *err)
{
	char *s = NULL;
	const char *msg = err && err->msg ? err->msg : "unknown error";

	if (err && err->errnum) {
		if (asprintf(&s, "%s: %s", msg, strerror(err->errnum)) < 0)
			return NULL;
		return s;
	}
	return strdup(msg);
}

const char *hull_error_str(const struct hull_error *err)
{
	static __thread char buf[2048];

	if (err == NULL || err->msg == NULL)
		return "out of memory (the error could not be recorded)";
	if (err->errnum)
		snprintf(buf, sizeof(buf), "%s: %s", err->msg, strerror(err->errnum));
	else
		snprintf(buf, sizeof(buf), "%s", err->msg);
	return buf;
}

void hull_error_print(FILE *out, const struct hull_error *err)
{
	char *text = hull_error_text(err);

	fprintf(out, "hull: %s\n", text ? text : "out of memory");
	free(text);
}

void hull_error_release(hull_error_t *err)
{
	if (err == NULL || *err == NULL)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}
