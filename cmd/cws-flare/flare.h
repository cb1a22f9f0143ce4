/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-flare's private header.
 *
 *	archive.c   the zip: members scrubbed as they are added, the list
 *	            of what is inside, the parts that could not be collected
 *	collect.c   cws itself: version, configuration, environment, status
 *	            files, policies, logs, spool
 *	kernel.c    the machine: kernel version and config, BTF, BPF program
 *	            and map types, the loaded cws programs, mounts, TC
 *	            filters, OS release, uptime, memory, CPUs
 *	run.c       running a command (journalctl, tc) with a time limit
 *	upload.c    the question, and the multipart POST to Datadog
 */
#ifndef CWS_FLARE_H
#define CWS_FLARE_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

struct archive;
struct cws_config;
struct cws_scrub;

#define FLARE_MAX_FILE (8u << 20) /* bytes kept of one file (a log's tail) */
#define FLARE_MAX_FILES 1024 /* files taken from one directory */
#define FLARE_CMD_TIMEOUT 10 /* seconds a command may run */
#define FLARE_CMD_MAX (4u << 20) /* bytes kept of a command's output */

/* A growing text buffer; an allocation failure sticks in oom. */
struct fbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void fbuf_add(struct fbuf *b, const void *data, size_t n);
void fbuf_printf(struct fbuf *b, const char *fmt, ...) CWS_PRINTF(2, 3);
void fbuf_release(struct fbuf *b);

/*
 * Reads at most max bytes of path into b: the whole file, or, when it is
 * larger, its last max bytes from a line start, after a note saying how
 * much was left out. Returns 0 or a negative errno.
 */
int fbuf_read_file(struct fbuf *b, const char *path, size_t max);

struct member {
	char *name; /* inside the archive's root directory */
	size_t size; /* after scrubbing */
};

struct flare {
	const struct cws_config *cfg;
	const char *config_path; /* the file in use */
	struct cws_scrub *scrub;
	char host[256];
	char *path; /* the archive */
	int fd;
	struct archive *ar;
	long long now; /* seconds since the epoch, for every entry */
	struct member *members;
	size_t nmembers;
	struct fbuf notes; /* flare_creation.log */
	size_t nfailed;
};

/*
 * Creates <dir>/cws-flare-<host>-<UTC time>.zip with mode 0600 and
 * starts the zip. Returns 0, or a negative errno after an error message.
 */
int flare_open(struct flare *f, const char *dir);

/*
 * Scrubs len bytes of data and adds them as member name. Failing to
 * scrub or to write is noted like a part that could not be collected.
 */
void flare_add(struct flare *f, const char *name, const char *data, size_t len);
void flare_add_buf(struct flare *f, const char *name, const struct fbuf *b);

/* Adds a file as member name (see fbuf_read_file); notes a failure. */
void flare_add_file(struct flare *f, const char *name, const char *path);

/*
 * Notes that part could not be collected, and why: a line in
 * flare_creation.log and a warning on stderr. Never fatal.
 */
void flare_fail(struct flare *f, const char *part, const char *fmt, ...)
	CWS_PRINTF(3, 4);

/* Notes a fact about the collection that is not a failure. */
void flare_note(struct flare *f, const char *part, const char *fmt, ...)
	CWS_PRINTF(3, 4);

/*
 * Adds flare_creation.log and finishes the zip. Returns 0, or a negative
 * errno after an error message (the file is then removed).
 */
int flare_close(struct flare *f);

/* Removes a half-written archive and frees everything; accepts a closed one. */
void flare_release(struct flare *f);

/* collect.c */
void collect_version(struct flare *f);
void collect_config(struct flare *f);
void collect_env(struct flare *f);
void collect_status(struct flare *f);
void collect_policies(struct flare *f);
void collect_logs(struct flare *f);
void collect_spool(struct flare *f);

/* kernel.c */
void collect_kernel(struct flare *f);
void collect_bpf(struct flare *f);
void collect_mounts(struct flare *f);
void collect_tc(struct flare *f);
void collect_system(struct flare *f);

/* run.c */

/*
 * Finds an executable in PATH, then in /usr/sbin and /sbin; fills buf and
 * returns true when found.
 */
bool run_find(const char *name, char *buf, size_t len);

/*
 * Runs argv (argv[0] a path) with stdin from /dev/null, its stdout and
 * stderr appended to out (at most FLARE_CMD_MAX bytes), for at most
 * FLARE_CMD_TIMEOUT seconds. Returns its exit status (0-255), or a
 * negative errno (-ETIMEDOUT when it was killed) with why filled.
 */
int run_cmd(const char *const *argv, struct fbuf *out, char *why,
	    size_t whylen);

/* upload.c */
struct upload {
	const char *archive;
	const char *case_id; /* or NULL */
	const char *email; /* or NULL */
	const char *hostname;
};

/*
 * The flare endpoint: flare_url, or Datadog's for the configured site,
 * with "/<case id>" appended when there is one. Returns a new string.
 */
char *upload_url(const struct cws_config *cfg, const char *case_id);

/*
 * Posts the archive; prints what the endpoint said. Returns 0 when it
 * took the flare, -1 after saying why not.
 */
int upload_send(const struct cws_config *cfg, const struct upload *u);

#endif
