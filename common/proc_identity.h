/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Processes named by a state file, told apart from strangers.  A pid in
 * state.json may have been reused since it was written: hull records each
 * process's start time (field 22 of /proc/<pid>/stat, clock ticks since
 * boot, as runc's init_process_start) when it starts it, and trusts a pid
 * only while the same start time (and, for QEMU and virtiofsd, the same
 * executable) is found there.  Signals go through a pidfd opened before
 * the check, so the process checked is the process signalled.
 */
#ifndef HULL_COMMON_PROC_IDENTITY_H
#define HULL_COMMON_PROC_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The start time of pid; 0 when there is no such process. */
uint64_t proc_start_time(pid_t pid);

/*
 * A pidfd (O_CLOEXEC) for the process recorded as pid + start_time, or -1
 * when it is gone: the pid is free or someone else's, or nothing usable
 * was recorded (a pid or start time of 0).  When exe is not NULL, the
 * process must also run exactly that program (exe resolved, against
 * /proc/<pid>/exe; a program replaced on disk since is still itself).
 */
int proc_open_recorded(pid_t pid, uint64_t start_time, const char *exe);

/* Whether the recorded process runs (proc_open_recorded, without keeping the fd). */
bool proc_is_recorded(pid_t pid, uint64_t start_time, const char *exe);

/* Sends sig through pidfd (0 or -1 with errno); a process already gone is not an error. */
int proc_signal(int pidfd, int sig);

/* Waits up to timeout_ms for the process of pidfd to exit; true when it has. */
bool proc_wait_exit(int pidfd, int timeout_ms);

/*
 * Kills the recorded process (SIGKILL) and waits up to timeout_ms for it;
 * true when that process is gone (or was never there), false when it
 * survived.  A stranger with the pid is never signalled.
 */
bool proc_kill_recorded(pid_t pid, uint64_t start_time, const char *exe, int timeout_ms);

/* Whether pid is stopped (by SIGSTOP: state T in /proc/<pid>/stat). */
bool proc_stopped(pid_t pid);

/* The pids whose parent is ppid (a scan of /proc), at most max; the count found. */
size_t proc_children(pid_t ppid, pid_t *out, size_t max);

#endif
