/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws: one entry point for the operator, git-style. Each verb is a small
 * function here, or in run.c and status.c; the verbs that are another
 * tool's job (flare, policy check) exec that tool with the same
 * configuration file.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "cws.h"
#include "exit.h"
#include "log.h"
#include "sandbox.h"

static const char usage[] =
	"cws [-hqVv] [--no-sandbox] [-c file] run | status [--json] | self-test [-t seconds] |\n"
	"           flare [args] |\n"
	"           policy check [-p dir] | policy eval [-p dir] [-e expression] |\n"
	"           policy reload | config [get key | set key value | list-runtime] |\n"
	"           version | hostname";

const char *front_tool(const struct front *f, const char *tool, char *buf,
		       size_t len)
{
	int n;

	static const char *const rel[] = { "", "/../sbin", "/../bin" };
	size_t i;

	if (!f->tooldir[0])
		return tool;
	/* The build tree, or an installation's bin and sbin. */
	for (i = 0; i < CWS_ARRAY_SIZE(rel); i++) {
		n = snprintf(buf, len, "%s%s/%s", f->tooldir, rel[i], tool);
		if (n > 0 && (size_t)n < len && !access(buf, X_OK))
			return buf;
	}
	return tool;
}

/* The directory of /proc/self/exe, when it holds the other tools. */
static void find_tooldir(struct front *f)
{
	ssize_t n;
	char *slash;

	f->tooldir[0] = '\0';
	n = readlink("/proc/self/exe", f->tooldir, sizeof(f->tooldir) - 1);
	if (n <= 0) {
		f->tooldir[0] = '\0';
		return;
	}
	f->tooldir[n] = '\0';
	slash = strrchr(f->tooldir, '/');
	if (!slash)
		f->tooldir[0] = '\0';
	else
		*slash = '\0';
}

/* Options handed to the tools (execv wants char *). */
static char opt_c[] = "-c", opt_n[] = "-n", opt_p[] = "-p", opt_v[] = "-v";

/* execv of a tool with -c passed on; only returns on failure. */
static int exec_tool(const struct front *f, const char *tool, char **args,
		     int nargs)
{
	char path[4200];
	char **argv = calloc((size_t)nargs + 4, sizeof(*argv));
	int i, n = 0;

	if (!argv)
		cws_fatalx(CWS_EXIT_FAILURE, "out of memory");
	argv[n++] = (char *)tool;
	if (f->config_path) {
		argv[n++] = opt_c;
		argv[n++] = (char *)f->config_path;
	}
	for (i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tool = front_tool(f, tool, path, sizeof(path));
	execvp(tool, argv);
	cws_error("cannot run %s: %s", tool, strerror(errno));
	free(argv);
	return CWS_EXIT_FAILURE;
}

static int cmd_version(void)
{
	printf("cws %s\n", CWS_VERSION);
	return CWS_EXIT_OK;
}

const char *front_hostname(const struct front *f, char *buf, size_t len)
{
	const char *h = cws_config_get_string(f->cfg, "hostname");

	if (h && h[0])
		snprintf(buf, len, "%s", h);
	else if (gethostname(buf, len))
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	return buf;
}

static int cmd_hostname(const struct front *f)
{
	char buf[256];

	printf("%s\n", front_hostname(f, buf, sizeof(buf)));
	return CWS_EXIT_OK;
}

/* A value as it may be shown: secrets keep their last 5 characters. */
static void print_item(const struct cws_config_item *it, bool with_key)
{
	const char *v = it->value ? it->value : "";
	size_t n = strlen(v);

	if (with_key)
		printf("%s: ", it->key);
	if ((it->flags & CWS_CONFIG_F_SECRET) && n)
		printf("***************************%s", n > 5 ? v + n - 5 : "");
	else
		printf("%s", v);
	printf(" (%s)\n", cws_config_source_name(it->source));
}

static int cmd_config(const struct front *f, int argc, char **argv)
{
	struct cws_config_item it;
	size_t pos = 0;

	if (argc == 1) {
		while (cws_config_next(f->cfg, &pos, &it))
			print_item(&it, true);
		return CWS_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "get")) {
		if (cws_config_lookup(f->cfg, argv[2], &it)) {
			cws_error("config: unknown key '%s'", argv[2]);
			return CWS_EXIT_USAGE;
		}
		print_item(&it, false);
		return CWS_EXIT_OK;
	}
	/* Runtime settings are the running agent's: ask its API. */
	if ((argc == 4 && !strcmp(argv[1], "set")) ||
	    (argc == 2 && !strcmp(argv[1], "list-runtime")))
		return front_config_remote(f, argc - 1, argv + 1);
	fprintf(stderr,
		"usage: cws config [get key | set key value | list-runtime]\n");
	return CWS_EXIT_USAGE;
}

/* The pid a stage's status file names, if it says it is running. */
long front_running_pid(const struct front *f, const char *tool)
{
	const char *dir = cws_config_get_string(f->cfg, "run_path");
	char path[4200];
	json_error_t jerr;
	json_t *doc;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/%s.json", dir, tool);
	doc = json_load_file(path, 0, &jerr);
	if (!doc)
		return 0;
	if (!strcmp(json_string_value(json_object_get(doc, "state")) ?: "",
		    "running"))
		pid = (long)json_integer_value(json_object_get(doc, "pid"));
	json_decref(doc);
	return pid > 0 ? pid : 0;
}

static int cmd_policy(struct front *f, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check")) {
		/* -v: with what cws-probe filters in the kernel. */
		char *args[5] = { opt_n, opt_v };
		int n = 2;

		if (argc == 4 && !strcmp(argv[2], "-p")) {
			args[n++] = opt_p;
			args[n++] = argv[3];
		} else if (argc != 2) {
			goto usage;
		}
		return exec_tool(f, "cws-filter", args, n);
	}
	if (argc >= 2 && !strcmp(argv[1], "eval"))
		return front_eval(f, argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "reload")) {
		/*
		 * The probe too, when it runs with policies: its kernel
		 * filters follow them, and cws-filter applies the new ones
		 * where the probe says it does (cws-probe(8)).
		 */
		long pid = front_running_pid(f, "cws-filter");
		long ppid = front_running_pid(f, "cws-probe");

		if (!pid) {
			cws_error(
				"policy reload: no running cws-filter (its status file in '%s' says so)",
				cws_config_get_string(f->cfg, "run_path"));
			return CWS_EXIT_FAILURE;
		}
		if (ppid && kill((pid_t)ppid, SIGHUP))
			cws_warn(
				"policy reload: cannot signal cws-probe (pid %ld)",
				ppid);
		if (kill((pid_t)pid, SIGHUP)) {
			cws_error(
				"policy reload: cannot signal cws-filter (pid %ld): %s",
				pid, strerror(errno));
			return CWS_EXIT_FAILURE;
		}
		if (ppid)
			printf("policy reload asked of cws-probe (pid %ld) and cws-filter (pid %ld): their status files show the result\n",
			       ppid, pid);
		else
			printf("policy reload asked of cws-filter (pid %ld): its status file shows the result\n",
			       pid);
		return CWS_EXIT_OK;
	}
usage:
	fprintf(stderr,
		"usage: cws policy check [-p dir] | eval [-p dir] [-e expression] | reload\n");
	return CWS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CWS_CLI_LONGOPTS,
		CWS_CLI_SANDBOX_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct front f = { .api_notify_fd = -1 };
	struct cws_cli cli;
	const char *verb;
	int opt, rc = CWS_EXIT_USAGE;
	char **args;

	cws_cli_init(&cli, "cws", usage);
	/* Datadog's forms, and global options after the command. */
	argc = front_args(argc, argv, &args);
	if (argc < 0)
		cws_fatal(CWS_EXIT_FAILURE, "out of memory");
	argv = args;
	/* "+": options stop at the verb, which has its own. */
	while ((opt = getopt_long(argc, argv, "+" CWS_CLI_OPTSTRING, longopts,
				  NULL)) != -1) {
		if (!cws_cli_option(&cli, opt, optarg))
			cws_cli_usage(&cli);
	}
	if (optind >= argc)
		cws_cli_usage(&cli);
	verb = argv[optind];
	argc -= optind;
	argv += optind;
	f.config_path = cli.config_path;
	f.verbose = cli.verbose;
	f.no_sandbox = cli.no_sandbox;
	if (cli.no_sandbox)
		cws_sandbox_disable();
	find_tooldir(&f);

	if (!strcmp(verb, "version")) {
		free(args);
		return cmd_version();
	}
	if (!strcmp(verb, "flare")) {
		/* cws-flare reads the configuration itself. */
		return exec_tool(&f, "cws-flare", argv + 1, argc - 1);
	}
	f.cfg = cws_cli_config(&cli);
	if (!strcmp(verb, "run"))
		rc = front_run(&f, argc, argv);
	else if (!strcmp(verb, "status"))
		rc = front_status(&f, argc, argv);
	else if (!strcmp(verb, "self-test"))
		rc = front_self_test(&f, argc, argv);
	else if (!strcmp(verb, "policy"))
		rc = cmd_policy(&f, argc, argv);
	else if (!strcmp(verb, "config"))
		rc = cmd_config(&f, argc, argv);
	else if (!strcmp(verb, "hostname"))
		rc = cmd_hostname(&f);
	else {
		cws_errorx("unknown command '%s'", verb);
		cws_cli_usage(&cli);
	}
	cws_config_free(f.cfg);
	free(args);
	return rc;
}
