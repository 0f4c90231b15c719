/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's pieces taken off a running virtiofsd share (vmm/virtiofsd.h,
 * which adds them: virtiofsd_share_add): how a pod's app container leaves
 * its sandbox's VM when it is deleted (docs/pods.md).
 */
#ifndef HULL_VMM_VIRTIOFSD_SHARE_H
#define HULL_VMM_VIRTIOFSD_SHARE_H

#include "common/error.h"
#include "vmm/virtiofsd.h"

/*
 * Removes <id>/rootfs, <id>/mounts/<N> and their directories from the
 * share, from a child that enters virtiofsd's mount namespace: each piece
 * is unmounted (detached: files of it virtiofsd holds open for the guest
 * keep working until it closes them), then its mount point removed.  A
 * container that is not on the share, or a virtiofsd that shares no
 * containers or has gone, is nothing to do (0).
 */
int virtiofsd_share_remove(const struct virtiofsd *v, const char *id, hull_error_t *err);

#endif
