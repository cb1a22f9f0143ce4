/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws: the operator's front end (man/cws.8). main.c reads the command
 * line and runs one verb; run.c is the supervisor of the pipeline;
 * status.c renders the stages' status files; api.c is the IPC API that
 * cws run serves.
 */
#ifndef CWS_FRONT_H
#define CWS_FRONT_H

#include "compat.h"

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct cws_config;

/* What every verb gets. */
struct front {
	const char *config_path; /* -c, or NULL for the default */
	struct cws_config *cfg;
	int verbose;
	bool no_sandbox; /* --no-sandbox: passed on to the stages */
	char tooldir[4096]; /* where the cws-* tools are, "" for $PATH */
	/*
	 * cws run's API process: where it asks the supervisor for a signal
	 * (SIGTERM, SIGUSR2), a SOCK_SEQPACKET socket; -1 in-process.
	 */
	int api_notify_fd;
};

/*
 * The path of tool ("cws-probe") to exec: next to this binary when it is
 * there (a build tree, or an installation's sbin and bin), else the bare
 * name for $PATH.
 */
const char *front_tool(const struct front *f, const char *tool, char *buf,
		       size_t len);

/* The pid a stage's status file names if it says it runs, else 0. */
long front_running_pid(const struct front *f, const char *tool);

/* run.c: cws run. Returns the exit code. */
/*
 * argv in cws's own form (args.c): global options after the command moved
 * in front of it, Datadog's `runtime ...` words turned into cws's. *out is
 * a new array (its strings are argv's, or constants); returns its count, or
 * -1 without memory. argv's entries may be changed.
 */
int front_args(int argc, char **argv, char ***out);

/*
 * metrics.c: DogStatsD. metrics_open returns NULL when the configuration
 * names no DogStatsD (dogstatsd_socket, dogstatsd_port); metrics_flush
 * sends what the stages' status files counted since its last call;
 * metrics_status describes it for cws.json; metrics_send sends one series
 * (self-test). None of them blocks.
 */
#define METRICS_MS 10000
struct metrics;
struct metrics_stage {
	const char *tool;
	long long restarts;
};
struct metrics *metrics_open(const struct front *f);
void metrics_flush(struct metrics *m, const struct front *f,
		   const struct metrics_stage *st, int nst);
json_t *metrics_status(const struct metrics *m);
void metrics_send(const struct front *f, const char *name, json_int_t v,
		  const char *type, const char *tags);
void metrics_close(struct metrics *m);

int front_run(struct front *f, int argc, char **argv);

/* run.c: cws policy eval [-p dir] [-e expression]... */
int front_eval(struct front *f, int argc, char **argv);

/* selftest.c: cws self-test [-t seconds]. Returns the exit code. */
int front_self_test(struct front *f, int argc, char **argv);

/* status.c: cws status [--json]. Returns the exit code. */
int front_status(struct front *f, int argc, char **argv);

/*
 * status.c: the status of cws status, as text or as the JSON of --json,
 * written to out. Returns 0, or -ENOENT when there is no status file at
 * all (what there is has been written).
 */
int front_status_render(const struct front *f, FILE *out, bool json);

/*
 * main.c: the host name the pipeline reports (hostname, else the
 * system's), in buf; returns buf.
 */
const char *front_hostname(const struct front *f, char *buf, size_t len);

/* api.c: the IPC API (man/cws.8, API) that cws run serves. */
struct front_api;

/*
 * Starts the API in its own threads: reads or creates the auth token,
 * makes a key and a self-signed certificate, listens on cmd_host and
 * security_agent.cmd_port. Returns it, or NULL with why in err (and
 * *disabled set when cmd_port is 0, which turns the API off). POST stop
 * sends SIGTERM to this process once answered; POST config/log_level
 * changes f->cfg's log_level and the log level of this process, under
 * the API's lock: the caller must not read log_level while it runs.
 */
struct front_api *front_api_start(struct front *f, bool *disabled, char *err,
				  size_t errlen);

/* "https://127.0.0.1:5010", what the API listens on. */
const char *front_api_address(const struct front_api *api);

/*
 * The auth token file: auth_token_file_path, else auth_token beside the
 * configuration file. Returns 0, or -ENAMETOOLONG.
 */
int front_api_token_path(const struct front *f, char *buf, size_t len);

/*
 * The token in the bytes of a token file, raw[0..n): without the spaces
 * and line ends around it (Datadog trims), copied to dst, which holds
 * n + 1 bytes, and NUL-terminated. Returns its length. (api_req.c)
 */
size_t front_token_trim(char *dst, const char *raw, size_t n);

/*
 * client.c: cws config set KEY VALUE and cws config list-runtime, asked
 * of the running agent through its API. argv[0] is "set" or
 * "list-runtime". Returns the exit code.
 */
int front_config_remote(const struct front *f, int argc, char **argv);

/* Stops the API, waiting for requests in progress; accepts NULL. */
void front_api_stop(struct front_api *api);

/*
 * api_req.c: what the API makes of a request, with no libmicrohttpd.
 */
#define FRONT_API_UNAUTHORIZED 401
#define FRONT_API_FORBIDDEN 403
#define FRONT_API_BODY_MAX 65536 /* bytes of a request body */

struct front_api_auth {
	unsigned code; /* 0 when authorized, else the HTTP status */
	const char *msg; /* the answer's body when refused */
	char scheme[80];
};

/*
 * Checks the Authorization header (NULL when absent) against the
 * token[0..token_len) the API holds, in time constant in token_len.
 */
void front_api_auth(const char *token, size_t token_len, const char *header,
		    struct front_api_auth *a);

enum front_api_route {
	FRONT_API_NOT_FOUND, /* 404 */
	FRONT_API_NOT_ALLOWED, /* a known path, another method: 405 */
	FRONT_API_VERSION,
	FRONT_API_HOSTNAME,
	FRONT_API_FLARE,
	FRONT_API_STOP,
	FRONT_API_STATUS,
	FRONT_API_HEALTH,
	FRONT_API_CONFIG,
	FRONT_API_BY_SOURCE,
	FRONT_API_LIST_RUNTIME,
	FRONT_API_CONFIG_GET, /* config/{setting}: *setting points at it */
	FRONT_API_CONFIG_SET,
};

/* The endpoint of an authorized request; *setting points into url. */
enum front_api_route front_api_route(const char *method, const char *url,
				     const char **setting);

/*
 * One piece of a POST form: appends data[0..size) to *value (owned by
 * the caller, NULL at first; *len bytes, NUL-terminated, and it may hold
 * a NUL of its own) when key is "value". Returns 0, or -1 when the value
 * would pass FRONT_API_BODY_MAX or memory is short (*value and *len are
 * left as they were).
 */
int front_api_form_value(char **value, size_t *len, const char *key,
			 const char *data, size_t size);

/* html.UnescapeString of the entities a form value may carry, in place. */
void front_api_unescape(char *s);

#endif
