/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runc-style container commands: create, start, run, state, kill,
 * delete.  Each parses its arguments and calls runtime/container.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "persist/id.h"
#include "persist/store.h"
#include "runtime/commands.h"
#include "runtime/container.h"

static int usage_error(const char *cmd, const char *usage, hull_error_t *err)
{
	return hull_fail(err, 0, "usage: hull %s %s", cmd, usage);
}

/* Options common to create and run: --bundle/-b, --pid-file, --console-socket, -d. */
static int parse_create(int argc, char **argv, const char *usage, struct create_options *o,
                        bool *detach_flag, hull_error_t *err)
{
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"detach", no_argument, NULL, 'd'},
	    {"no-pivot", no_argument, NULL, 'n'},
	    {"no-new-keyring", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->bundle = ".";
	while ((c = getopt_long(argc, argv, "+b:dh", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'c':
			o->console_socket = optarg;
			break;
		case 'd':
			if (detach_flag)
				*detach_flag = true;
			break;
		case 'n':
		case 'k':
			break; /* accepted for runc compatibility: meaningless in a VM */
		case 'h':
			printf("usage: hull %s %s\n", argv[0], usage);
			exit(0);
		default:
			return usage_error(argv[0], usage, err);
		}
	}
	if (optind != argc - 1)
		return usage_error(argv[0], usage, err);
	o->id = argv[optind];
	return 0;
}

/*
 * The one positional ID of start, state, kill, delete, and the optional
 * second one of kill (extra; NULL: none is allowed, and one is a usage
 * error rather than something silently ignored).  --force (delete) and
 * --all (kill) are options only where force and all are given.
 */
static int parse_id(int argc, char **argv, const char *usage, bool *force, bool *all,
                    const char **id, const char **extra, hull_error_t *err)
{
	static const struct option options[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+fah", options, NULL)) != -1) {
		if (c == 'f' && force)
			*force = true;
		else if (c == 'a' && all)
			*all = true;
		else if (c == 'h') {
			printf("usage: hull %s %s\n", argv[0], usage);
			exit(0);
		} else
			return usage_error(argv[0], usage, err);
	}
	if (optind >= argc || argc - optind > (extra ? 2 : 1))
		return usage_error(argv[0], usage, err);
	*id = argv[optind];
	if (extra)
		*extra = optind + 1 < argc ? argv[optind + 1] : NULL;
	return 0;
}

int cmd_create(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	struct create_options o = {.detach = true};
	pid_t monitor;

	if (parse_create(argc, argv, "[--bundle DIR] [--pid-file FILE] ID", &o, NULL, err) < 0)
		return -1;
	return container_create(g, &o, &monitor, err);
}

/* What runc says when start finds a container in this status. */
static const char *start_refusal(const char *status)
{
	if (strcmp(status, "running") == 0)
		return "cannot start an already running container";
	if (strcmp(status, "stopped") == 0)
		return "cannot start a container that has stopped";
	if (strcmp(status, "paused") == 0)
		return "cannot start a container in the paused state";
	return "cannot start a container that is not created";
}

int cmd_start(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s}", "op", "start");
	cleanup_free char *root = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	const char *id, *status;

	if (parse_id(argc, argv, "ID", NULL, NULL, &id, NULL, err) < 0 ||
	    container_state_root(g, &root, err) < 0 || container_load(root, id, &st, err) < 0)
		return -1;
	status = container_status(&st);
	if (strcmp(status, "created") != 0)
		return hull_fail(err, 0, "container %s is %s, not created: %s", id, status,
		                 start_refusal(status));
	return container_ask(root, &st, req, NULL, err);
}

static pid_t run_monitor;

static void forward_to_monitor(int sig)
{
	if (run_monitor > 0)
		kill(run_monitor, sig);
}

/* run = create + start + wait for the monitor, which exits as the container did. */
int cmd_run(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	struct create_options o = {.detach = false};
	cleanup_json json_t *req = json_pack("{s:s}", "op", "start");
	cleanup_free char *root = NULL;
	bool detach = false;
	int status;

	if (parse_create(argc, argv, "[--bundle DIR] [--pid-file FILE] [--detach] ID", &o, &detach,
	                 err) < 0)
		return -1;
	o.detach = detach;
	if (container_create(g, &o, &run_monitor, err) < 0 ||
	    container_state_root(g, &root, err) < 0)
		return -1;
	/* A signal sent to `hull run` (not from the terminal) goes to the container. */
	signal(SIGTERM, forward_to_monitor);
	signal(SIGHUP, forward_to_monitor);
	signal(SIGINT, SIG_IGN); /* the terminal sends it to the monitor as well */
	if (container_control(root, o.id, req, err) < 0) {
		cleanup_error hull_error_t ignored = NULL;

		container_delete(root, o.id, true, &ignored);
		return -1;
	}
	if (detach)
		return 0;
	while (waitpid(run_monitor, &status, 0) < 0)
		if (errno != EINTR)
			return hull_fail(err, errno, "wait for the monitor of %s", o.id);
	if (container_delete(root, o.id, true, err) < 0)
		return -1;
	/* The container's status is hull's (main returns it). */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cmd_state(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	cleanup_json json_t *out = NULL;
	cleanup_free char *text = NULL;
	struct hull_sandbox_state st;
	const char *id;
	int r;

	if (parse_id(argc, argv, "ID", NULL, NULL, &id, NULL, err) < 0 ||
	    container_state_root(g, &root, err) < 0)
		return -1;
	hull_state_init(&st);
	r = container_load(root, id, &st, err);
	if (r == 0) {
		out = container_state_json(&st);
		text = out ? json_dumps(out, JSON_INDENT(2)) : NULL;
		if (text)
			printf("%s\n", text);
		else
			r = hull_fail(err, ENOMEM, "state %s", id);
	}
	hull_state_free(&st);
	return r;
}

int hull_parse_signal(const char *s, int *sig, hull_error_t *err)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
	    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
	    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
	    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
	    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
	    {"SYS", SIGSYS},
	};
	const char *given = s;
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && *end == '\0' && n >= 1 && n <= 64) {
		*sig = (int)n;
		return 0;
	}
	/* As runc: any case, with or without SIG. */
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*sig = names[i].sig;
			return 0;
		}
	return hull_fail(err, 0, "\"%s\" is not a signal", given);
}

int cmd_kill(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	cleanup_json json_t *req = NULL;
	const char *id, *signal_name;
	bool all = false;
	int sig = SIGTERM;

	if (parse_id(argc, argv, "[--all|-a] ID [SIGNAL]", NULL, &all, &id, &signal_name, err) <
	        0 ||
	    (signal_name && hull_parse_signal(signal_name, &sig, err) < 0) ||
	    container_state_root(g, &root, err) < 0 || container_load(root, id, &st, err) < 0)
		return -1;
	/*
	 * runc's words: the shims map them to "not found".  kill --all of a
	 * stopped container (a pod member whose process exited too) is no
	 * error in runc: libcontainer's Signal returns nil, with nothing to do.
	 */
	if (strcmp(container_status(&st), "stopped") == 0)
		return all ? 0 : hull_fail(err, 0, "container not running: %s is stopped", id);
	req = json_pack("{s:s, s:i, s:b}", "op", "kill", "signal", sig, "all", all);
	return container_ask(root, &st, req, NULL, err);
}

/* Whether <root>/<id> is there at all (a valid id's state directory). */
static bool state_dir_exists(const char *root, const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, id);
	return access(path, F_OK) == 0 || errno != ENOENT;
}

int cmd_delete(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	const char *id, *status;
	bool force = false;

	if (parse_id(argc, argv, "[--force] ID", &force, NULL, &id, NULL, err) < 0 ||
	    container_state_root(g, &root, err) < 0)
		return -1;
	/* runc: delete --force of a container that does not exist succeeds (shims rely on it). */
	if (force && hull_id_validate(id, NULL) == 0 && !state_dir_exists(root, id))
		return 0;
	if (!force && state_dir_exists(root, id)) {
		cleanup_free char *ignored_root = NULL;

		cleanup_error hull_error_t unread = NULL;

		/* A state that cannot be read (an interrupted create) is delete's to clear. */
		if (cmd_container_status(g, id, &ignored_root, &status, &unread) == 0 &&
		    strcmp(status, "paused") == 0)
			return hull_fail(err, 0,
			                 "container %s is paused: resume and stop it first, or use "
			                 "--force",
			                 id);
	}
	if (container_delete(root, id, force, err) < 0) {
		/* Deleted by another meanwhile: as good as done for --force. */
		if (force && !state_dir_exists(root, id)) {
			hull_error_release(err);
			return 0;
		}
		return -1;
	}
	return 0;
}
