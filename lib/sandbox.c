/* SPDX-License-Identifier: BSD-2-Clause */
#include "compat.h"
#include "sandbox.h"

#include <errno.h>
#include <sys/prctl.h>

#include <cap-ng.h>

int cws_sandbox_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

int cws_sandbox_keep_caps(const int *caps, size_t n)
{
	size_t i;
	int err;

	capng_clear(CAPNG_SELECT_ALL);
	for (i = 0; i < n; i++)
		if (capng_update(CAPNG_ADD,
				 CAPNG_EFFECTIVE | CAPNG_PERMITTED |
					 CAPNG_BOUNDING_SET,
				 (unsigned)caps[i]))
			return -EINVAL;
	/*
	 * Bounding set first (it needs CAP_SETPCAP, which the capability
	 * sets are about to lose), then the sets themselves.
	 */
	err = capng_apply(CAPNG_SELECT_BOTH);
	if (err)
		return err == -4 ? -EPERM : -EINVAL;
	return cws_sandbox_no_new_privs();
}
