/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull: an OCI runtime that runs each container in its own QEMU virtual
 * machine.  This file is the thin command line: global options, the table
 * of subcommands, and the one place where an error becomes text and an
 * exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/inherited_fds.h"
#include "common/log.h"
#include "runtime/commands.h"
#include "runtime/version.h"

const struct hull_command hull_commands[] = {
    {"create", cmd_create, "[--bundle DIR] [--pid-file FILE] ID",
     "create a container: boot its sandbox VM and wait for start"},
    {"start", cmd_start, "ID", "start the process of a created container"},
    {"run", cmd_run, "[--bundle DIR] [--pid-file FILE] [--detach] ID",
     "create and start a container, and wait for it (exit status: the container's)"},
    {"state", cmd_state, "ID", "print the state of a container as JSON"},
    {"kill", cmd_kill, "[--all|-a] ID [SIGNAL]",
     "send a signal (default TERM) to the container's process, or with --all to all of them"},
    {"exec", cmd_exec, "[--process FILE] [--detach] [--pid-file FILE] [--tty] ... ID [ARGS...]",
     "run a further process in a running container (exit status: the process's)"},
    {"delete", cmd_delete, "[--force] ID",
     "delete a container and everything its sandbox used (--force: an unknown ID is no error)"},
    {"pause", cmd_pause, "ID", "freeze every process of the container (status paused)"},
    {"resume", cmd_resume, "ID", "thaw the processes of a paused container"},
    {"ps", cmd_ps, "[--format table|json] ID",
     "list the container's processes in the guest (json: the host pids a caller may signal)"},
    {"update", cmd_update,
     "[--resources FILE|-] [--memory N] [--cpu-quota N] [--cpu-period N] [--pids-limit N] ... ID",
     "change the container's cgroup limits in the guest (the VM keeps its size)"},
    {"events", cmd_events, "[--stats] [--interval DURATION] [--ready-line] ID",
     "runc's events as JSON lines: oom at once, stats each --interval (default 5s) until the "
     "container stops; --stats: one stats event"},
    {"spec", cmd_spec, "[--bundle DIR] [--rootless]", "write a default config.json, as runc's"},
    {"list", cmd_list, "[--format table|json] [--quiet]", "list the containers"},
    {"features", cmd_features, "", "print the features hull supports as JSON"},
    {"network", cmd_network, "setup|show|teardown ...",
     "set up, show (with counters) or tear down a sandbox's network on its own"},
    {"config", cmd_config, "--bundle DIR [ID]",
     "print the resolved sandbox configuration of a bundle as JSON"},
    {"check", cmd_check, "[--json] [--fix] [--no-boot]",
     "check that this host can run sandboxes (KVM or TCG, QEMU, guest, eBPF, links)"},
    {NULL, NULL, NULL, NULL},
};

static void print_usage(FILE *out)
{
	fprintf(out, "usage: hull [global options] COMMAND [options] [arguments]\n\n"
	             "hull runs each OCI container in its own QEMU virtual machine.\n\n"
	             "Commands:\n");
	for (const struct hull_command *c = hull_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out,
	        "\nGlobal options:\n"
	        "  --root DIR          state directory (default: the configuration's, /run/hull)\n"
	        "  --config FILE       configuration file (default: $HULL_CONFIG or "
	        "/etc/hull/config.json)\n"
	        "  --log FILE          write log messages to FILE instead of stderr\n"
	        "  --log-format FMT    text (default) or json\n"
	        "  --debug             log debug messages\n"
	        "  --systemd-cgroup    accepted for runc compatibility\n"
	        "  --version, -v       print the version\n"
	        "  --help, -h          print this help\n\n"
	        "Run 'hull COMMAND --help' for a command's options.\n");
}

static int parse_globals(int argc, char **argv, struct hull_globals *g, hull_error_t *err)
{
	enum {
		OPT_ROOT = 256,
		OPT_CONFIG,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_DEBUG,
		OPT_SYSTEMD
	};
	static const struct option options[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	/* '+' stops at the first non-option: the subcommand. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", options, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_CONFIG:
			g->config_path = optarg;
			break;
		case OPT_LOG:
			g->log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (hull_log_parse_format(optarg, &g->log_format, err) < 0)
				return -1;
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_SYSTEMD:
			g->systemd_cgroup = true;
			break;
		case 'v':
			printf("hull version %s\nspec: 1.2.0\n", HULL_VERSION);
			exit(0);
		case 'h':
			print_usage(stdout);
			exit(0);
		case ':':
			return hull_fail(err, 0, "option %s needs a value", argv[optind - 1]);
		default:
			return hull_fail(err, 0, "unknown option %s (see hull --help)",
			                 argv[optind - 1]);
		}
	}
	if (g->config_path == NULL) {
		const char *env = getenv("HULL_CONFIG");

		if (env && env[0])
			g->config_path = env;
	}
	return optind;
}

/*
 * With stdin, stdout or stderr closed (a caller may start hull so), the
 * next file hull opens would take that number and be mistaken for it.
 */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int null_fd = open("/dev/null", O_RDWR);

			if (null_fd >= 0 && null_fd != fd) {
				dup2(null_fd, fd);
				close(null_fd);
			}
		}
}

int main(int argc, char **argv)
{
	struct hull_globals globals = {.log_format = HULL_LOG_TEXT};
	cleanup_error hull_error_t err = NULL;
	const struct hull_command *cmd;
	int first, ret;

	ensure_std_fds();
	inherited_fds_note();
	first = parse_globals(argc, argv, &globals, &err);
	if (first < 0)
		goto fail;
	if (hull_log_init(globals.log_path, globals.log_format, globals.debug, &err) < 0)
		goto fail;
	if (first >= argc) {
		print_usage(stderr);
		return 1;
	}
	for (cmd = hull_commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[first]) == 0)
			break;
	if (cmd->name == NULL) {
		hull_fail(&err, 0, "unknown command \"%s\" (see hull --help)", argv[first]);
		goto fail;
	}
	/* The handler sees its name as argv[0], like a program of its own. */
	optind = 0;
	ret = cmd->run(&globals, argc - first, argv + first, &err);
	if (ret < 0)
		goto fail;
	hull_log_close();
	return ret; /* 0, or what `run` passes on: the container's exit status */

fail:
	/* runc's callers read the last error from the log file as well. */
	if (hull_log_is_file()) {
		char *text = hull_error_text(err);

		log_error("%s", text ? text : "unknown error");
		free(text);
	}
	hull_error_print(stderr, err);
	hull_log_close();
	return 1;
}
