/* SPDX-License-Identifier: BSD-2-Clause */
/* The action broker (broker.c): kill and open for cws-filter's actions. */
#ifndef CWS_FILTER_BROKER_H
#define CWS_FILTER_BROKER_H

#include "compat.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Forks the broker (as root, before the sandbox); proc is the /proc the
 * hash action reads through (NULL: "/proc"). Returns 0 or -errno.
 */
int broker_start(const char *proc);
bool broker_running(void);
pid_t broker_child(void);

/*
 * Signals pid through the broker; *killed_at and *exited_at as
 * broker_kill_pidfd. Returns 0 or -errno.
 */
int broker_kill(uint32_t pid, int sig, uint64_t *killed_at,
		uint64_t *exited_at);

/* path as pid sees it, read only, through the broker; fd or -errno. */
int broker_open(uint32_t pid, const char *path);

/*
 * Signals pid through a pidfd when the kernel has them (a process that
 * took the pid over cannot be hit), else kill(2); says when the signal
 * went and, for SIGKILL, when the process was gone (within 500 ms).
 * Returns 0 or -errno.
 */
int broker_kill_pidfd(uint32_t pid, int sig, uint64_t *killed_at,
		      uint64_t *exited_at);

#endif
