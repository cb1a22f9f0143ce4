/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The options every cws tool shares: -c FILE, -h, -q, -v, -V. A tool's
 * main() concatenates its own letters to CWS_CLI_OPTSTRING and its own long
 * options to CWS_CLI_LONGOPTS, and hands every option to cws_cli_option
 * first:
 *
 *	static const struct option longopts[] = {
 *		CWS_CLI_LONGOPTS,
 *		{ "raw", no_argument, NULL, 'r' },
 *		{ NULL, 0, NULL, 0 },
 *	};
 *	struct cws_cli cli;
 *
 *	cws_cli_init(&cli, "cws-cat",
 *		     "cws-cat [-hqrVv] [-c file] [file ...]");
 *	while ((c = getopt_long(argc, argv, CWS_CLI_OPTSTRING "r", longopts,
 *				NULL)) != -1) {
 *		if (cws_cli_option(&cli, c, optarg))
 *			continue;
 *		switch (c) {
 *		case 'r': ...
 *		default:
 *			cws_cli_usage(&cli);
 *		}
 *	}
 *	cfg = cws_cli_config(&cli);
 *
 * Unlike the rest of libcws this module prints and exits: it only runs in
 * main(), before a tool does any work, where dying early is the rule.
 */
#ifndef CWS_CLI_H
#define CWS_CLI_H

#include "compat.h"

#include <getopt.h>

struct cws_config;

#define CWS_CLI_OPTSTRING "c:hqvV" /* tools concatenate their own letters */

/* clang-format off */
#define CWS_CLI_LONGOPTS \
	{ "config", required_argument, NULL, 'c' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "version", no_argument, NULL, 'V' }
/*
 * --no-sandbox, for the tools that sandbox themselves (cws-probe,
 * cws-filter, cws-ship, cws): they add it to their long options.
 */
#define CWS_CLI_NO_SANDBOX 0x100
#define CWS_CLI_SANDBOX_LONGOPT \
	{ "no-sandbox", no_argument, NULL, CWS_CLI_NO_SANDBOX }
/* clang-format on */

struct cws_cli {
	const char *prog; /* "cws-cat" */
	const char *usage; /* the man page SYNOPSIS line */
	const char *config_path; /* -c, or NULL for the default */
	int verbose; /* number of -v */
	int quiet; /* -q given */
	int no_sandbox; /* --no-sandbox given: call cws_sandbox_disable */
};

/*
 * Fills cli and calls cws_log_init(prog, CWS_LOG_INFO). prog and usage are
 * not copied: pass string literals. usage is the SYNOPSIS line of the man
 * page, program name included: "cws-cat [-hqrVv] [-c file] [file ...]".
 */
void cws_cli_init(struct cws_cli *cli, const char *prog, const char *usage);

/*
 * Handles one of the shared options and returns 1, or returns 0 when opt
 * is not one of them. -c records arg; -v raises the log level by one
 * (repeatable), -q shows errors only (the later of -v and -q wins); -h
 * prints "usage: <usage>" to stdout and exits 0; -V prints "<prog>
 * <version>" to stdout and exits 0.
 */
int cws_cli_option(struct cws_cli *cli, int opt, const char *arg);

/* Prints "usage: <usage>" to stderr and exits CWS_EXIT_USAGE. */
void cws_cli_usage(const struct cws_cli *cli) CWS_NORETURN;

/*
 * Loads the configuration: cli->config_path (NULL: the default file,
 * which may be missing), then DD_ environment variables. Then sets the log
 * level from log_level, unless -v or -q were given (they win). On error
 * prints "<prog>: fatal: <file:line:col: message>" and exits
 * CWS_EXIT_CONFIG (CWS_EXIT_FAILURE when out of memory). Returns the
 * configuration; the caller frees it with cws_config_free.
 */
struct cws_config *cws_cli_config(struct cws_cli *cli);

#endif
