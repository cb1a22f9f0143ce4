/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The log module keeps two globals (name, level) and writes each message
 * with a single fprintf so lines from concurrent tools in one pipeline do
 * not interleave mid-line.
 */
#include "compat.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "cws";
static enum cws_log_level log_level = CWS_LOG_INFO;

static const char *const level_names[] = {
	[CWS_LOG_FATAL] = "fatal",     [CWS_LOG_ERROR] = "error",
	[CWS_LOG_WARNING] = "warning", [CWS_LOG_INFO] = "info",
	[CWS_LOG_DEBUG] = "debug",     [CWS_LOG_TRACE] = "trace",
};

void cws_log_init(const char *prog, enum cws_log_level level)
{
	const char *slash;

	if (prog) {
		slash = strrchr(prog, '/');
		log_prog = slash ? slash + 1 : prog;
	}
	log_level = level;
}

const char *cws_log_prog(void)
{
	return log_prog;
}

void cws_log_second_signal(int sig)
{
	static const char msg[] = ": warning: second signal: exiting before "
				  "the end of the input\n";
	ssize_t n;

	n = write(STDERR_FILENO, log_prog, strlen(log_prog));
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	signal(sig, SIG_DFL);
	raise(sig);
}

enum cws_log_level cws_log_set_level(enum cws_log_level level)
{
	enum cws_log_level old = log_level;

	log_level = level;
	return old;
}

int cws_log_enabled(enum cws_log_level level)
{
	return level <= log_level;
}

int cws_log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum cws_log_level level;
	} map[] = {
		{ "trace", CWS_LOG_TRACE },	{ "debug", CWS_LOG_DEBUG },
		{ "info", CWS_LOG_INFO },	{ "warn", CWS_LOG_WARNING },
		{ "warning", CWS_LOG_WARNING }, { "error", CWS_LOG_ERROR },
		{ "critical", CWS_LOG_FATAL },	{ "off", CWS_LOG_FATAL },
	};
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(map); i++)
		if (!strcasecmp(name, map[i].name))
			return map[i].level;
	return -1;
}

void cws_vlog(enum cws_log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog,
			level_names[level], msg, strerror(errnum));
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[level],
			msg);
}

void cws_log(enum cws_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cws_vlog(level, 0, fmt, ap);
	va_end(ap);
}

#define DEFINE_LOG(fn, lvl, with_errno)         \
	void fn(const char *fmt, ...)           \
	{                                       \
		int e = with_errno ? errno : 0; \
		va_list ap;                     \
		va_start(ap, fmt);              \
		cws_vlog(lvl, e, fmt, ap);      \
		va_end(ap);                     \
		errno = e ? e : errno;          \
	}

DEFINE_LOG(cws_warn, CWS_LOG_WARNING, 1)
DEFINE_LOG(cws_warnx, CWS_LOG_WARNING, 0)
DEFINE_LOG(cws_error, CWS_LOG_ERROR, 1)
DEFINE_LOG(cws_errorx, CWS_LOG_ERROR, 0)
DEFINE_LOG(cws_info, CWS_LOG_INFO, 0)
DEFINE_LOG(cws_debug, CWS_LOG_DEBUG, 0)

void cws_fatal(int code, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	cws_vlog(CWS_LOG_FATAL, e, fmt, ap);
	va_end(ap);
	exit(code);
}

void cws_fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cws_vlog(CWS_LOG_FATAL, 0, fmt, ap);
	va_end(ap);
	exit(code);
}

int cws_ratelimit_ok(struct cws_ratelimit *rl)
{
	struct timespec ts;
	long long now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec;
	if (now - rl->window_start >= (long long)rl->interval) {
		if (rl->suppressed)
			cws_log(CWS_LOG_WARNING, "suppressed %lu messages",
				rl->suppressed);
		rl->window_start = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}

int cws_log_runtime_level(const char *run_path)
{
	char path[4200], buf[4096], *line, *end;
	enum cws_log_level old;
	ssize_t n;
	int fd, level = -EINVAL;

	if (!run_path || !run_path[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", run_path, CWS_LOG_RUNTIME_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (strncmp(line, "log_level:", 10))
			continue;
		line += 10;
		line += strspn(line, " \t\"'");
		end = line + strcspn(line, " \t\"'\r\n");
		*end = '\0';
		level = cws_log_level_parse(line);
		break;
	}
	if (level < 0)
		return level;
	old = cws_log_set_level((enum cws_log_level)level);
	if (old != (enum cws_log_level)level)
		cws_log(level > CWS_LOG_INFO ? (enum cws_log_level)level :
					       CWS_LOG_INFO,
			"log level set to '%s' (%s)", level_names[level],
			CWS_LOG_RUNTIME_FILE);
	return level;
}
