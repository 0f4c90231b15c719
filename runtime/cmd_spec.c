/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull spec [--bundle DIR] [--rootless]`: writes runc's example
 * config.json (libcontainer/specconv's Example and ToRootless), which a
 * user edits, and refuses to overwrite one that is there, as runc does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/commands.h"

/* runc's example spec; a cgroup namespace too, as runc adds on cgroup v2 (the guest's). */
static const char example_spec[] =
    "{\"ociVersion\": \"1.2.0\","
    " \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0},"
    "  \"args\": [\"sh\"],"
    "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "           \"TERM=xterm\"],"
    "  \"cwd\": \"/\","
    "  \"capabilities\": {"
    "   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
    "  \"noNewPrivileges\": true},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"hull\","
    " \"mounts\": ["
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\","
    "                \"gid=5\"]},"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
    "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
    " \"linux\": {"
    "  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
    "                 {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],"
    "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
    "                  \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
    "                  \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\","
    "                  \"/sys/devices/virtual/tpm\"],"
    "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
    "                    \"/proc/sysrq-trigger\"]}}";

/* runc's ToRootless: a user namespace mapping the caller, no network namespace. */
static int make_rootless(json_t *spec)
{
	json_t *linux_ = json_object_get(spec, "linux");
	json_t *namespaces = json_object_get(linux_, "namespaces");
	json_t *mounts = json_object_get(spec, "mounts");
	size_t i;
	json_t *v;

	for (i = json_array_size(namespaces); i-- > 0;) {
		const char *type =
		    json_string_value(json_object_get(json_array_get(namespaces, i), "type"));

		if (strcmp(type, "network") == 0 || strcmp(type, "user") == 0)
			json_array_remove(namespaces, i);
	}
	json_array_append_new(namespaces, json_pack("{s:s}", "type", "user"));
	json_object_set_new(linux_, "uidMappings",
	                    json_pack("[{s:I, s:i, s:i}]", "hostID", (json_int_t)geteuid(),
	                              "containerID", 0, "size", 1));
	json_object_set_new(linux_, "gidMappings",
	                    json_pack("[{s:I, s:i, s:i}]", "hostID", (json_int_t)getegid(),
	                              "containerID", 0, "size", 1));
	json_array_foreach(mounts, i, v)
	{
		json_t *options = json_object_get(v, "options");

		if (strcmp(json_string_value(json_object_get(v, "destination")), "/sys") == 0) {
			json_array_set_new(mounts, i,
			                   json_pack("{s:s, s:s, s:s, s:[sssss]}", "destination",
			                             "/sys", "type", "none", "source", "/sys",
			                             "options", "rbind", "nosuid", "noexec",
			                             "nodev", "ro"));
			continue;
		}
		for (size_t k = json_array_size(options); k-- > 0;) {
			const char *o = json_string_value(json_array_get(options, k));

			if (strncmp(o, "gid=", 4) == 0 || strncmp(o, "uid=", 4) == 0)
				json_array_remove(options, k);
		}
	}
	return json_object_del(linux_, "resources");
}

json_t *hull_example_spec(bool rootless)
{
	json_t *spec = json_loads(example_spec, 0, NULL);

	if (spec && rootless && make_rootless(spec) < 0) {
		json_decref(spec);
		return NULL;
	}
	return spec;
}

int cmd_spec(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"rootless", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char usage[] = "usage: hull spec [--bundle DIR] [--rootless]";
	cleanup_json json_t *spec = NULL;
	cleanup_free char *path = NULL, *text = NULL;
	cleanup_close int fd = -1;
	const char *bundle = ".";
	bool rootless = false;
	size_t len;
	int c;

	(void)g;
	while ((c = getopt_long(argc, argv, "+b:h", options, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else if (c == 'h') {
			printf("%s\n", usage);
			return 0;
		} else
			return hull_fail(err, 0, "%s", usage);
	}
	if (optind != argc)
		return hull_fail(err, 0, "%s", usage);
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return hull_fail(err, ENOMEM, "spec");
	spec = hull_example_spec(rootless);
	text = spec ? json_dumps(spec, JSON_INDENT(2)) : NULL;
	if (text == NULL)
		return hull_fail(err, ENOMEM, "spec");
	/* O_EXCL: an existing config.json is the user's, never overwritten (runc's words). */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0 && errno == EEXIST)
		return hull_fail(err, 0, "File %s exists. Remove it first", path);
	if (fd < 0)
		return hull_fail(err, errno, "spec: create %s", path);
	len = strlen(text);
	text[len] = '\n';
	if (write(fd, text, len + 1) != (ssize_t)(len + 1)) {
		int e = errno;

		unlink(path);
		return hull_fail(err, e, "spec: write %s", path);
	}
	return 0;
}
