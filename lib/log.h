/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Talk on stderr, in one format for every tool:
 *
 *	<tool>: <level>: <message>[: <strerror(errno)>]
 *
 * stdout is data and never written here. Verbosity: -q shows errors only,
 * the default adds warnings and info, each -v adds a level (debug, trace).
 * Messages follow git's wording: lower case, no full stop, subject quoted.
 */
#ifndef CWS_LOG_H
#define CWS_LOG_H

#include "compat.h"

#include <stdarg.h>

enum cws_log_level {
	CWS_LOG_FATAL = 0,
	CWS_LOG_ERROR,
	CWS_LOG_WARNING,
	CWS_LOG_INFO,
	CWS_LOG_DEBUG,
	CWS_LOG_TRACE,
};

/*
 * Sets the program name used as prefix and the maximum level printed. The
 * name is not copied: pass a string that lives as long as the program.
 */
void cws_log_init(const char *prog, enum cws_log_level level);

/* Returns the program name given to cws_log_init ("cws" before). */
const char *cws_log_prog(void);

/*
 * For a stage that reads its input to the end after SIGINT or SIGTERM:
 * the second such signal says so on stderr ("<prog>: warning: second
 * signal: exiting before the end of the input") and raises the signal
 * again with its default action. Async-signal-safe: call it from the
 * handler when the first signal was already seen. Does not return.
 */
void cws_log_second_signal(int sig);

/* Changes the maximum level printed; returns the previous one. */
enum cws_log_level cws_log_set_level(enum cws_log_level level);

/* True when messages of this level would be printed. */
int cws_log_enabled(enum cws_log_level level);

/*
 * Maps a log_level name from the configuration (trace, debug, info, warn,
 * warning, error, critical, off) to a level; returns -1 for an unknown name.
 */
int cws_log_level_parse(const char *name);

/* The file cws run writes runtime settings to, in its run_path. */
#define CWS_LOG_RUNTIME_FILE "runtime.yaml"

/*
 * Applies the log level that cws run last set at run time (API POST
 * config/log_level): reads the "log_level: NAME" line of
 * <run_path>/runtime.yaml and sets the level. Stages call it when
 * SIGUSR2 arrives (the handler only sets a flag) and once at start, so
 * a restarted stage keeps the level. A change is said at the new level
 * (at least info): "log level set to 'debug' (runtime.yaml)". Returns the
 * level applied, -ENOENT when there is no file (nothing set at run
 * time), -EINVAL for a file without a known level, another negative
 * errno when it cannot be read; the level is then unchanged.
 */
int cws_log_runtime_level(const char *run_path);

/* Prints one message at a level; the x variants omit strerror(errno). */
void cws_log(enum cws_log_level level, const char *fmt, ...) CWS_PRINTF(2, 3);
void cws_vlog(enum cws_log_level level, int errnum, const char *fmt, va_list ap)
	CWS_PRINTF(3, 0);

void cws_warn(const char *fmt, ...) CWS_PRINTF(1, 2);
void cws_warnx(const char *fmt, ...) CWS_PRINTF(1, 2);
void cws_error(const char *fmt, ...) CWS_PRINTF(1, 2);
void cws_errorx(const char *fmt, ...) CWS_PRINTF(1, 2);
void cws_info(const char *fmt, ...) CWS_PRINTF(1, 2);
void cws_debug(const char *fmt, ...) CWS_PRINTF(1, 2);

/* Prints a fatal message and exits with code; only before the steady state. */
void cws_fatal(int code, const char *fmt, ...) CWS_PRINTF(2, 3) CWS_NORETURN;
void cws_fatalx(int code, const char *fmt, ...) CWS_PRINTF(2, 3) CWS_NORETURN;

/*
 * A rate limit for messages in the steady state: at most burst messages per
 * interval seconds, then one "suppressed N messages" note when it reopens.
 */
struct cws_ratelimit {
	unsigned interval; /* seconds */
	unsigned burst;
	long long window_start; /* monotonic seconds */
	unsigned printed;
	unsigned long suppressed;
};

#define CWS_RATELIMIT_INIT(i, b)  \
	{                         \
		(i), (b), 0, 0, 0 \
	}

/* Returns 1 when a message may be printed now, 0 when it must be dropped. */
int cws_ratelimit_ok(struct cws_ratelimit *rl);

#endif
