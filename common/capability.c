/* SPDX-License-Identifier: Apache-2.0 */
/* The capability table and process.capabilities' checks (see capability.h). */
#include <string.h>

#include <linux/capability.h>

#include "common/capability.h"

/* Indexed by number, so a name is where the kernel's header puts it. */
#define CAP(name) [name] = #name
static const char *const cap_names[] = {
    CAP(CAP_CHOWN),
    CAP(CAP_DAC_OVERRIDE),
    CAP(CAP_DAC_READ_SEARCH),
    CAP(CAP_FOWNER),
    CAP(CAP_FSETID),
    CAP(CAP_KILL),
    CAP(CAP_SETGID),
    CAP(CAP_SETUID),
    CAP(CAP_SETPCAP),
    CAP(CAP_LINUX_IMMUTABLE),
    CAP(CAP_NET_BIND_SERVICE),
    CAP(CAP_NET_BROADCAST),
    CAP(CAP_NET_ADMIN),
    CAP(CAP_NET_RAW),
    CAP(CAP_IPC_LOCK),
    CAP(CAP_IPC_OWNER),
    CAP(CAP_SYS_MODULE),
    CAP(CAP_SYS_RAWIO),
    CAP(CAP_SYS_CHROOT),
    CAP(CAP_SYS_PTRACE),
    CAP(CAP_SYS_PACCT),
    CAP(CAP_SYS_ADMIN),
    CAP(CAP_SYS_BOOT),
    CAP(CAP_SYS_NICE),
    CAP(CAP_SYS_RESOURCE),
    CAP(CAP_SYS_TIME),
    CAP(CAP_SYS_TTY_CONFIG),
    CAP(CAP_MKNOD),
    CAP(CAP_LEASE),
    CAP(CAP_AUDIT_WRITE),
    CAP(CAP_AUDIT_CONTROL),
    CAP(CAP_SETFCAP),
    CAP(CAP_MAC_OVERRIDE),
    CAP(CAP_MAC_ADMIN),
    CAP(CAP_SYSLOG),
    CAP(CAP_WAKE_ALARM),
    CAP(CAP_BLOCK_SUSPEND),
    CAP(CAP_AUDIT_READ),
    CAP(CAP_PERFMON),
    CAP(CAP_BPF),
    CAP(CAP_CHECKPOINT_RESTORE),
};
#undef CAP

#define N_CAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

/* The table ends at the header's last capability (its test finds holes); masks are 64 bits. */
_Static_assert(N_CAPS == CAP_CHECKPOINT_RESTORE + 1 && N_CAPS <= 64,
               "cap_names must list every capability up to CAP_CHECKPOINT_RESTORE");

static const char *const set_names[HULL_CAP_NSETS] = {
    [HULL_CAP_BOUNDING] = "bounding",       [HULL_CAP_EFFECTIVE] = "effective",
    [HULL_CAP_INHERITABLE] = "inheritable", [HULL_CAP_PERMITTED] = "permitted",
    [HULL_CAP_AMBIENT] = "ambient",
};

int hull_cap_from_name(const char *name)
{
	for (int i = 0; name && i < N_CAPS; i++)
		if (strcmp(cap_names[i], name) == 0)
			return i;
	return -1;
}

const char *hull_cap_name(int cap)
{
	return cap >= 0 && cap < N_CAPS ? cap_names[cap] : NULL;
}

int hull_cap_last(void)
{
	return N_CAPS - 1;
}

const char *hull_cap_set_name(enum hull_cap_set set)
{
	return set >= 0 && set < HULL_CAP_NSETS ? set_names[set] : NULL;
}

static int parse_set(const json_t *capabilities, enum hull_cap_set set, uint64_t *mask,
                     hull_error_t *err)
{
	const json_t *list = json_object_get(capabilities, set_names[set]);
	const json_t *item;
	size_t i;

	*mask = 0;
	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return hull_fail(err, 0, "process.capabilities.%s: expected an array of strings",
		                 set_names[set]);
	json_array_foreach(list, i, item)
	{
		const char *name = json_string_value(item);
		int cap = hull_cap_from_name(name);

		if (name == NULL)
			return hull_fail(err, 0, "process.capabilities.%s[%zu]: expected a string",
			                 set_names[set], i);
		if (cap < 0)
			return hull_fail(err, 0,
			                 "process.capabilities.%s[%zu]: \"%s\" is not a capability",
			                 set_names[set], i, name);
		*mask |= UINT64_C(1) << cap;
	}
	return 0;
}

/* Each name of set must be in the set `within` (bits), or capset(2) fails with EPERM. */
static int check_within(const json_t *capabilities, enum hull_cap_set set, enum hull_cap_set within,
                        uint64_t allowed, const char *why, hull_error_t *err)
{
	const json_t *item;
	size_t i;

	json_array_foreach(json_object_get(capabilities, set_names[set]), i, item)
	{
		int cap = hull_cap_from_name(json_string_value(item));

		if (!(allowed & (UINT64_C(1) << cap)))
			return hull_fail(err, 0,
			                 "process.capabilities.%s[%zu]: \"%s\" is not in "
			                 "process.capabilities.%s (%s)",
			                 set_names[set], i, cap_names[cap], set_names[within], why);
	}
	return 0;
}

int hull_caps_parse(const json_t *capabilities, uint64_t sets[HULL_CAP_NSETS], hull_error_t *err)
{
	memset(sets, 0, HULL_CAP_NSETS * sizeof(sets[0]));
	if (capabilities == NULL || json_is_null(capabilities))
		return 0;
	if (!json_is_object(capabilities))
		return hull_fail(err, 0, "process.capabilities: expected an object");
	for (int s = 0; s < HULL_CAP_NSETS; s++)
		if (parse_set(capabilities, s, &sets[s], err) < 0)
			return -1;
	if (check_within(capabilities, HULL_CAP_EFFECTIVE, HULL_CAP_PERMITTED,
	                 sets[HULL_CAP_PERMITTED], "a capability must be permitted to be effective",
	                 err) < 0 ||
	    check_within(
	        capabilities, HULL_CAP_INHERITABLE, HULL_CAP_BOUNDING, sets[HULL_CAP_BOUNDING],
	        "the kernel keeps inheritable capabilities within the bounding set", err) < 0)
		return -1;
	return 0;
}

int hull_caps_check(const json_t *capabilities, hull_error_t *err)
{
	uint64_t sets[HULL_CAP_NSETS];

	return hull_caps_parse(capabilities, sets, err);
}
