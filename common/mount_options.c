/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI mount options the guest agent honours (see mount_options.h). */
#include <string.h>
#include <sys/mount.h>

#include "common/mount_options.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct hull_mount_flag hull_mount_flags[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID},
    {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},
    {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"remount", false, MS_REMOUNT},
};
const size_t hull_mount_flags_count = COUNT(hull_mount_flags);

const struct hull_mount_flag hull_mount_propagations[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};
const size_t hull_mount_propagations_count = COUNT(hull_mount_propagations);

const char *const hull_mount_ignored[] = {"tmpcopyup", "idmap", "ridmap", "copy-symlink"};
const size_t hull_mount_ignored_count = COUNT(hull_mount_ignored);

const char *const hull_mount_types[] = {"proc",   "sysfs",  "tmpfs",   "ramfs",    "devpts",
                                        "mqueue", "cgroup", "cgroup2", "devtmpfs", "virtiofs"};
const size_t hull_mount_types_count = COUNT(hull_mount_types);

const struct hull_mount_flag *hull_mount_flag_find(const char *name)
{
	for (size_t k = 0; k < hull_mount_flags_count; k++)
		if (strcmp(hull_mount_flags[k].name, name) == 0)
			return &hull_mount_flags[k];
	return NULL;
}

unsigned long hull_mount_propagation_find(const char *name)
{
	for (size_t k = 0; k < hull_mount_propagations_count; k++)
		if (strcmp(hull_mount_propagations[k].name, name) == 0)
			return hull_mount_propagations[k].flag;
	return 0;
}

static bool listed(const char *const *list, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(list[k], name) == 0)
			return true;
	return false;
}

bool hull_mount_option_ignored(const char *name)
{
	return listed(hull_mount_ignored, hull_mount_ignored_count, name);
}

bool hull_mount_type_known(const char *type)
{
	return listed(hull_mount_types, hull_mount_types_count, type);
}
