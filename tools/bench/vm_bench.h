/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of bench_vm, one vm_*.c file each.  Times are milliseconds
 * from the start of the measurement; NAN where a time was not seen.
 */
#ifndef HULL_TOOLS_BENCH_VM_BENCH_H
#define HULL_TOOLS_BENCH_VM_BENCH_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "runtime/oci_spec.h"

struct vmb_env {
	char tmp[PATH_MAX]; /* everything the bench makes lives here */
	char hull[PATH_MAX];
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char qemu[PATH_MAX];
	char virtiofsd[PATH_MAX];
	char virtiofsd_sandbox[16]; /* what hull's virtiofsd_start settles on here */
	char root[PATH_MAX];        /* hull --root */
	char bundle_true[PATH_MAX]; /* runs /bin/true */
	char bundle_sleep[PATH_MAX];
	struct hull_spec spec;     /* bundle_true's config.json, as hull parses it */
	const char *kernel_params; /* appended to hull's, for bare and hull alike (NULL: "") */
	unsigned memory_mib;       /* 0: 512 */
	int timeout_ms;            /* per VM: boot, or a whole run (0: 30 s) */
	unsigned seq;              /* for unique sandbox ids and run directories */
};

/* --- vm_env.c --- */

/*
 * Finds hull, the guest, QEMU and virtiofsd; makes the temporary
 * directory, bundles and configurations, and installs the signal cleanup.
 * 1: ready; 0: skip (*why says why); -1: error.
 */
int vmb_env_init(struct vmb_env *e, const char **why, hull_error_t *err);
/* A hull configuration (--config) for accel ("tcg", "auto") and machine; path in out. */
int vmb_env_config(const struct vmb_env *e, const char *accel, const char *machine, char *out,
                   size_t size, hull_error_t *err);
/* Deletes what is left (hull delete --force, then kill) and removes the directory. */
void vmb_env_cleanup(struct vmb_env *e);

/* snprintf that truncates silently (paths here are far below PATH_MAX). */
void vmb_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* waitpid with a timeout (-1: none), to the exit itself (a pidfd): 1 exited (*status), 0 not. */
int vmb_wait(pid_t pid, int timeout_ms, int *status);
void vmb_kill_wait(pid_t pid);

/* --- vm_bare.c --- */

struct vmb_bare_times {
	double virtiofsd_ms; /* virtiofsd's socket is there */
	double spawned_ms;   /* QEMU forked and exec'd */
	double ready_ms;     /* the agent's first message ({"event":"ready"}) */
	double created_ms;   /* create_container answered (rootfs mounted in the guest) */
	double started_ms;   /* run: start_container answered */
	double exited_ms;    /* run: the process's exit event */
	double total_ms;     /* run: QEMU exited (the agent's shutdown) and virtiofsd stopped */
	double stop_ms;      /* boot only: the time the (untimed) shutdown took */
};

/*
 * virtiofsd + QEMU with the argv hull builds for machine, to the agent's
 * ready event, then create_container as hull sends it; with run, the
 * container (/bin/true) is started and its exit awaited, then the
 * VM is shut down through the agent.  Everything is stopped and removed
 * before return, on success and on failure.
 */
int vmb_bare(struct vmb_env *e, const char *machine, bool run, struct vmb_bare_times *t,
             hull_error_t *err);

/* --- vm_hull.c --- */

struct vmb_hull_times {
	double total_ms; /* exec of `hull ...` to its exit */
	/* From hull's --debug log, relative to the exec. */
	double virtiofsd_ms; /* "virtiofsd pid N shares ..." (the last one) */
	double qemu_ms;      /* "QEMU: ..." (the last one: after a KVM attempt, the TCG one) */
	double ready_ms;     /* "VM up": the agent answered */
	double delete_ms;    /* create only: the `hull delete --force` after it (untimed) */
	bool kvm_fallback;   /* the log says KVM did not work and TCG was used */
};

/* `hull create` of bundle_true with config, then `hull delete --force`; with run, `hull run`. */
int vmb_hull(struct vmb_env *e, const char *config, bool run, struct vmb_hull_times *t,
             hull_error_t *err);

/*
 * `hull check --json` (with boot, the probe boot too); *ms exec to exit,
 * *report its JSON (whatever its exit status).
 */
int vmb_hull_check(struct vmb_env *e, const char *config, bool boot, double *ms, json_t **report,
                   hull_error_t *err);

struct vmb_mapping {
	char name[64];
	double rss_kib, pss_kib, anon_kib;
};

struct vmb_memory {
	double rss_kib, pss_kib, pss_anon_kib, pss_file_kib, anon_kib, file_kib;
	double private_dirty_kib;
	double qemu_rss_kib, virtiofsd_rss_kib; /* for scale; not hull's */
	struct vmb_mapping maps[32];            /* by RSS, largest first */
	size_t n_maps;
	double threads;
	double fds;
};

/* create + start of bundle_sleep, the monitor measured after settle_ms, then delete. */
int vmb_hull_memory(struct vmb_env *e, const char *config, int settle_ms, struct vmb_memory *m,
                    hull_error_t *err);

#endif
