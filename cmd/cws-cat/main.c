/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-cat: renders a cws stream as JSON lines, or (-r) turns JSON lines
 * back into a stream, so that people, jq and tests can read and hand-make
 * records. The conversion itself is in json.c; this file is options and
 * the two loops.
 */
#include "compat.h"
#include "cat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "exit.h"
#include "log.h"

static const char usage[] = "cws-cat [-hqRrVv] [-c file] [file | socket ...]";

static volatile sig_atomic_t stopping;

/*
 * SIGINT or SIGTERM: read on to the end of the input. In `cws-probe |
 * cws-cat` both get the signal, and the probe closes its output once it
 * has written what it captured, so nothing in flight is lost. A second
 * signal, for an input that does not end, exits at once: the signal
 * again, with its default action.
 */
static void on_stop(int sig)
{
	if (stopping)
		cws_log_second_signal(sig);
	stopping = 1;
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* Nothing to do between reads: they are restarted. */
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A file, or a stream served on a unix socket (cws-probe -u, cws run's
 * event_monitoring_config.socket): read until the server closes it.
 */
static int open_input(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (stat(path, &st) || !S_ISSOCK(st.st_mode))
		return open(path, O_RDONLY | O_CLOEXEC);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		shutdown(fd, SHUT_WR); /* the server only sends */
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CWS_CLI_LONGOPTS,
		{ "reverse", no_argument, NULL, 'r' },
		{ "records", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct cws_config *cfg;
	struct cws_cli cli;
	int c, i, rc = CWS_EXIT_OK, reverse = 0;

	cws_cli_init(&cli, "cws-cat", usage);
	while ((c = getopt_long(argc, argv, CWS_CLI_OPTSTRING "Rr", longopts,
				NULL)) != -1) {
		if (cws_cli_option(&cli, c, optarg))
			continue;
		if (c == 'r')
			reverse = 1;
		else if (c == 'R')
			cws_cat_show_records(true);
		else
			cws_cli_usage(&cli);
	}
	cfg = cws_cli_config(&cli);
	setup_signals();

	if (optind == argc)
		rc = reverse ? cws_cat_from_json(STDIN_FILENO, "<stdin>") :
			       cws_cat_to_json(STDIN_FILENO, "<stdin>");
	for (i = optind; i < argc && !cws_cat_output_closed(); i++) {
		int fd, r;

		if (!strcmp(argv[i], "-")) {
			fd = STDIN_FILENO;
		} else {
			fd = open_input(argv[i]);
			if (fd < 0) {
				cws_error("cannot open '%s'", argv[i]);
				rc = CWS_EXIT_FAILURE;
				continue;
			}
		}
		r = reverse ? cws_cat_from_json(fd, argv[i]) :
			      cws_cat_to_json(fd, argv[i]);
		if (r)
			rc = r;
		if (fd != STDIN_FILENO)
			close(fd);
	}
	cws_config_free(cfg);
	return rc;
}
