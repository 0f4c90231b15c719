// SPDX-License-Identifier: Apache-2.0
#include "shim/bootstrap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "shim/events.h"
#include "shim/protobuf.h"
#include "shim/reaper.h"
#include "shim/rootfs.h"
#include "shim/server.h"
#include "shim/task.h"

#define DEFAULT_SHIM_ROOT "/run/hull-shim"

int shim_parse_args(int argc, char **argv, struct shim_args *args, hull_error_t *err)
{
	*args = (struct shim_args){0};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL;
		char name[32];

		if (arg[0] != '-') {
			if (args->action)
				return hull_fail(err, 0, "unexpected argument \"%s\"", arg);
			args->action = arg;
			continue;
		}
		arg += arg[1] == '-' ? 2 : 1;
		size_t len = strcspn(arg, "=");
		if (len >= sizeof(name))
			return hull_fail(err, 0, "unknown flag -%s", arg);
		memcpy(name, arg, len);
		name[len] = '\0';
		if (arg[len] == '=')
			value = arg + len + 1;
		if (!strcmp(name, "debug")) {
			args->debug = !value || !strcmp(value, "true");
			continue;
		}
		const char **slot = !strcmp(name, "namespace")        ? &args->ns
		                    : !strcmp(name, "address")        ? &args->address
		                    : !strcmp(name, "id")             ? &args->id
		                    : !strcmp(name, "bundle")         ? &args->bundle
		                    : !strcmp(name, "publish-binary") ? &value
		                                                      : NULL;
		if (!slot)
			return hull_fail(err, 0, "unknown flag -%s", name);
		if (!value) {
			if (i + 1 >= argc)
				return hull_fail(err, 0, "flag -%s needs a value", name);
			value = argv[++i];
		}
		*slot = value;
	}
	if (!args->action)
		return hull_fail(err, 0, "no action: start or delete");
	if (!args->ns || !*args->ns || !args->id || !*args->id)
		return hull_fail(err, 0, "%s: -namespace and -id are needed", args->action);
	if (strchr(args->ns, '/') || strchr(args->id, '/') || !strcmp(args->ns, "..") ||
	    !strcmp(args->ns, ".") || !strcmp(args->id, "..") || !strcmp(args->id, "."))
		return hull_fail(err, 0, "bad namespace or id: %s/%s", args->ns, args->id);
	return 0;
}

/* FNV-1a, 64 bits: a short stable name for (namespace, id) in socket paths. */
static uint64_t name_hash(const char *ns, const char *id)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = ns; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	for (const char *s = id; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static char *default_hull(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *sibling = NULL;

	if (n > 0) {
		self[n] = '\0';
		if (asprintf(&sibling, "%s/hull", dirname(self)) < 0)
			sibling = NULL;
		if (sibling && access(sibling, X_OK) == 0)
			return sibling;
		free(sibling);
	}
	return strdup("hull");
}

int shim_locate(const struct shim_args *args, struct hull_runner *runner, char **state_dir,
                hull_error_t *err)
{
	const char *root = getenv("HULL_SHIM_ROOT");
	const char *hull = getenv("HULL_SHIM_HULL");

	if (!root || !*root)
		root = DEFAULT_SHIM_ROOT;
	runner->hull = hull && *hull ? strdup(hull) : default_hull();
	if (!runner->hull || asprintf(&runner->root, "%s/%s", root, args->ns) < 0 ||
	    asprintf(state_dir, "%s/s/%016" PRIx64, root, name_hash(args->ns, args->id)) < 0)
		return hull_fail(err, ENOMEM, "shim");
	return 0;
}

static int make_dirs(const char *path, hull_error_t *err)
{
	cleanup_free char *copy = strdup(path);

	if (!copy)
		return hull_fail(err, ENOMEM, "mkdir %s", path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0711) < 0 && errno != EEXIST)
			return hull_fail(err, errno, "mkdir %s", copy);
		*p = '/';
	}
	if (mkdir(copy, 0700) < 0 && errno != EEXIST)
		return hull_fail(err, errno, "mkdir %s", copy);
	return 0;
}

/* Removes the shim's directory and the files it keeps there. */
static void remove_state_dir(const char *state_dir)
{
	cleanup_dir DIR *d = opendir(state_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	rmdir(state_dir);
}

/* The daemon: its stdio off containerd's pipe, logs to the bundle's log FIFO. */
static void run_daemon(const struct shim_args *args, const struct hull_runner *runner,
                       const char *state_dir, int listen_fd)
{
	int devnull = open("/dev/null", O_RDWR);
	int log = open("log", O_WRONLY | O_CLOEXEC);
	cleanup_error hull_error_t err = NULL;

	setsid();
	/* A write to a connection containerd closed, or to the log FIFO while
	 * containerd restarts, is an error to handle, not the shim's death. */
	signal(SIGPIPE, SIG_IGN);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(log >= 0 ? log : devnull, 2);
	if (devnull > 2)
		close(devnull);
	if (log > 2)
		close(log);
	/* What containerd's own caller left open (a test's pipe, say) is
	 * closed: the shim lives as long as the container and would keep it. */
	if ((listen_fd > 3 && close_range(3, (unsigned)listen_fd - 1, 0) < 0) ||
	    close_range((unsigned)listen_fd + 1, ~0U, 0) < 0)
		log_warning("close_range: %s", strerror(errno));
	hull_log_init(NULL, HULL_LOG_TEXT, args->debug, &err);
	shim_events_init(getenv("TTRPC_ADDRESS"), args->ns);
	struct shim_task *task = shim_task_new(runner, args->id, state_dir);
	if (!task) {
		log_error("shim for %s: cannot start", args->id);
		_exit(1);
	}
	log_info("shim for %s/%s serving", args->ns, args->id);
	shim_serve(listen_fd, task);
	remove_state_dir(state_dir);
	exit(0); /* not _exit: LeakSanitizer checks a sanitized build here */
}

int shim_start(const struct shim_args *args, hull_error_t *err)
{
	struct hull_runner runner = {0};
	cleanup_free char *state_dir = NULL, *socket_path = NULL;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd, rc = -1;

	if (shim_locate(args, &runner, &state_dir, err) < 0 || make_dirs(state_dir, err) < 0)
		goto out;
	if (asprintf(&socket_path, "%s/shim.sock", state_dir) < 0) {
		hull_fail(err, ENOMEM, "start");
		goto out;
	}
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		hull_fail(err, ENAMETOOLONG, "socket %s", socket_path);
		goto out;
	}
	strcpy(addr.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		hull_fail(err, errno, "socket");
		goto out;
	}
	/* A shim already serving this task (containerd asked again): its address. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		close(fd);
		printf("unix://%s", socket_path);
		rc = 0;
		goto out;
	}
	close(fd);
	unlink(socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
		hull_fail(err, errno, "listen on %s", socket_path);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		hull_fail(err, errno, "fork");
		close(fd);
		goto out;
	}
	if (pid == 0)
		run_daemon(args, &runner, state_dir, fd);
	close(fd);
	/* containerd reads the address back from the bundle when it restarts. */
	FILE *f = fopen("address", "we");
	if (f) {
		fprintf(f, "unix://%s", socket_path);
		fclose(f);
	}
	printf("unix://%s", socket_path);
	rc = 0;
out:
	free(runner.hull);
	free(runner.root);
	return rc;
}

int shim_delete(const struct shim_args *args, hull_error_t *err)
{
	struct hull_runner runner = {0};
	cleanup_free char *state_dir = NULL, *rootfs = NULL, *cwd = NULL;
	struct pb_writer response = {0};
	struct timespec now;
	const char *bundle = args->bundle;

	if (shim_locate(args, &runner, &state_dir, err) < 0 ||
	    reaper_start(&(struct reaper_callbacks){0}, err) < 0)
		return -1;
	if (!bundle)
		bundle = cwd = getcwd(NULL, 0);
	/* Whatever the dead shim left: hull's container (gone already after a
	 * normal delete: then this is a no-op), the rootfs mount, its files. */
	if (hull_run(&runner, (const char *[]){"delete", "--force", args->id, NULL},
	             &(struct hull_run_options){.stdio = {-1, -1, -1}}, NULL, err) < 0)
		log_warning("delete %s: %s", args->id, hull_error_str(*err));
	hull_error_release(err);
	if (bundle && asprintf(&rootfs, "%s/rootfs", bundle) >= 0 &&
	    shim_unmount_all(rootfs, err) < 0)
		log_warning("%s", hull_error_str(*err));
	hull_error_release(err);
	remove_state_dir(state_dir);
	free(runner.hull);
	free(runner.root);

	clock_gettime(CLOCK_REALTIME, &now);
	pb_put_uint64(&response, 2, 128 + 9); /* killed, as the runc shim reports it */
	pb_put_timestamp(&response, 3, now.tv_sec, (int32_t)now.tv_nsec);
	if (pb_writer_failed(&response))
		return hull_fail(err, ENOMEM, "delete");
	fwrite(response.data, 1, response.len, stdout);
	pb_writer_release(&response);
	return 0;
}
