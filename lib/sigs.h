/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The signal set-up every long-running tool shares: handlers that only
 * set a flag, installed without SA_RESTART (a read(2) blocked on stdin
 * must return to the tool's loop, which then looks at its flags), SIGPIPE
 * ignored (a closed output is an EPIPE the tool reports), and optionally
 * a periodic SIGALRM for the tool's timed work.
 */
#ifndef CWS_SIGS_H
#define CWS_SIGS_H

#include "compat.h"

#include <signal.h>
#include <stddef.h>

/*
 * cws run's word to a stage that it started the next stage again on the
 * same pipe: that reader holds none of the process records its
 * predecessor read, so the stage makes its stream whole again for it
 * (cws_writer_forget, lib/event.h). A real-time signal, SIGUSR1 and
 * SIGUSR2 being taken; not a constant (glibc's SIGRTMIN is a call).
 */
#define CWS_SIG_NEW_READER (SIGRTMIN + 1)

struct cws_sig {
	int sig;
	void (*fn)(int);
};

/*
 * Installs each handler of sigs[0..n), ignores SIGPIPE, and with
 * tick_ms > 0 raises SIGALRM every tick_ms (sigs should then handle it).
 * Returns 0 or -errno.
 */
int cws_signals(const struct cws_sig *sigs, size_t n, long tick_ms);

#endif
