/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull exec`: runs a further process in a running container, with runc's
 * flags.  This process (or, with --detach, a child of it) is the process's
 * host side for as long as it runs: --pid-file names it, it relays stdio
 * and signals, and it exits with the process's status
 * (runtime/exec_relay.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/inherited_fds.h"
#include "common/read_file.h"
#include "persist/json_field.h"
#include "runtime/commands.h"
#include "runtime/console.h"
#include "runtime/container.h"
#include "runtime/exec_relay.h"
#include "runtime/host_cgroup.h"
#include "runtime/oci_spec.h"
#include "vmm/agent_proto.h"

#define EXEC_USAGE                                                                                 \
	"[--process FILE | ARGS...] [--detach] [--pid-file FILE] [--console-socket PATH] "         \
	"[--tty] [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--additional-gids GID]... "        \
	"[--cap CAP]... [--no-new-privs] ID [ARGS...]"

struct exec_options {
	const char *id;
	const char *process_file;
	const char *pid_file;
	const char *console_socket;
	const char *cwd;
	const char *user;
	bool detach, tty, no_new_privs;
	json_t *env;  /* strings */
	json_t *gids; /* integers */
	json_t *caps; /* strings */
	char **args;  /* argv after ID */
};

static int parse_gid(const char *text, json_t *into, hull_error_t *err)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (*text == '\0' || *end != '\0' || v > UINT32_MAX)
		return hull_fail(err, 0, "--additional-gids: \"%s\" is not a group id", text);
	json_array_append_new(into, json_integer((json_int_t)v));
	return 0;
}

static int parse_exec(int argc, char **argv, struct exec_options *o, hull_error_t *err)
{
	static const struct option options[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, 'P'},
	    {"console-socket", required_argument, NULL, 'C'},
	    {"tty", no_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},
	    {"cwd", required_argument, NULL, 'w'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cap", required_argument, NULL, 'c'},
	    {"no-new-privs", no_argument, NULL, 'n'},
	    {"process-label", required_argument, NULL, 'L'},
	    {"apparmor", required_argument, NULL, 'A'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"ignore-paused", no_argument, NULL, 'I'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+p:dte:u:g:c:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->process_file = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'C':
			o->console_socket = optarg;
			break;
		case 't':
			o->tty = true;
			break;
		case 'e':
			json_array_append_new(o->env, json_string(optarg));
			break;
		case 'w':
			o->cwd = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'g':
			if (parse_gid(optarg, o->gids, err) < 0)
				return -1;
			break;
		case 'c':
			json_array_append_new(o->caps, json_string(optarg));
			break;
		case 'n':
			o->no_new_privs = true;
			break;
		case 'L':
		case 'A':
			/* As config.json's labels: the guest enforces no LSM policy. */
			if (optarg[0])
				return hull_fail(err, 0,
				                 "--%s: the guest kernel enforces no %s policy; "
				                 "leave it out",
				                 c == 'L' ? "process-label" : "apparmor",
				                 c == 'L' ? "SELinux" : "AppArmor");
			break;
		case 'F':
			if (strcmp(optarg, "0") != 0)
				return hull_fail(err, 0,
				                 "--preserve-fds %s: host file descriptors cannot "
				                 "enter the sandbox's VM",
				                 optarg);
			break;
		case 'I':
			break; /* exec into a paused container is refused by its frozen cgroup */
		case 'h':
			printf("usage: hull exec %s\n", EXEC_USAGE);
			exit(0);
		default:
			return hull_fail(err, 0, "usage: hull exec %s", EXEC_USAGE);
		}
	}
	if (optind >= argc)
		return hull_fail(err, 0, "usage: hull exec %s", EXEC_USAGE);
	o->id = argv[optind];
	o->args = argv + optind + 1;
	if (o->process_file == NULL && o->args[0] == NULL)
		return hull_fail(err, 0,
		                 "exec: name the program to run (ARGS...) or --process FILE");
	if (o->tty && o->detach && o->console_socket == NULL)
		return hull_fail(err, 0, "exec: --tty with --detach needs --console-socket");
	return 0;
}

/* KEY=VALUE replaces an entry with the same KEY, or is added. */
static void set_env(json_t *env, const char *entry)
{
	size_t key = strcspn(entry, "="), i;
	json_t *e;

	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);

		if (s && strncmp(s, entry, key) == 0 && s[key] == '=') {
			json_array_set_new(env, i, json_string(entry));
			return;
		}
	}
	json_array_append_new(env, json_string(entry));
}

static int set_user(json_t *process, const char *user, hull_error_t *err)
{
	unsigned long uid, gid = 0;
	char *end;
	json_t *u = json_object_get(process, "user");

	uid = strtoul(user, &end, 10);
	if (end == user || (*end != '\0' && *end != ':') || uid > UINT32_MAX)
		return hull_fail(err, 0, "--user: \"%s\" is not UID[:GID]", user);
	if (*end == ':') {
		const char *g = end + 1;

		gid = strtoul(g, &end, 10);
		if (end == g || *end != '\0' || gid > UINT32_MAX)
			return hull_fail(err, 0, "--user: \"%s\" is not UID[:GID]", user);
	}
	if (!json_is_object(u)) {
		u = json_object();
		json_object_set_new(process, "user", u);
	}
	json_object_set_new(u, "uid", json_integer((json_int_t)uid));
	json_object_set_new(u, "gid", json_integer((json_int_t)gid));
	return 0;
}

static void add_caps(json_t *process, json_t *caps)
{
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	json_t *all = json_object_get(process, "capabilities"), *cap;
	size_t i;

	if (json_array_size(caps) == 0)
		return;
	if (!json_is_object(all)) {
		all = json_object();
		json_object_set_new(process, "capabilities", all);
	}
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		json_t *set = json_object_get(all, sets[s]);

		if (!json_is_array(set)) {
			set = json_array();
			json_object_set_new(all, sets[s], set);
		}
		json_array_foreach(caps, i, cap) json_array_append(set, cap);
	}
}

/* The container's own process (its config.json), with the flags' changes. */
static json_t *process_from_flags(const struct exec_options *o, const char *bundle,
                                  hull_error_t *err)
{
	struct hull_spec spec = {0};
	json_t *process = NULL, *args, *env, *e;
	size_t i;

	if (hull_spec_load(bundle, &spec, err) < 0)
		goto out;
	process = json_deep_copy(spec.process);
	args = json_array();
	for (char **a = o->args; *a; a++)
		json_array_append_new(args, json_string(*a));
	json_object_set_new(process, "args", args);
	json_object_set_new(process, "terminal", json_boolean(o->tty));
	env = json_object_get(process, "env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(process, "env", env);
	}
	json_array_foreach(o->env, i, e) set_env(env, json_string_value(e));
	if (o->cwd)
		json_object_set_new(process, "cwd", json_string(o->cwd));
	if (o->user && set_user(process, o->user, err) < 0) {
		json_decref(process);
		process = NULL;
		goto out;
	}
	if (json_array_size(o->gids) > 0 && json_is_object(json_object_get(process, "user")))
		json_object_set(json_object_get(process, "user"), "additionalGids", o->gids);
	add_caps(process, o->caps);
	if (o->no_new_privs)
		json_object_set_new(process, "noNewPrivileges", json_true());
out:
	hull_spec_free(&spec);
	return process;
}

static json_t *process_from_file(const char *path, hull_error_t *err)
{
	cleanup_free char *text = NULL;
	size_t len;
	json_t *process;

	if (hull_read_file(path, &text, &len, err) < 0)
		return NULL;
	process = hull_json_parse(path, text, len, err);
	if (process && !json_is_object(process)) {
		json_decref(process);
		hull_fail(err, 0, "%s: expected a JSON object", path);
		return NULL;
	}
	return process;
}

/* Where the process's stdio and terminal come from. */
static int relay_ends(const struct exec_options *o, struct exec_relay *r, bool *raw,
                      struct termios *saved, hull_error_t *err)
{
	*r = (struct exec_relay){.conn = -1, .in_fd = 0, .out_fd = 1, .err_fd = 2, .tty_fd = -1};
	if (!o->tty)
		return 0;
	if (o->console_socket) {
		int slave;

		if (console_open(o->console_socket, &slave, err) < 0)
			return -1;
		r->in_fd = r->out_fd = r->err_fd = r->tty_fd = slave;
		return 0;
	}
	/* The caller's own terminal, raw while the guest's does the line discipline. */
	if (isatty(0) && console_make_raw(0, saved) == 0) {
		*raw = true;
		r->tty_fd = 0;
	}
	return 0;
}

/* --detach: a child is the relay; this process returns once the process runs. */
static int detach(const struct exec_options *o, const char *sock, json_t *req, hull_error_t *err)
{
	int report[2];
	char why[1024];
	ssize_t n;
	pid_t child;

	if (pipe2(report, O_CLOEXEC) < 0)
		return hull_fail(err, errno, "exec");
	child = fork();
	if (child < 0)
		return hull_fail(err, errno, "exec: fork");
	if (child == 0) {
		cleanup_error hull_error_t cerr = NULL;
		struct exec_relay r;
		struct termios saved;
		bool raw = false;

		close(report[0]);
		inherited_fds_close(); /* the relay outlives exec: not the caller's pipes */
		setsid();
		if (relay_ends(o, &r, &raw, &saved, &cerr) < 0 ||
		    exec_relay_open(sock, req, &r, &cerr) < 0) {
			cleanup_free char *text = hull_error_text(cerr);

			dprintf(report[1], "%s", text ? text : "exec failed");
			_exit(1);
		}
		/*
		 * The process's stdio is the console's: the caller's pipes go back
		 * (containerd's shim reads exec's output until EOF, as runc exits).
		 */
		if (r.tty_fd > 2) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			for (int fd = 0; null >= 0 && fd <= 2; fd++)
				dup2(null, fd);
			if (null >= 0)
				close(null);
		}
		close(report[1]);
		_exit(exec_relay_run(&r));
	}
	close(report[1]);
	n = read(report[0], why, sizeof(why) - 1);
	close(report[0]);
	if (n > 0) {
		why[n] = '\0';
		waitpid(child, NULL, 0);
		return hull_fail(err, 0, "%s", why);
	}
	if (o->pid_file && container_write_pid_file(o->pid_file, child, err) < 0) {
		kill(child, SIGKILL);
		return -1;
	}
	return 0;
}

static int run_exec(struct hull_globals *g, struct exec_options *o, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	cleanup_json json_t *process = NULL, *req = NULL;
	struct hull_sandbox_state st;
	struct exec_relay r;
	struct termios saved;
	char sock[PATH_MAX];
	bool raw = false;
	int r_load, status;

	if (container_state_root(g, &root, err) < 0)
		return -1;
	hull_state_init(&st);
	r_load = container_load(root, o->id, &st, err);
	if (r_load == 0 && strcmp(container_status(&st), "running") != 0)
		r_load = hull_fail(err, 0, "container %s is %s: exec needs it running", o->id,
		                   container_status(&st));
	/* The relay (this process, and a --detach child) is one of the sandbox's host processes. */
	if (r_load == 0 && st.sandbox.cgroup_leaves)
		r_load = host_cgroup_join(st.sandbox.cgroup_leaves, getpid(), err);
	if (r_load == 0)
		process = o->process_file ? process_from_file(o->process_file, err)
		                          : process_from_flags(o, st.sandbox.bundle, err);
	/* The session's request, to the monitor that runs the container (the state read once). */
	if (r_load == 0 && process) {
		req = json_pack("{s:s, s:O}", "op", "exec", "process", process);
		if (req == NULL)
			r_load = hull_fail(err, ENOMEM, "exec");
		else
			r_load = container_socket_of(root, &st, sock, sizeof(sock), req, err);
	}
	hull_state_free(&st);
	if (r_load < 0 || process == NULL)
		return -1;
	/* A --process file says whether there is a terminal (runc's --tty is for ARGS). */
	if (o->process_file)
		o->tty = json_is_true(json_object_get(process, "terminal"));
	if (o->detach)
		return detach(o, sock, req, err);
	if (relay_ends(o, &r, &raw, &saved, err) < 0)
		return -1;
	if (exec_relay_open(sock, req, &r, err) < 0) {
		if (raw)
			console_restore(0, &saved);
		return -1;
	}
	if (o->pid_file && container_write_pid_file(o->pid_file, getpid(), err) < 0) {
		if (raw)
			console_restore(0, &saved);
		agent_reader_release(&r.reader);
		close(r.conn);
		return -1;
	}
	status = exec_relay_run(&r);
	if (raw)
		console_restore(0, &saved);
	close(r.conn);
	return status;
}

int cmd_exec(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	struct exec_options o = {.env = json_array(), .gids = json_array(), .caps = json_array()};
	int ret = -1;

	if (o.env && o.gids && o.caps && parse_exec(argc, argv, &o, err) == 0)
		ret = run_exec(g, &o, err);
	json_decref(o.env);
	json_decref(o.gids);
	json_decref(o.caps);
	return ret;
}
