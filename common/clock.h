/* SPDX-License-Identifier: Apache-2.0 */
/* Monotonic time in milliseconds, for deadlines and boot timings. */
#ifndef HULL_COMMON_CLOCK_H
#define HULL_COMMON_CLOCK_H

#include <time.h>

static inline long long hull_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
