/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The command line as Datadog's security-agent users type it. Its global
 * options go anywhere (`security-agent run -c FILE`), and its runtime
 * commands live under `runtime`; cws's own forms keep working:
 *
 *	cws run -c FILE                      cws -c FILE run
 *	cws runtime self-test                cws self-test
 *	cws runtime policy check [--policies-dir D]
 *	cws runtime check-policies           cws policy check [-p D]
 *	cws runtime policy eval [--policies-dir D] ...
 *	                                     cws policy eval [-p D] ...
 *	cws runtime policy reload
 *	cws runtime reload                   cws policy reload
 *
 * front_args rewrites argv into cws's own form before getopt sees it: the
 * global options found after the command move in front of it, except
 * where they are the value of one of the command's own options (an
 * expression after -e, an address after -e of flare), and Datadog's
 * words become cws's.
 */
#include "compat.h"
#include "cws.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Options of the commands that take a value: the value stays with them. */
static bool takes_value(const char *a)
{
	static const char *const v[] = {
		"-t",	     "-p",	    "-e", "-o", "--policies-dir",
		"--rule-id", "--event-file"
	};
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(v); i++)
		if (!strcmp(a, v[i]))
			return true;
	return false;
}

/* A global option without a value: -q, -v (or -vv), --quiet, ... */
static bool global_flag(const char *a)
{
	size_t i;

	if (!strcmp(a, "--quiet") || !strcmp(a, "--verbose") ||
	    !strcmp(a, "--no-sandbox"))
		return true;
	if (a[0] != '-' || !a[1])
		return false;
	for (i = 1; a[i]; i++)
		if (a[i] != 'q' && a[i] != 'v')
			return false;
	return true;
}

/* -c FILE, -cFILE, --config FILE, --config=FILE: how many words. */
static int global_config(char **argv, int i, int argc)
{
	const char *a = argv[i];

	if (!strcmp(a, "-c") || !strcmp(a, "--config"))
		return i + 1 < argc ? 2 : 0;
	if ((a[0] == '-' && a[1] == 'c' && a[2]) || !strncmp(a, "--config=", 9))
		return 1;
	return 0;
}

static const char *const runtime_words[][3] = {
	/* Datadog's words after "runtime", and cws's */
	{ "self-test", "self-test", NULL },
	{ "check-policies", "policy", "check" },
	{ "reload", "policy", "reload" },
	{ "policy", "policy", NULL },
};

int front_args(int argc, char **argv, char ***out)
{
	/* --policies-dir=D becomes two words: room for every one. */
	char **v = calloc(2 * (size_t)argc + 4, sizeof(*v));
	int i, n = 0, verb, k;
	bool done = false;
	size_t w;

	if (!v)
		return -1;
	v[n++] = argv[0];
	/* The options before the command, as they are. */
	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--");
	     i++) {
		v[n++] = argv[i];
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc)
			v[n++] = argv[++i];
	}
	if (i < argc && !strcmp(argv[i], "--"))
		v[n++] = argv[i++];
	verb = i;
	/* Global options after the command go in front of it. */
	for (i = verb + 1; i < argc && !done; i++) {
		if (!strcmp(argv[i], "--")) {
			done = true;
		} else if (takes_value(argv[i])) {
			i++;
		} else if ((k = global_config(argv, i, argc))) {
			v[n++] = argv[i];
			if (k == 2)
				v[n++] = argv[++i];
			argv[i - k + 1] = NULL; /* taken */
			if (k == 2)
				argv[i] = NULL;
		} else if (global_flag(argv[i])) {
			v[n++] = argv[i];
			argv[i] = NULL;
		}
	}
	/* The command, Datadog's runtime words turned into cws's. */
	i = verb;
	if (i < argc && !strcmp(argv[i], "runtime") && i + 1 < argc &&
	    argv[i + 1]) {
		for (w = 0; w < CWS_ARRAY_SIZE(runtime_words); w++)
			if (!strcmp(argv[i + 1], runtime_words[w][0]))
				break;
		if (w < CWS_ARRAY_SIZE(runtime_words)) {
			v[n++] = (char *)runtime_words[w][1];
			if (runtime_words[w][2])
				v[n++] = (char *)runtime_words[w][2];
			i += 2;
		}
	}
	for (; i < argc; i++) {
		if (!argv[i])
			continue;
		if (!strcmp(argv[i], "--policies-dir")) {
			v[n++] = (char *)"-p";
			continue;
		}
		if (!strncmp(argv[i], "--policies-dir=", 15)) {
			v[n++] = (char *)"-p";
			v[n++] = argv[i] + 15;
			continue;
		}
		v[n++] = argv[i];
		if (takes_value(argv[i]) && i + 1 < argc)
			v[n++] = argv[++i];
	}
	v[n] = NULL;
	*out = v;
	return n;
}
