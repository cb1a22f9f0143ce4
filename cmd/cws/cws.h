/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws: the operator's front end (man/cws.8). main.c reads the command
 * line and runs one verb; run.c is the supervisor of the pipeline;
 * status.c renders the stages' status files.
 */
#ifndef CWS_FRONT_H
#define CWS_FRONT_H

#include "compat.h"

#include <stdbool.h>

struct cws_config;

/* What every verb gets. */
struct front {
	const char *config_path; /* -c, or NULL for the default */
	struct cws_config *cfg;
	int verbose;
	char tooldir[4096]; /* where the cws-* tools are, "" for $PATH */
};

/*
 * The path of tool ("cws-probe") to exec: next to this binary when it is
 * there (a build tree, or an installation's sbin and bin), else the bare
 * name for $PATH.
 */
const char *front_tool(const struct front *f, const char *tool, char *buf,
		       size_t len);

/* run.c: cws run. Returns the exit code. */
int front_run(struct front *f, int argc, char **argv);

/* run.c: cws policy eval [-p dir] [-e expression]... */
int front_eval(struct front *f, int argc, char **argv);

/* selftest.c: cws self-test [-t seconds]. Returns the exit code. */
int front_self_test(struct front *f, int argc, char **argv);

/* status.c: cws status [--json]. Returns the exit code. */
int front_status(struct front *f, int argc, char **argv);

#endif
