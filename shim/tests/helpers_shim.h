/* SPDX-License-Identifier: Apache-2.0 */
/* What shim/'s unit tests share: scratch directories, files, a deadline. */
#ifndef HULL_SHIM_TESTS_HELPERS_H
#define HULL_SHIM_TESTS_HELPERS_H

#include <stddef.h>

/* A fresh directory /tmp/hull-shim-TAG-XXXXXX, malloc'd. */
char *shim_test_dir(const char *tag);
/* Removes dir and all it holds (not crossing mount points), and frees it. */
void shim_test_dir_remove(char *dir);
/* DIR/NAME, malloc'd. */
char *shim_test_path(const char *dir, const char *name);
/* The whole file as text, malloc'd; fails the test when it cannot be read. */
char *shim_test_read(const char *path);
void shim_test_write(const char *path, const char *text);

/*
 * Ends the test program with a message naming what when it has not
 * cancelled (shim_test_deadline(0, NULL)) within seconds: for calls that
 * must not block, which would otherwise hang the run.
 */
void shim_test_deadline(unsigned seconds, const char *what);

/* Waits up to timeout_ms for fd to poll readable (or hung up); its revents, 0 on timeout. */
short shim_test_poll(int fd, int timeout_ms);

struct reaper_callbacks;
/*
 * For a group setup and teardown: reaper_start, 0 or -1 with its error
 * printed; and the end of every thread but the caller's, the reaper's:
 * it runs for the life of the process, and valgrind counts what a thread
 * still running at exit holds as possibly lost.
 */
int shim_test_start_reaper(const struct reaper_callbacks *callbacks);
int shim_test_end_reaper(void **state);

#endif
