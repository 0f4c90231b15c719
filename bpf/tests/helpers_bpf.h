/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the bpf/ unit tests. */
#ifndef HULL_BPF_TESTS_HELPERS_BPF_H
#define HULL_BPF_TESTS_HELPERS_BPF_H

#include <stdbool.h>

/*
 * Whether this kernel loads hull's TC programs for us; when it does not
 * (no root, no BPF), prints the TAP skip line: the test then exits 4.
 */
bool bpf_tests_can_load(void);

#endif
