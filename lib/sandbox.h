/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Giving up privileges once they are no longer needed (STYLE.md: acquire,
 * then restrict, then read untrusted input). Capabilities go through
 * libcap-ng rather than raw capset(2): it knows the kernel's last
 * capability and keeps the bounding set consistent.
 */
#ifndef CWS_SANDBOX_H
#define CWS_SANDBOX_H

#include "compat.h"

#include <stddef.h>

/*
 * Keeps only the capabilities caps[0..n) in the effective and permitted
 * sets, empties the inheritable and ambient sets and the bounding set,
 * and sets no_new_privs so that nothing exec'd later gains any. Returns 0
 * or a negative errno; on failure the process keeps what it had.
 */
int cws_sandbox_keep_caps(const int *caps, size_t n);

/* Sets PR_SET_NO_NEW_PRIVS. Returns 0 or a negative errno. */
int cws_sandbox_no_new_privs(void);

#endif
