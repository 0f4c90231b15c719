/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether this host can run hull's sandboxes: the checks behind `hull
 * check`, and the report they fill.
 *
 * Each check is one item with a stable name ("kvm.present", "tc.cls_bpf",
 * ...), a status and a one-line detail: what was found and, for a warning
 * or a failure, why it matters and the fix.  A FAIL means sandboxes cannot
 * run (or cannot be networked) as configured; a WARN means they run with
 * less (TCG instead of KVM, no ipvlan endpoints, ...).
 *
 * hull_host_check() runs every check but the probe boot of a VM.  It runs
 * QEMU's and virtiofsd's --version and `QEMU -accel help` concurrently with
 * a child that tries veth, clsact, cls_bpf, bpf_redirect and macvlan /
 * macvtap / ipvlan links in a throwaway network namespace that dies with
 * it; nothing is left on the host but a bpffs mount when asked for one.
 */
#ifndef HULL_RUNTIME_HOST_CHECK_H
#define HULL_RUNTIME_HOST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

enum hull_check_status {
	HULL_CHECK_OK,
	HULL_CHECK_WARN,
	HULL_CHECK_FAIL,
};

struct hull_check_item {
	char *name; /* stable key, e.g. "kvm.present" */
	enum hull_check_status status;
	char *detail; /* one line: what was found; for warn/fail the reason and the fix */
	double ms;    /* time the check took, 0 when not measured */
};

struct hull_check_report {
	struct hull_check_item *items;
	size_t n;
};

/*
 * Appends an item; the detail is made one line (newlines and tabs become
 * spaces).  Never fails: out of memory, the item is kept with the detail
 * "(out of memory)", or lost only when even its slot cannot be had.
 */
void hull_check_add(struct hull_check_report *r, const char *name, enum hull_check_status s,
                    double ms, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void hull_check_report_free(struct hull_check_report *r);

/* True when no item is HULL_CHECK_FAIL. */
bool hull_check_report_ok(const struct hull_check_report *r);

/* The item called name, or NULL. */
const struct hull_check_item *hull_check_report_find(const struct hull_check_report *r,
                                                     const char *name);

/* "ok", "warn" or "fail". */
const char *hull_check_status_name(enum hull_check_status s);

/* One line per item, names aligned: "ok   kvm.present  /dev/kvm (10:232)". */
void hull_check_report_print(FILE *out, const struct hull_check_report *r);

/* {"ok": bool, "checks": [{"name", "status": "ok|warn|fail", "detail", "ms"}]} */
json_t *hull_check_report_json(const struct hull_check_report *r);

struct hull_host_check_options {
	const char *qemu;      /* hypervisor.path */
	const char *virtiofsd; /* hypervisor.virtio_fs_daemon */
	const char *kernel;    /* hypervisor.kernel */
	const char *initrd;    /* hypervisor.initrd */
	bool mount_bpffs;      /* --fix: mount bpffs at /sys/fs/bpf when missing */
	unsigned timeout_ms;   /* for each helper process; 0: HULL_HOST_CHECK_TIMEOUT_MS */
};

#define HULL_HOST_CHECK_TIMEOUT_MS 5000

/*
 * Every check but the probe boot, appended to r in a fixed order:
 * kvm.present kvm.usable qemu tcg virtiofsd guest.kernel guest.initrd
 * bpffs btf tun vhost_net cgroup2 tc.clsact tc.cls_bpf bpf.redirect
 * link.macvlan link.macvtap link.ipvlan.  Never fails as a function: what
 * goes wrong is in the items.  A helper process that does not finish
 * within the timeout is killed and its items fail, saying so.
 */
void hull_host_check(const struct hull_host_check_options *o, struct hull_check_report *r);

#endif
