/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/json_field.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

json_t *hull_json_parse(const char *name, const char *text, size_t len, hull_error_t *err)
{
	/* jansson's own words come first; " near '<text>'" follows them, as
	 * does the value of a byte it could not decode (" 0xNN"). */
	static const char *const content[] = {" near '", " 0x"};
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	size_t what = strlen(jerr.text);

	if (root != NULL)
		return root;
	for (size_t i = 0; i < sizeof(content) / sizeof(content[0]); i++) {
		const char *at = strstr(jerr.text, content[i]);

		if (at && (size_t)(at - jerr.text) < what)
			what = (size_t)(at - jerr.text);
	}
	hull_fail(err, 0, "%s: line %d column %d: %.*s", name, jerr.line, jerr.column, (int)what,
	          jerr.text);
	return NULL;
}

/* Appends text to the path, cutting it (never overflowing) if it is too long. */
static void jpath_append(struct hull_jpath *p, const char *text, size_t len)
{
	if (len > sizeof(p->buf) - 1 - p->len)
		len = sizeof(p->buf) - 1 - p->len;
	memcpy(p->buf + p->len, text, len);
	p->len += len;
	p->buf[p->len] = '\0';
}

/* Called for every field decoded, so no printf here. */
size_t hull_jpath_key(struct hull_jpath *p, const char *key)
{
	size_t old = p->len;

	if (p->len)
		jpath_append(p, ".", 1);
	jpath_append(p, key, strlen(key));
	return old;
}

size_t hull_jpath_index(struct hull_jpath *p, size_t index)
{
	char digits[24], *d = digits + sizeof(digits);
	size_t old = p->len;

	*--d = ']';
	do {
		*--d = (char)('0' + index % 10);
		index /= 10;
	} while (index);
	*--d = '[';
	jpath_append(p, d, (size_t)(digits + sizeof(digits) - d));
	return old;
}

void hull_jpath_pop(struct hull_jpath *p, size_t len)
{
	p->len = len;
	p->buf[len] = '\0';
}

int hull_jfail(hull_error_t *err, const struct hull_jpath *p, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hull_fail(err, 0, "%s: out of memory", p->buf);
	if (p->len == 0)
		return hull_fail(err, 0, "%s", msg);
	return hull_fail(err, 0, "%s: %s", p->buf, msg);
}

/* The value as compact JSON, cut at 64 characters: enough to recognise it. */
static char *json_for_message(const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (s != NULL && strlen(s) > 64)
		strcpy(s + 61, "...");
	return s;
}

int hull_jfail_type(hull_error_t *err, const struct hull_jpath *p, const char *what,
                    const json_t *got)
{
	cleanup_free char *shown = NULL;

	if (p->oci)
		return hull_jfail(err, p, "expected %s", what);
	shown = json_for_message(got);
	return hull_jfail(err, p, "expected %s, got %s", what, shown ? shown : "?");
}

/* "<path>.key: out of memory"; returns -1. */
static int jfail_out_of_memory(hull_error_t *err, struct hull_jpath *p, const char *key)
{
	size_t old = hull_jpath_key(p, key);

	hull_jfail(err, p, "out of memory");
	hull_jpath_pop(p, old);
	return -1;
}

const json_t *hull_jget(const json_t *obj, const char *key, bool required, struct hull_jpath *p,
                        hull_error_t *err, int *rc)
{
	const json_t *v = json_object_get(obj, key);

	*rc = 0;
	if (p->oci && json_is_null(v))
		v = NULL;
	if (v == NULL && required && p->oci) {
		*rc = hull_jfail(err, p, "missing \"%s\"", key);
	} else if (v == NULL && required) {
		size_t old = hull_jpath_key(p, key);

		*rc = hull_jfail(err, p, "missing");
		hull_jpath_pop(p, old);
	}
	return v;
}

int hull_jget_str(const json_t *obj, const char *key, bool required, const char **out,
                  struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(obj, key, required, p, err, &rc);
	size_t old;

	if (v == NULL)
		return rc;
	old = hull_jpath_key(p, key);
	if (!json_is_string(v))
		rc = hull_jfail_type(err, p, "a string", v);
	else
		*out = json_string_value(v);
	hull_jpath_pop(p, old);
	return rc;
}

int hull_jget_string(const json_t *obj, const char *key, bool required, char **out,
                     struct hull_jpath *p, hull_error_t *err)
{
	const char *s = NULL;
	char *copy;

	if (hull_jget_str(obj, key, required, &s, p, err) < 0)
		return -1;
	if (s == NULL)
		return 0;
	copy = strdup(s);
	if (copy == NULL)
		return jfail_out_of_memory(err, p, key);
	free(*out);
	*out = copy;
	return 0;
}

int hull_jget_string_buf(const json_t *obj, const char *key, bool required, char *out, size_t size,
                         struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(obj, key, required, p, err, &rc);
	size_t old;

	if (v == NULL)
		return rc;
	old = hull_jpath_key(p, key);
	if (!json_is_string(v))
		rc = hull_jfail_type(err, p, "a string", v);
	else if (json_string_length(v) >= size)
		rc = hull_jfail(err, p, "\"%s\" is longer than %zu characters",
		                json_string_value(v), size - 1);
	else
		memcpy(out, json_string_value(v), json_string_length(v) + 1);
	hull_jpath_pop(p, old);
	return rc;
}

int hull_jget_abspath(const json_t *obj, const char *key, bool required, char **out,
                      struct hull_jpath *p, hull_error_t *err)
{
	size_t old;

	if (hull_jget_string(obj, key, required, out, p, err) < 0)
		return -1;
	if (*out == NULL || (*out)[0] == '/')
		return 0;
	old = hull_jpath_key(p, key);
	hull_jfail(err, p, "\"%s\" is not an absolute path", *out);
	hull_jpath_pop(p, old);
	return -1;
}

int hull_jget_int(const json_t *obj, const char *key, bool required, long long min, long long max,
                  long long *out, struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(obj, key, required, p, err, &rc);
	size_t old;

	if (v == NULL)
		return rc;
	old = hull_jpath_key(p, key);
	rc = hull_jcheck_int(v, min, max, out, p, err);
	hull_jpath_pop(p, old);
	return rc;
}

int hull_jcheck_int(const json_t *v, long long min, long long max, long long *out,
                    const struct hull_jpath *p, hull_error_t *err)
{
	if (!json_is_integer(v))
		return hull_jfail_type(err, p, "an integer", v);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return hull_jfail(err, p, "%lld is out of range (%lld to %lld)",
		                  (long long)json_integer_value(v), min, max);
	*out = json_integer_value(v);
	return 0;
}

int hull_jget_bool(const json_t *obj, const char *key, bool required, bool *out,
                   struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(obj, key, required, p, err, &rc);
	size_t old;

	if (v == NULL)
		return rc;
	old = hull_jpath_key(p, key);
	if (!json_is_boolean(v))
		rc = hull_jfail_type(err, p, "true or false", v);
	else
		*out = json_is_true(v);
	hull_jpath_pop(p, old);
	return rc;
}

int hull_jget_enum(const json_t *obj, const char *key, bool required, const char *const *names,
                   size_t n, int *out, struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(obj, key, required, p, err, &rc);
	char expected[256] = "";
	size_t old, i, used = 0;

	if (v == NULL)
		return rc;
	old = hull_jpath_key(p, key);
	if (!json_is_string(v)) {
		rc = hull_jfail_type(err, p, "a string", v);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], json_string_value(v)) == 0) {
			*out = (int)i;
			goto out;
		}
	}
	for (i = 0; i < n && used < sizeof(expected) - 1; i++) {
		if (names[i] == NULL)
			continue;
		used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s%s",
		                         used ? ", " : "", names[i]);
	}
	rc = hull_jfail(err, p, "unknown value \"%s\" (expected one of: %s)", json_string_value(v),
	                expected);
out:
	hull_jpath_pop(p, old);
	return rc;
}

int hull_jget_ref(const json_t *obj, const char *key, bool required, bool want_array, json_t **out,
                  struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(obj, key, required, p, err, &rc);
	size_t old;

	if (v == NULL)
		return rc;
	old = hull_jpath_key(p, key);
	if (want_array ? !json_is_array(v) : !json_is_object(v))
		rc = hull_jfail_type(err, p, want_array ? "an array" : "an object", v);
	else
		*out = (json_t *)v; /* jansson's getters hand out non-const values too */
	hull_jpath_pop(p, old);
	return rc;
}

int hull_jget_strings(const json_t *obj, const char *key, bool required, json_t **out,
                      struct hull_jpath *p, hull_error_t *err)
{
	json_t *array = NULL, *item;
	size_t old, i;
	int rc = 0;

	if (hull_jget_ref(obj, key, required, true, &array, p, err) < 0)
		return -1;
	if (array == NULL)
		return 0;
	old = hull_jpath_key(p, key);
	json_array_foreach(array, i, item)
	{
		if (!json_is_string(item)) {
			hull_jpath_index(p, i);
			rc = hull_jfail_type(err, p, "a string", item);
			break;
		}
	}
	hull_jpath_pop(p, old);
	if (rc == 0)
		*out = array;
	return rc;
}

int hull_jget_copy(const json_t *obj, const char *key, bool required, bool want_array, json_t **out,
                   struct hull_jpath *p, hull_error_t *err)
{
	json_t *v = NULL, *copy;

	if (hull_jget_ref(obj, key, required, want_array, &v, p, err) < 0)
		return -1;
	if (v == NULL)
		return 0;
	copy = json_deep_copy(v);
	if (copy == NULL)
		return jfail_out_of_memory(err, p, key);
	json_decref(*out);
	*out = copy;
	return 0;
}

void hull_jbuild_fail(struct hull_jbuild *b, const char *fmt, ...)
{
	va_list ap;

	if (b->failed)
		return;
	b->failed = true;
	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
}

void hull_jset(struct hull_jbuild *b, json_t *obj, const char *key, json_t *value)
{
	/* json_object_set_new() takes the reference even when it fails. */
	if (value == NULL || json_object_set_new(obj, key, value) < 0)
		hull_jbuild_fail(b, "%s: out of memory", key);
}

json_t *hull_jstring(struct hull_jbuild *b, const char *what, const char *value)
{
	json_t *s = json_string(value);

	if (s == NULL) {
		/* jansson refuses only invalid UTF-8 here (or a failed malloc). */
		char shown[64];
		size_t i, o = 0;

		for (i = 0; value[i] != '\0' && o + 5 < sizeof(shown); i++) {
			unsigned char c = (unsigned char)value[i];

			if (c < 0x20 || c >= 0x7f)
				o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", c);
			else
				shown[o++] = (char)c;
		}
		shown[o] = '\0';
		hull_jbuild_fail(b, "%s: \"%s\" is not valid UTF-8", what, shown);
	}
	return s;
}

void hull_jset_string(struct hull_jbuild *b, json_t *obj, const char *key, const char *value)
{
	json_t *s;

	if (value == NULL)
		return;
	s = hull_jstring(b, key, value);
	if (s != NULL)
		hull_jset(b, obj, key, s);
}

void hull_jset_int(struct hull_jbuild *b, json_t *obj, const char *key, long long value)
{
	hull_jset(b, obj, key, json_integer(value));
}

void hull_jset_bool(struct hull_jbuild *b, json_t *obj, const char *key, bool value)
{
	hull_jset(b, obj, key, json_boolean(value));
}

void hull_jappend(struct hull_jbuild *b, json_t *array, json_t *value)
{
	if (value == NULL || json_array_append_new(array, value) < 0)
		hull_jbuild_fail(b, "out of memory");
}
