/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws status: the stages' status files (<run_path>/<tool>.json, written
 * by each stage every few seconds and on exit) rendered in sections as
 * Datadog's `security-agent status` does, or gathered into one JSON
 * document with --json. Nothing else is asked of the running pipeline.
 */
#include "compat.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "cws.h"
#include "exit.h"
#include "log.h"

static const char *const files[] = { "cws", "cws-probe", "cws-filter",
				     "cws-ship", "cws-selftest" };
#define NFILES 5
#define NSTAGE_FILES 4 /* the processes; cws-selftest is a result */

static json_t *load(const char *dir, const char *name)
{
	char path[4200];
	json_error_t err;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	return json_load_file(path, 0, &err);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void title(const char *t)
{
	size_t n = strlen(t);

	printf("\n%s\n", t);
	while (n--)
		putchar('=');
	putchar('\n');
}

/* "state (pid N), up S s, updated T" of a stage, or that it has none. */
static void stage_line(const char *name, const json_t *st)
{
	if (!st) {
		printf("  %-11s no status file\n", name);
		return;
	}
	printf("  %-11s %s (pid %lld), started %s, up %lld s, updated %s\n",
	       name, str(st, "state"), num(st, "pid"), str(st, "started_at"),
	       num(st, "uptime_seconds"), str(st, "updated_at"));
}

/* Prints the integer members of o listed in keys, those that exist. */
static void counters(const json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const json_t *v = json_object_get(o, *keys);

		if (json_is_integer(v))
			printf("    %-20s %lld\n", *keys,
			       json_integer_value(v));
	}
}

/* As Datadog's status: the last execution, what succeeded and failed. */
static void print_self_test(const json_t *t)
{
	const json_t *v;
	size_t i;

	title("Self-test");
	if (!t) {
		printf("  Not run yet\n");
		return;
	}
	printf("  Last execution: %s\n  Result: %s\n", str(t, "last_execution"),
	       str(t, "result"));
	json_array_foreach(json_object_get(t, "succeeded_tests"), i, v)
		printf("    succeeded: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(t, "failed_tests"), i, v)
		printf("    failed: %s\n", json_string_value(v));
}

static void print_probe(const json_t *p)
{
	static const char *const keys[] = { "events", "filtered", "bad_records",
					    NULL };
	const json_t *k = json_object_get(p, "kernel"), *ev, *lost, *v;
	const char *cause;
	size_t i;

	title("Kernel side (cws-probe)");
	printf("  Kernel: %s, BTF %s\n", str(k, "release"),
	       json_is_true(json_object_get(k, "btf")) ? "present" : "missing");
	printf("  Ring buffer: %lld bytes\n", num(p, "ring_buffer_bytes"));
	printf("  Enabled event types:");
	ev = json_object_get(p, "events_attached");
	json_array_foreach(ev, i, v)
		printf("%s%s", i ? ", " : " ", json_string_value(v));
	printf("\n  Counters:\n");
	counters(p, keys);
	lost = json_object_get(p, "lost");
	printf("    %-20s %lld\n", "lost", num(lost, "total"));
	json_object_foreach(json_object_get(lost, "causes"), cause, v)
		printf("      %-18s %lld\n", cause, json_integer_value(v));
}

static void print_filter(const json_t *f)
{
	static const char *const keys[] = {
		"records",	"events",	"matches", "written",
		"rate_limited", "bad_records",	"kills",   "kill_errors",
		"set_errors",	"write_errors", NULL
	};
	const json_t *pol = json_object_get(f, "policies"), *v;
	size_t i;

	title("Policies (cws-filter)");
	printf("  Directory: %s, loaded at %s, reloads %lld (%lld failed)\n",
	       str(pol, "dir"), str(pol, "loaded_at"), num(pol, "reloads"),
	       num(pol, "reload_failures"));
	json_array_foreach(json_object_get(pol, "files"), i, v)
		printf("  %s (version %s): %lld loaded, %lld filtered, %lld failed\n",
		       str(v, "name"), str(v, "version"), num(v, "loaded"),
		       num(v, "filtered"), num(v, "failed"));
	printf("  Rules: %lld loaded, %lld filtered, %lld failed\n",
	       num(pol, "rules_loaded"), num(pol, "rules_filtered"),
	       num(pol, "rules_failed"));
	json_array_foreach(json_object_get(pol, "failed"), i, v)
		printf("    failed: %s (%s): %s\n", str(v, "id"),
		       str(v, "policy"), str(v, "message"));
	printf("  Counters:\n");
	counters(f, keys);
}

static void print_ship(const json_t *s)
{
	static const char *const keys[] = {
		"records",	 "messages", "bad_records", "dropped_too_large",
		"encode_errors", "batches",  NULL
	};
	const json_t *ep, *v;
	const char *k;
	size_t i;

	title("Intake (cws-ship)");
	printf("  Output: %s\n", str(s, "output"));
	json_array_foreach(json_object_get(s, "endpoints"), i, ep) {
		printf("  Endpoint: %s\n", str(ep, "status"));
		json_object_foreach((json_t *)ep, k, v) {
			if (json_is_integer(v))
				printf("    %-20s %lld\n", k,
				       json_integer_value(v));
			else if (json_is_string(v) && strcmp(k, "status"))
				printf("    %-20s %s\n", k,
				       json_string_value(v));
		}
	}
	printf("  Counters:\n");
	counters(s, keys);
}

int front_status(struct front *f, int argc, char **argv)
{
	const char *dir = cws_config_get_string(f->cfg, "run_path");
	json_t *doc[NFILES], *all;
	struct utsname u;
	bool json = false, any = false;
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		json = true;
	else if (argc != 1) {
		fprintf(stderr, "usage: cws status [--json]\n");
		return CWS_EXIT_USAGE;
	}
	for (i = 0; i < NFILES; i++) {
		doc[i] = load(dir, files[i]);
		any |= i < NSTAGE_FILES && doc[i];
	}
	if (json) {
		all = json_object();
		for (i = 0; i < NFILES; i++)
			json_object_set_new(all, files[i],
					    doc[i] ? doc[i] : json_null());
		json_dumpf(all, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(all);
		return any ? CWS_EXIT_OK : CWS_EXIT_FAILURE;
	}

	printf("==========================\nCWS Agent (v%s)\n==========================\n",
	       CWS_VERSION);
	if (!uname(&u))
		printf("  Host: %s, kernel %s %s\n", u.nodename, u.release,
		       u.machine);
	printf("  Status files: %s\n", dir);
	title("Pipeline");
	for (i = 0; i < NSTAGE_FILES; i++)
		stage_line(files[i], doc[i]);
	if (doc[0]) {
		const json_t *v;
		size_t j;

		json_array_foreach(json_object_get(doc[0], "stages"), j, v)
			if (num(v, "restarts"))
				printf("  %s restarted %lld times (last: %s)\n",
				       str(v, "tool"), num(v, "restarts"),
				       str(v, "last_exit"));
	}
	print_self_test(doc[4]);
	if (doc[1])
		print_probe(doc[1]);
	if (doc[2])
		print_filter(doc[2]);
	if (doc[3])
		print_ship(doc[3]);
	for (i = 0; i < NFILES; i++)
		json_decref(doc[i]);
	if (!any) {
		cws_error("no status file in '%s': is cws running?", dir);
		return CWS_EXIT_FAILURE;
	}
	return CWS_EXIT_OK;
}
