/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared options. Verbosity is applied as soon as -v or -q is seen, so
 * that the messages a tool prints while it parses the rest of its command
 * line already obey it; log_level from the configuration only applies when
 * neither was given. Output that is asked for (-h, -V) goes to stdout and
 * a failed write is an error, as in OpenBSD's utilities.
 */
#include "compat.h"
#include "cli.h"
#include "config.h"
#include "exit.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cws_cli_init(struct cws_cli *cli, const char *prog, const char *usage)
{
	memset(cli, 0, sizeof(*cli));
	cli->prog = prog;
	cli->usage = usage;
	cws_log_init(prog, CWS_LOG_INFO);
}

/* Exits 0 once what -h or -V printed has reached stdout. */
static void CWS_NORETURN exit_printed(void)
{
	if (fflush(stdout) || ferror(stdout))
		cws_fatal(CWS_EXIT_FAILURE, "cannot write to stdout");
	exit(CWS_EXIT_OK);
}

int cws_cli_option(struct cws_cli *cli, int opt, const char *arg)
{
	int level;

	switch (opt) {
	case 'c':
		cli->config_path = arg;
		return 1;
	case 'h':
		printf("usage: %s\n", cli->usage);
		exit_printed();
	case 'q':
		cli->quiet = 1;
		cli->verbose = 0;
		cws_log_set_level(CWS_LOG_ERROR);
		return 1;
	case 'v':
		cli->quiet = 0;
		cli->verbose++;
		level = CWS_LOG_INFO + cli->verbose;
		if (level > CWS_LOG_TRACE)
			level = CWS_LOG_TRACE;
		cws_log_set_level((enum cws_log_level)level);
		return 1;
	case 'V':
		printf("%s %s\n", cli->prog, CWS_VERSION);
		exit_printed();
	case CWS_CLI_NO_SANDBOX:
		cli->no_sandbox = 1; /* the tool calls cws_sandbox_disable */
		return 1;
	default:
		return 0;
	}
}

void cws_cli_usage(const struct cws_cli *cli)
{
	fprintf(stderr, "usage: %s\n", cli->usage);
	exit(CWS_EXIT_USAGE);
}

struct cws_config *cws_cli_config(struct cws_cli *cli)
{
	struct cws_config_err err;
	struct cws_config *cfg;
	char msg[1024];
	int rc, level;

	cfg = cws_config_new();
	if (!cfg)
		cws_fatal(CWS_EXIT_FAILURE, "cannot set up the configuration");
	rc = cws_config_load(cfg, cli->config_path, &err);
	if (rc)
		cws_fatalx(rc == -ENOMEM ? CWS_EXIT_FAILURE : CWS_EXIT_CONFIG,
			   "%s", cws_config_err_format(&err, msg, sizeof(msg)));
	if (!cli->verbose && !cli->quiet) {
		/* The loader checked it: log_level always parses here. */
		level = cws_log_level_parse(
			cws_config_get_string(cfg, "log_level"));
		if (level >= 0)
			cws_log_set_level((enum cws_log_level)level);
	}
	return cfg;
}
