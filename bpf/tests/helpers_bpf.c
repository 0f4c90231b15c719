/* SPDX-License-Identifier: Apache-2.0 */
#include "helpers_bpf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hull_tc.skel.h"

bool bpf_tests_can_load(void)
{
	struct hull_tc *probe = hull_tc__open_and_load();

	if (!probe) {
		printf("1..0 # SKIP cannot load BPF programs (%s): needs root and BPF\n",
		       strerror(errno));
		return false;
	}
	hull_tc__destroy(probe);
	return true;
}
