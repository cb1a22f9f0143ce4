/* SPDX-License-Identifier: BSD-2-Clause */
#include "compat.h"
#include "sigs.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

int cws_signals(const struct cws_sig *sigs, size_t n, long tick_ms)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read(2) must return to the loop. */
	for (i = 0; i < n; i++) {
		sa.sa_handler = sigs[i].fn;
		if (sigaction(sigs[i].sig, &sa, NULL))
			return -errno;
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -errno;
	if (tick_ms > 0) {
		struct itimerval it;

		it.it_interval.tv_sec = tick_ms / 1000;
		it.it_interval.tv_usec = (tick_ms % 1000) * 1000;
		it.it_value = it.it_interval;
		if (setitimer(ITIMER_REAL, &it, NULL))
			return -errno;
	}
	return 0;
}
