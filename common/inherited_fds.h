/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fds past stdio that hull was started with (a shim's, its caller's).
 * hull uses none of them as such, but a path may name one (`--resources
 * /dev/fd/63`), so the command keeps them; what hull runs (QEMU,
 * virtiofsd, hooks) does not get them, and the processes that outlive the
 * command (the monitor, the relays) close them: they live as long as the
 * container and would hold a caller's pipe open all that time.
 */
#ifndef HULL_COMMON_INHERITED_FDS_H
#define HULL_COMMON_INHERITED_FDS_H

/* Notes them and marks them close-on-exec; first thing in main(). */
void inherited_fds_note(void);

/* Closes them, in a process that outlives the command. */
void inherited_fds_close(void);

#endif
