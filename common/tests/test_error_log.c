/* SPDX-License-Identifier: Apache-2.0 */
/* The error and logging conventions (common/error.h, common/log.h). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"

static void error_prefix_reads_outside_in(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *text = NULL;

	assert_int_equal(hull_fail(&err, ENOENT, "open %s", "/dev/tap7"), -1);
	assert_int_equal(hull_error_prefix(&err, "attach endpoint %s", "eth0"), -1);
	assert_int_equal(hull_error_prefix(&err, "create sandbox"), -1);
	text = hull_error_text(err);
	assert_string_equal(
	    text,
	    "create sandbox: attach endpoint eth0: open /dev/tap7: No such file or directory");
}

static void first_error_is_kept(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;

	hull_fail(&err, 0, "inner cause");
	hull_fail(&err, 0, "outer symptom");
	assert_string_equal(err->msg, "inner cause");
	assert_int_equal(hull_fail(NULL, 0, "no error object"), -1);
}

/* The text for a log line keeps the errno text, and a missing error is named. */
static void error_str_is_whole_and_null_safe(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	struct hull_error no_msg = {.errnum = ENOENT, .msg = NULL};

	assert_string_equal(hull_error_str(NULL),
	                    "out of memory (the error could not be recorded)");
	assert_string_equal(hull_error_str(&no_msg),
	                    "out of memory (the error could not be recorded)");
	hull_fail(&err, ENOENT, "open %s", "/x");
	assert_string_equal(hull_error_str(err), "open /x: No such file or directory");
}

static void log_format_names_bad_value(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	enum hull_log_format f;

	assert_int_equal(hull_log_parse_format("json", &f, &err), 0);
	assert_int_equal(f, HULL_LOG_JSON);
	assert_int_equal(hull_log_parse_format("yaml", &f, &err), -1);
	assert_non_null(strstr(err->msg, "\"yaml\""));
}

static void json_log_line_has_runc_shape(void **state)
{
	(void)state;
	char path[] = "/tmp/hull-log-XXXXXX";
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *line = NULL;
	cleanup_file FILE *f = NULL;
	char buf[512];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hull_log_init(path, HULL_LOG_JSON, false, &err), 0);
	log_debug("not written without --debug");
	log_warning("tap %s: mtu %d", "tap0", 1500);
	hull_log_close();

	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_null(fgets(buf + 256, 256, f)); /* exactly one line */
	line = json_loads(buf, 0, NULL);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "level")), "warning");
	assert_string_equal(json_string_value(json_object_get(line, "msg")), "tap tap0: mtu 1500");
	assert_non_null(strchr(json_string_value(json_object_get(line, "time")), 'T'));
	unlink(path);
}

/* Reads the one line a log file holds (fails if it holds more). */
static void read_one_line(const char *path, char *buf, size_t size)
{
	cleanup_file FILE *f = fopen(path, "r");
	char more[64];

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)size, f));
	if (fgets(more, sizeof(more), f) != NULL)
		fail_msg("a second line: %s", more);
}

/* The text of a logfmt value quoted as Go's strconv.Quote does, up to its
 * closing quote; NULL when the quoting is broken. */
static char *logfmt_unquote(const char *p, const char **end)
{
	char *out = malloc(strlen(p) + 1);
	size_t n = 0;

	assert_non_null(out);
	for (; *p && *p != '"'; p++) {
		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			out[n++] = '\n';
		else if (*p == 't')
			out[n++] = '\t';
		else if (*p == 'r')
			out[n++] = '\r';
		else if (*p == '"' || *p == '\\')
			out[n++] = *p;
		else if (*p == 'x' && p[1] && p[2]) {
			char hex[3] = {p[1], p[2], '\0'};

			out[n++] = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			free(out);
			return NULL;
		}
	}
	if (*p != '"') {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	*end = p + 1;
	return out;
}

/* A message cannot forge a second line, or a field, in a text log. */
static void text_log_escapes_newlines_and_quotes(void **state)
{
	static const char evil[] =
	    "tap0 gone\ntime=\"2020\" level=error msg=\"forged\" \\ \x01 end";
	char path[] = "/tmp/hull-log-XXXXXX";
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *msg = NULL;
	char buf[1024];
	const char *p, *end = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hull_log_init(path, HULL_LOG_TEXT, false, &err), 0);
	log_warning("%s", evil);
	hull_log_close();
	read_one_line(path, buf, sizeof(buf));
	unlink(path);
	assert_true(strncmp(buf, "time=\"", 6) == 0);
	p = strstr(buf, "\" level=warning msg=\"");
	assert_non_null(p);
	msg = logfmt_unquote(p + strlen("\" level=warning msg=\""), &end);
	if (msg == NULL)
		fail_msg("msg is not quoted: %s", buf);
	assert_string_equal(msg, evil);
	assert_string_equal(end, "\n");
}

/* A message that is not UTF-8 is still written, as one JSON line. */
static void json_log_keeps_a_message_that_is_not_utf8(void **state)
{
	char path[] = "/tmp/hull-log-XXXXXX";
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *line = NULL;
	char buf[512];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hull_log_init(path, HULL_LOG_JSON, false, &err), 0);
	log_warning("name \xff\xfe \"q\"\nx");
	hull_log_close();
	read_one_line(path, buf, sizeof(buf));
	unlink(path);
	line = json_loads(buf, 0, NULL);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "msg")),
	                    "name \\xff\\xfe \"q\"\nx");
}

/*
 * With a --log file, hull_log_to_fd still takes (closes) its fd: the
 * monitor of a container with a terminal must not keep its caller's
 * stderr pipe (the runc shim reads it until EOF).
 */
static void log_to_fd_takes_the_fd_with_a_log_file(void **state)
{
	(void)state;
	char path[] = "/tmp/hull-log-fd.XXXXXX", c;
	int fd = mkstemp(path), p[2];

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hull_log_init(path, HULL_LOG_TEXT, false, NULL), 0);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(hull_log_to_fd(p[1]), 0);
	assert_int_equal(read(p[0], &c, 1), 0); /* EOF: no writer left */
	close(p[0]);
	hull_log_close();
	unlink(path);
}

/*
 * Without a --log file, messages go to hull_log_to_fd's fd (the monitor's
 * log, once the container's terminal is its stderr) and no longer to
 * stderr; closing the log closes the fd.
 */
static void log_to_fd_carries_the_messages_without_a_log_file(void **state)
{
	(void)state;
	char buf[512] = "", c;
	int p[2];
	ssize_t n;

	assert_int_equal(hull_log_init(NULL, HULL_LOG_TEXT, false, NULL), 0);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(hull_log_to_fd(p[1]), 0);
	log_warning("to the %s", "pipe");
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "level=warning msg=\"to the pipe\""));
	hull_log_close();
	assert_int_equal(read(p[0], &c, 1), 0); /* EOF: the log held the only writer */
	close(p[0]);
}

static void log_to_unwritable_path_fails(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(hull_log_init("/nonexistent-dir/x.log", HULL_LOG_TEXT, false, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "/nonexistent-dir/x.log"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(error_prefix_reads_outside_in),
	    cmocka_unit_test(first_error_is_kept),
	    cmocka_unit_test(error_str_is_whole_and_null_safe),
	    cmocka_unit_test(log_format_names_bad_value),
	    cmocka_unit_test(json_log_line_has_runc_shape),
	    cmocka_unit_test(text_log_escapes_newlines_and_quotes),
	    cmocka_unit_test(json_log_keeps_a_message_that_is_not_utf8),
	    cmocka_unit_test(log_to_unwritable_path_fails),
	    cmocka_unit_test(log_to_fd_takes_the_fd_with_a_log_file),
	    cmocka_unit_test(log_to_fd_carries_the_messages_without_a_log_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
