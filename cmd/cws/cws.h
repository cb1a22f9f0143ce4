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
 * client.c: cws config set KEY VALUE and cws config list-runtime, asked
 * of the running agent through its API. argv[0] is "set" or
 * "list-runtime". Returns the exit code.
 */
int front_config_remote(const struct front *f, int argc, char **argv);

/* Stops the API, waiting for requests in progress; accepts NULL. */
void front_api_stop(struct front_api *api);

#endif
