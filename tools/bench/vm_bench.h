/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of bench_vm (tools/bench/bench_vm.c), each in its own file:
 *
 *   vm_env.c   the bench's world: one temporary directory with hull
 *              configurations, a state root and busybox bundles; the
 *              cleanup that runs at exit and on a signal
 *   vm_bare.c  the baseline: virtiofsd and qemu-system-x86_64 started by
 *              hand with hull's own argv (qemu_build_argv), the agent
 *              socket read directly (ready event, then, for a run, the
 *              same requests hull's monitor sends)
 *   vm_hull.c  hull's side: `hull create`, `hull run`, `hull delete` as
 *              processes, the timestamps of hull's debug log, and the
 *              monitor's memory (/proc/PID/status, smaps_rollup, smaps)
 */
#ifndef HULL_TOOLS_BENCH_VM_BENCH_H
#define HULL_TOOLS_BENCH_VM_BENCH_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

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
	json_t *spec; /* bundle_true's config.json: the bare run sends its process and mounts */
	const char *kernel_params; /* appended to hull's, for bare and hull alike ("" none) */
	unsigned memory_mib;
	int timeout_ms; /* per VM: boot, or a whole run */
	unsigned seq;   /* for unique sandbox ids and run directories */
};

/* --- vm_env.c --- */

/*
 * Finds hull, the guest, QEMU and virtiofsd; makes the temporary
 * directory, bundles and configurations.  1: ready; 0: skip (*why says
 * why); -1: error.
 */
int vmb_env_init(struct vmb_env *e, const char *argv0, const char **why, hull_error_t *err);
/* A hull configuration (--config) for accel ("tcg", "auto") and machine; path in out. */
int vmb_env_config(const struct vmb_env *e, const char *accel, const char *machine, char *out,
                   size_t size, hull_error_t *err);
/* Deletes what is left (hull delete --force, then kill) and removes the directory. */
void vmb_env_cleanup(struct vmb_env *e);
/* SIGINT/SIGTERM/SIGHUP: kill every child, remove the directory, exit. */
void vmb_env_install_signal_cleanup(const struct vmb_env *e);

/* snprintf that truncates silently (paths here are far below PATH_MAX). */
void vmb_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
double vmb_now_ms(void);      /* CLOCK_MONOTONIC */
double vmb_realtime_ms(void); /* CLOCK_REALTIME, as hull's log timestamps */
/* waitpid with a timeout: 1 exited (*status), 0 still running. */
int vmb_wait(pid_t pid, int timeout_ms, int *status);
void vmb_kill_wait(pid_t pid);
/* The last lines of a guest console log, '|'-separated ("" if none). */
void vmb_console_tail(const char *path, char *out, size_t size);

/* --- vm_bare.c --- */

struct vmb_bare_times {
	double virtiofsd_ms; /* virtiofsd's socket is there */
	double spawned_ms;   /* QEMU forked and exec'd */
	double connected_ms; /* the agent socket accepted us */
	double ready_ms;     /* the agent's first message ({"event":"ready"}) */
	double prepared_ms;  /* prepare_container answered (rootfs mounted in the guest) */
	double started_ms;   /* run: start answered */
	double exited_ms;    /* run: the process's exit event */
	double total_ms;     /* run: QEMU exited (the agent's shutdown) and virtiofsd stopped */
	double stop_ms;      /* boot only: the time the (untimed) shutdown took */
};

/*
 * virtiofsd + QEMU with the argv hull builds for machine, to the agent's
 * ready event, then prepare_container as hull sends it; with run, the
 * container's process (/bin/true) is started and its exit awaited, then the
 * VM is shut down through the agent.  Times are from the call.  Everything
 * is stopped and removed before return, on success and on failure.
 */
int vmb_bare(struct vmb_env *e, const char *machine, bool run, struct vmb_bare_times *t,
             hull_error_t *err);

/* --- vm_hull.c --- */

struct vmb_hull_times {
	double total_ms; /* exec of `hull ...` to its exit */
	/* From hull's --debug log, relative to the exec (-1: not in the log). */
	double virtiofsd_ms; /* "virtiofsd pid N shares ..." (the last one) */
	double qemu_ms;      /* "QEMU: ..." (the last one: after a KVM attempt, the TCG one) */
	double ready_ms;     /* "VM up": the agent answered */
	double delete_ms;    /* create only: the `hull delete --force` after it (untimed) */
	bool kvm_fallback;   /* the log says KVM did not work and TCG was used */
};

/* `hull create` of bundle_true with config, then `hull delete --force`. */
int vmb_hull_create(struct vmb_env *e, const char *config, struct vmb_hull_times *t,
                    hull_error_t *err);
/* `hull run` of bundle_true (/bin/true) with config. */
int vmb_hull_run(struct vmb_env *e, const char *config, struct vmb_hull_times *t,
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
	pid_t monitor_pid;
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
