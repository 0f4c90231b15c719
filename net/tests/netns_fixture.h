/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test fixture for net/ tests: a fresh container namespace "C" and a
 * peer namespace "P" (the host side of veths), both named netns under
 * /run/netns so that `ip -n` builds the topology; removed after each test.
 * Header-only (static inline) so that it stays out of other folders' tests.
 */
#ifndef HULL_NET_TESTS_NETNS_FIXTURE_H
#define HULL_NET_TESTS_NETNS_FIXTURE_H

#include <setjmp.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/addr.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "net/netns.h"

struct fixture {
	char c[64], c_path[128]; /* the container's namespace */
	char p[64], p_path[128]; /* the peer ("host") namespace */
};

/* The command fmt and its arguments make (malloc'd). */
#define FIXTURE_FORMAT(cmd, fmt)                                                                   \
	do {                                                                                       \
		va_list ap_;                                                                       \
		int r_;                                                                            \
                                                                                                   \
		va_start(ap_, fmt);                                                                \
		r_ = vasprintf(&(cmd), fmt, ap_);                                                  \
		va_end(ap_);                                                                       \
		assert_true(r_ >= 0);                                                              \
	} while (0)

/* Runs a shell command built from fmt; returns its exit status. */
static inline int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	int r;

	FIXTURE_FORMAT(cmd, fmt);
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* The output of a shell command (malloc'd). */
static inline char *__attribute__((format(printf, 1, 2))) capture(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	char *out = NULL;
	size_t size = 0;
	FILE *mem, *p;
	char buf[4096];
	size_t n;

	FIXTURE_FORMAT(cmd, fmt);
	p = popen(cmd, "r");
	assert_non_null(p);
	mem = open_memstream(&out, &size);
	assert_non_null(mem);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, mem);
	pclose(p);
	fclose(mem);
	return out;
}

static inline void make_netns(const char *role, char *name, size_t name_size, char *path,
                              size_t path_size)
{
	static unsigned counter;
	cleanup_error hull_error_t err = NULL;

	snprintf(name, name_size, "hullt-%s-%d-%u", role, (int)getpid(), counter++);
	if (hull_netns_create("/run/netns", name, path, path_size, &err) < 0)
		fail_msg("create netns %s: %s", name, err->msg);
}

static inline int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	make_netns("c", f->c, sizeof(f->c), f->c_path, sizeof(f->c_path));
	make_netns("p", f->p, sizeof(f->p), f->p_path, sizeof(f->p_path));
	assert_int_equal(sh("ip -n %s link set lo up && ip -n %s link set lo up", f->c, f->p), 0);
	*state = f;
	return 0;
}

static inline int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;

	hull_netns_delete(f->c_path, &err);
	hull_netns_delete(f->p_path, &err);
	free(f);
	return 0;
}

/*
 * This namespace's links, a line each with ip's details ("IDX: NAME: ..."),
 * then their addresses ("IDX: NAME inet ...", lifetimes left out: they
 * count down), for host_links_expect_same().  A bridge's and its ports'
 * timers (gc_timer, hold_timer, ...) are left out too: they tick on any
 * bridge the host has, a CNI bridge for one.
 */
static inline char *host_links(void)
{
	return capture("ip -d -o link show | sed -E 's/ [a-z_]+_timer +[0-9.]+//g'; "
	               "ip -o addr show | sed 's/[\\\\ ]*valid_lft.*//'");
}

/* A line's link, "IDX NAME" (NAME cut at '@' or ':'), into key; its NAME. */
static inline const char *host_link_key(const char *line, char *key, size_t size)
{
	int idx = 0;
	char name[64] = "";

	if (sscanf(line, "%d: %63[^:@ \n]", &idx, name) < 2)
		name[0] = '\0';
	snprintf(key, size, "%d %s", idx, name);
	return strchr(key, ' ') + 1;
}

/* Whether text has a line of exactly len bytes at line, or (key_only) of the same link. */
static inline bool host_links_have(const char *text, const char *line, size_t len, bool key_only)
{
	char want[96], got[96];

	host_link_key(line, want, sizeof(want));
	for (const char *l = text; *l;) {
		const char *end = strchrnul(l, '\n');
		size_t n = (size_t)(end - l);

		host_link_key(l, got, sizeof(got));
		if (key_only ? strcmp(got, want) == 0 : n == len && memcmp(l, line, len) == 0)
			return true;
		l = *end ? end + 1 : end;
	}
	return false;
}

/* Fails on a line of `a` that `b` lacks, of a link b has, or of one matching mine. */
static inline void host_links_lines_in(const char *a, const char *b, const char *mine,
                                       const char *what)
{
	for (const char *l = a; *l;) {
		const char *end = strchrnul(l, '\n');
		size_t n = (size_t)(end - l);
		char key[96];
		const char *name = host_link_key(l, key, sizeof(key));

		if ((host_links_have(b, l, n, true) || fnmatch(mine, name, 0) == 0) &&
		    !host_links_have(b, l, n, false))
			fail_msg("%s: %.*s", what, (int)n, l);
		l = *end ? end + 1 : end;
	}
}

/*
 * Fails the test when host_links() `after` differs from `before` in what
 * the test could have done: a link whose name matches `mine` (fnmatch)
 * came or went, or one there both times (same index and name) changed.
 * Links that others made or removed meanwhile do not count.
 */
static inline void host_links_expect_same(const char *before, const char *after, const char *mine)
{
	host_links_lines_in(before, after, mine, "gone or changed");
	host_links_lines_in(after, before, mine, "new or changed");
}

/* eth0 in C (veth, peer peer0 in P), both up, with v4+v6 addresses, routes, a neighbour. */
static inline void make_veth_topology(struct fixture *f)
{
	assert_int_equal(
	    sh("set -e; ip -n %1$s link add eth0 type veth peer name peer0 netns %2$s;"
	       "ip -n %1$s link set eth0 up; ip -n %2$s link set peer0 up;"
	       "ip -n %1$s addr add 10.1.0.2/24 dev eth0;"
	       "ip -n %1$s addr add fd00::2/64 dev eth0 nodad;"
	       "ip -n %1$s route add default via 10.1.0.1 dev eth0 mtu 1400;"
	       "ip -n %1$s route add 10.2.0.0/16 via 10.1.0.1 dev eth0;"
	       "ip -n %1$s -6 route add default via fd00::1 dev eth0;"
	       "ip -n %1$s neigh add 10.1.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent",
	       f->c, f->p),
	    0);
}

static inline void read_mac(const char *ns, const char *link, uint8_t mac[6])
{
	cleanup_free char *s =
	    capture("ip -n %s -br link show %s | awk '{printf \"%%s\", $3}'", ns, link);

	if (hull_mac_parse(s, mac) < 0)
		fail_msg("%s %s: no MAC in \"%s\"", ns, link, s);
}

/* What a user would compare before and after: links, MACs, addresses, routes, neighbours. */
static inline char *snapshot(const struct fixture *f)
{
	return capture("ip -n %1$s -br link | awk '{print $1, $3}';"
	               "ip -n %1$s -br addr | awk '{$2=\"\"; print}';"
	               "ip -n %1$s route show table main; ip -n %1$s -6 route show table main;"
	               "ip -n %1$s neigh show nud permanent",
	               f->c);
}

#endif
