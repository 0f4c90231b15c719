/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of `hull check` share (not for other callers): helper
 * processes whose output hull collects before a deadline
 * (runtime/host_check_proc.c), and the network checks that one of them
 * runs in a throwaway network namespace (runtime/host_check_net.c).
 */
#ifndef HULL_RUNTIME_HOST_CHECK_INTERNAL_H
#define HULL_RUNTIME_HOST_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "runtime/host_check.h"

static inline double hc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* An error's full text into buf, for an item's detail. */
static inline const char *hc_error_text(const struct hull_error *e, char *buf, size_t size)
{
	char *text = hull_error_text(e);

	snprintf(buf, size, "%s", text ? text : e->msg);
	free(text);
	return buf;
}

/* A helper process and what it wrote to stdout and stderr. */
struct hc_child {
	char what[160];   /* for messages, e.g. "/usr/bin/qemu-system-x86_64 --version" */
	pid_t pid;        /* 0: never started */
	bool own_group;   /* a process group of its own: killed as a group */
	int out_fd;       /* read end of its output, -1 once closed */
	int pid_fd;       /* pidfd, -1 once it exited (or none could be had) */
	bool exited;      /* reaped: status is valid */
	bool timed_out;   /* killed at the deadline */
	int status;       /* wait status */
	char *out;        /* its output, NUL-terminated (NULL for none) */
	size_t len;       /* bytes in out */
	double started;   /* hc_now_ms() at the start */
	double ms;        /* how long it ran */
	hull_error_t err; /* why it did not start */
};

/* Runs argv[0] with argv, output to a pipe; on failure c->err says why. */
void hc_child_spawn(struct hc_child *c, char *const argv[]);

/*
 * Forks a child that runs fn(fd, arg) with fd the write end of its
 * output, then exits; on failure c->err says why.  The child dies with
 * its parent.
 */
void hc_child_fork(struct hc_child *c, const char *what, void (*fn)(int fd, void *arg), void *arg);

/*
 * Collects the output of the started children until each has exited, or
 * until timeout_ms from now: those still running then are killed.  Every
 * started child is reaped on return.
 */
void hc_children_wait(struct hc_child *const c[], size_t n, unsigned timeout_ms);

/* True when the child started, exited by itself and its status is 0. */
bool hc_child_succeeded(const struct hc_child *c);

/*
 * What happened to a child that did not succeed, into buf: "did not start:
 * ...", "did not finish within 5000 ms (killed)", "exited with status 1",
 * "was killed by signal 11 (Segmentation fault)".
 */
const char *hc_child_outcome(const struct hc_child *c, unsigned timeout_ms, char *buf, size_t size);

/* The first line of the child's output (at most size - 1 bytes), "" for none. */
const char *hc_child_first_line(const struct hc_child *c, char *buf, size_t size);

/* Frees the output and the error, closes what is open (reaps nothing). */
void hc_child_release(struct hc_child *c);

/*
 * The network checks: a forked child, in a network namespace of its own,
 * tries what hull's networking needs and reports the items tc.clsact,
 * tc.cls_bpf, bpf.redirect, link.macvlan, link.macvtap and link.ipvlan.
 */
void hc_net_start(struct hc_child *c);

/* Appends those items to r from the child's report; missing ones say why. */
void hc_net_report(const struct hc_child *c, unsigned timeout_ms, struct hull_check_report *r);

#endif
