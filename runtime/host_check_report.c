/* SPDX-License-Identifier: Apache-2.0 */
/* The report of `hull check`: its items, and their text and JSON renderings. */
#include "runtime/host_check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void hull_check_add(struct hull_check_report *r, const char *name, enum hull_check_status s,
                    double ms, const char *fmt, ...)
{
	struct hull_check_item *grown = realloc(r->items, (r->n + 1) * sizeof(*r->items));
	struct hull_check_item *it;
	char *detail = NULL;
	va_list ap;
	int n;

	if (grown == NULL)
		return;
	r->items = grown;
	va_start(ap, fmt);
	n = vasprintf(&detail, fmt, ap);
	va_end(ap);
	if (n < 0)
		detail = NULL;
	/* One line, whatever a message from elsewhere holds. */
	for (char *p = detail; p && *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	it = &r->items[r->n];
	it->name = strdup(name);
	it->status = s;
	it->detail = detail ? detail : strdup("(out of memory)");
	it->ms = ms;
	if (it->name == NULL || it->detail == NULL) {
		free(it->name);
		free(it->detail);
		return;
	}
	r->n++;
}

void hull_check_report_free(struct hull_check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].name);
		free(r->items[i].detail);
	}
	free(r->items);
	r->items = NULL;
	r->n = 0;
}

bool hull_check_report_ok(const struct hull_check_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].status == HULL_CHECK_FAIL)
			return false;
	return true;
}

const struct hull_check_item *hull_check_report_find(const struct hull_check_report *r,
                                                     const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].name, name) == 0)
			return &r->items[i];
	return NULL;
}

const char *hull_check_status_name(enum hull_check_status s)
{
	switch (s) {
	case HULL_CHECK_OK:
		return "ok";
	case HULL_CHECK_WARN:
		return "warn";
	default:
		return "fail";
	}
}

void hull_check_report_print(FILE *out, const struct hull_check_report *r)
{
	int width = 0;

	for (size_t i = 0; i < r->n; i++) {
		int len = (int)strlen(r->items[i].name);

		if (len > width)
			width = len;
	}
	for (size_t i = 0; i < r->n; i++)
		fprintf(out, "%-4s %-*s  %s\n", hull_check_status_name(r->items[i].status), width,
		        r->items[i].name, r->items[i].detail);
}

json_t *hull_check_report_json(const struct hull_check_report *r)
{
	json_t *checks = json_array();

	for (size_t i = 0; checks && i < r->n; i++) {
		const struct hull_check_item *it = &r->items[i];
		double ms =
		    (double)(long long)(it->ms * 1000 + 0.5) / 1000; /* to the microsecond */

		if (json_array_append_new(checks,
		                          json_pack("{s:s, s:s, s:s, s:f}", "name", it->name,
		                                    "status", hull_check_status_name(it->status),
		                                    "detail", it->detail, "ms", ms)) < 0) {
			json_decref(checks);
			return NULL;
		}
	}
	return json_pack("{s:b, s:o}", "ok", hull_check_report_ok(r), "checks", checks);
}
