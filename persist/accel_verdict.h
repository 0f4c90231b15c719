/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What hull learnt about this host's KVM, remembered for the rest of the
 * host's boot: <state root>/host:accel.json (a name no container id can
 * take, since ids have no ':').  accel=auto reads it so that once a KVM
 * boot has hung or aborted, later sandboxes go straight to TCG; a
 * verdict from an earlier boot (another /proc/sys/kernel/random/boot_id)
 * counts as none.
 *
 *   {"version": 1, "boot_id": "...", "accel": "kvm"|"tcg",
 *    "reason": "...", "decided_at": "2026-11-30T04:20:00Z",
 *    "kvm_alive_ms": 412}
 */
#ifndef HULL_PERSIST_ACCEL_VERDICT_H
#define HULL_PERSIST_ACCEL_VERDICT_H

#include "common/error.h"
#include "persist/state.h"

#define HULL_ACCEL_VERDICT_FILE "host:accel.json"
#define HULL_ACCEL_VERDICT_VERSION 1
#define HULL_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

struct hull_accel_verdict {
	char boot_id[40];
	enum hull_accel accel;  /* what works: kvm, or tcg when KVM does not */
	char reason[512];       /* why (for tcg: how KVM failed) */
	char decided_at[32];    /* RFC 3339, UTC */
	long long kvm_alive_ms; /* a KVM guest's time to its init; -1 when none reached it */
};

/* This boot's id ("" and -1 when the file cannot be read). */
int hull_boot_id(char out[40], hull_error_t *err);

/*
 * Reads root's verdict: 1 when there is one for this boot (in *v), 0 when
 * there is none or it is of an earlier boot, -1 when the file is corrupt
 * (the error names it and the problem; the file is left as it was).
 */
int hull_accel_verdict_load(const char *root, struct hull_accel_verdict *v, hull_error_t *err);

/* Saves v (boot_id and decided_at filled in here) atomically under root. */
int hull_accel_verdict_save(const char *root, struct hull_accel_verdict *v, hull_error_t *err);

#endif
