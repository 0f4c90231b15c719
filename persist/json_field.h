/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict, path-aware reading and writing of JSON fields, shared by the
 * state codec (persist/state.c, persist/endpoint_json.c) and the
 * migration (persist/migrate.c).
 *
 * A struct hull_jpath follows the decoder down the document
 * ("network.endpoints[1].mac") so that every error names the field it is
 * about.  Getters take the path of the containing value, push the key
 * while they work (the message is written then) and pop it before they
 * return.  Optional fields that are absent leave *out alone, so callers
 * set defaults first.
 *
 * config.json (runtime/oci_spec.c) reads with the same getters in its own
 * wording, which its users and tests know: a path made with
 * HULL_JPATH_OCI_INIT reads JSON null as absent, a missing member as
 * `<path>: missing "key"` and a wrong type as `<path>: expected <what>`
 * (without the value).
 */
#ifndef HULL_PERSIST_JSON_FIELD_H
#define HULL_PERSIST_JSON_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

struct hull_jpath {
	char buf[512];
	size_t len;
	bool oci; /* config.json's wording (above) */
};

#define HULL_JPATH_INIT                                                                            \
	{                                                                                          \
		.buf = "", .len = 0                                                                \
	}
#define HULL_JPATH_OCI_INIT                                                                        \
	{                                                                                          \
		.buf = "", .len = 0, .oci = true                                                   \
	}

/*
 * The one way hull parses a JSON document it reads (config.json, the
 * configuration, state.json): duplicate keys are refused, and a syntax
 * error fails with "NAME: line L column C: <what is wrong>".  jansson
 * quotes the text around the error ("near 'xyz'"); that is left out: the
 * file may be a symbolic link to a file that is not JSON at all (a
 * secret), and hull must not echo it.  NULL on failure.
 */
json_t *hull_json_parse(const char *name, const char *text, size_t len, hull_error_t *err);

/* Push a member or an index; both return the length to pop back to. */
size_t hull_jpath_key(struct hull_jpath *p, const char *key);
size_t hull_jpath_index(struct hull_jpath *p, size_t index);
void hull_jpath_pop(struct hull_jpath *p, size_t len);

/* "<path>: <message>" (just "<message>" at the root); returns -1. */
int hull_jfail(hull_error_t *err, const struct hull_jpath *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "<path>: expected <what>, got <value as compact JSON>"; returns -1. */
int hull_jfail_type(hull_error_t *err, const struct hull_jpath *p, const char *what,
                    const json_t *got);

/*
 * The member key of obj.  Absent: an error ("<path>.key: missing") when
 * required, else NULL with *err untouched.
 */
const json_t *hull_jget(const json_t *obj, const char *key, bool required, struct hull_jpath *p,
                        hull_error_t *err, int *rc);

/* The string itself, borrowed from obj. */
int hull_jget_str(const json_t *obj, const char *key, bool required, const char **out,
                  struct hull_jpath *p, hull_error_t *err);
int hull_jget_string(const json_t *obj, const char *key, bool required, char **out,
                     struct hull_jpath *p, hull_error_t *err);
/* Into a fixed buffer; longer than size - 1 is an error. */
int hull_jget_string_buf(const json_t *obj, const char *key, bool required, char *out, size_t size,
                         struct hull_jpath *p, hull_error_t *err);
/* An absolute path ("/..."), as a string. */
int hull_jget_abspath(const json_t *obj, const char *key, bool required, char **out,
                      struct hull_jpath *p, hull_error_t *err);
int hull_jget_int(const json_t *obj, const char *key, bool required, long long min, long long max,
                  long long *out, struct hull_jpath *p, hull_error_t *err);
/* A value (an array item) at path p: an integer from min to max. */
int hull_jcheck_int(const json_t *v, long long min, long long max, long long *out,
                    const struct hull_jpath *p, hull_error_t *err);
int hull_jget_bool(const json_t *obj, const char *key, bool required, bool *out,
                   struct hull_jpath *p, hull_error_t *err);
/* One of names[0..n-1] (NULL entries are holes); *out is the index. */
int hull_jget_enum(const json_t *obj, const char *key, bool required, const char *const *names,
                   size_t n, int *out, struct hull_jpath *p, hull_error_t *err);
/* An object (or an array, with want_array) itself, borrowed from obj. */
int hull_jget_ref(const json_t *obj, const char *key, bool required, bool want_array, json_t **out,
                  struct hull_jpath *p, hull_error_t *err);
/* An array of strings, borrowed from obj ("<path>.key[i]: expected a string"). */
int hull_jget_strings(const json_t *obj, const char *key, bool required, json_t **out,
                      struct hull_jpath *p, hull_error_t *err);
/* A deep copy of an object (or an array, with want_array), NULL when absent. */
int hull_jget_copy(const json_t *obj, const char *key, bool required, bool want_array, json_t **out,
                   struct hull_jpath *p, hull_error_t *err);

/*
 * Building: each setter records its first failure in the builder instead
 * of returning it, so an encoder is a straight list of calls and one
 * check at the end.  NULL strings are omitted.
 */
struct hull_jbuild {
	bool failed;
	char why[160]; /* the first failure, e.g. `bundle: "\xff" is not valid UTF-8` */
};

void hull_jbuild_fail(struct hull_jbuild *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void hull_jset(struct hull_jbuild *b, json_t *obj, const char *key, json_t *value);
void hull_jset_string(struct hull_jbuild *b, json_t *obj, const char *key, const char *value);
void hull_jset_int(struct hull_jbuild *b, json_t *obj, const char *key, long long value);
void hull_jset_bool(struct hull_jbuild *b, json_t *obj, const char *key, bool value);
/* A new string value; NULL (and a failure) when value is not UTF-8. */
json_t *hull_jstring(struct hull_jbuild *b, const char *what, const char *value);
void hull_jappend(struct hull_jbuild *b, json_t *array, json_t *value);

#endif
