/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws status: the stages' status files (<run_path>/<tool>.json, written
 * by each stage every few seconds and on exit) rendered in sections as
 * Datadog's `security-agent status` does, or gathered into one JSON
 * document with --json. Nothing else is asked of the running pipeline.
 * front_status_render writes either form into any stream: cws status
 * gives it stdout, the IPC API (api.c) a memory stream.
 */
#include "compat.h"

#include <errno.h>
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

static void title(FILE *out, const char *t)
{
	size_t n = strlen(t);

	fprintf(out, "\n%s\n", t);
	while (n--)
		fputc('=', out);
	fputc('\n', out);
}

/* "state (pid N), up S s, updated T" of a stage, or that it has none. */
static void stage_line(FILE *out, const char *name, const json_t *st)
{
	if (!st) {
		fprintf(out, "  %-11s no status file\n", name);
		return;
	}
	fprintf(out,
		"  %-11s %s (pid %lld), started %s, up %lld s, updated %s\n",
		name, str(st, "state"), num(st, "pid"), str(st, "started_at"),
		num(st, "uptime_seconds"), str(st, "updated_at"));
	if (!strcmp(str(st, "sandbox"), "off"))
		fprintf(out,
			"  %-11s WARNING: running without its sandbox "
			"(--no-sandbox)\n",
			"");
}

/* Prints the integer members of o listed in keys, those that exist. */
static void counters(FILE *out, const json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const json_t *v = json_object_get(o, *keys);

		if (json_is_integer(v))
			fprintf(out, "    %-20s %lld\n", *keys,
				json_integer_value(v));
	}
}

/* As Datadog's status: the last execution, what succeeded and failed. */
static void print_self_test(FILE *out, const json_t *t)
{
	const json_t *v;
	size_t i;

	title(out, "Self-test");
	if (!t) {
		fprintf(out, "  Not run yet\n");
		return;
	}
	fprintf(out, "  Last execution: %s\n  Result: %s\n",
		str(t, "last_execution"), str(t, "result"));
	/* Strings only: the file may be anything (a stage wrote it). */
	json_array_foreach(json_object_get(t, "succeeded_tests"), i, v)
		if (json_is_string(v))
			fprintf(out, "    succeeded: %s\n",
				json_string_value(v));
	json_array_foreach(json_object_get(t, "failed_tests"), i, v)
		if (json_is_string(v))
			fprintf(out, "    failed: %s\n", json_string_value(v));
}

/*
 * The probe's kernel filters (cws-probe(8)): per event type, what the
 * kernel saw and dropped before user space, and why a type has no
 * approver.
 */
static void print_kernel_filters(FILE *out, const json_t *k)
{
	const json_t *t;
	const char *name;

	if (!json_is_object(k)) {
		fprintf(out, "  Kernel filters: none (no policy given to "
			     "cws-probe)\n");
		return;
	}
	fprintf(out,
		"  Kernel filters: policy %s, %lld rules, approvers %s, "
		"discarders %s (%lld of %lld entries)\n",
		str(k, "policy"), num(k, "rules"),
		json_is_true(json_object_get(k, "approvers")) ? "on" : "off",
		json_is_true(json_object_get(k, "discarders")) ? "on" : "off",
		num(k, "discarder_entries"), num(k, "discarder_max"));
	json_object_foreach(json_object_get(k, "types"), name, t) {
		long long seen = num(t, "seen"),
			  da = num(t, "dropped_by_approvers"),
			  dd = num(t, "dropped_by_discarders");

		fprintf(out, "    %-12s %-17s", name, str(t, "mode"));
		if (json_is_true(json_object_get(t, "approvers")))
			fprintf(out, " %lld approvers,",
				num(t, "approver_count"));
		fprintf(out,
			" seen %lld, dropped %lld by approvers, %lld by "
			"discarders",
			seen, da, dd);
		if (seen > 0)
			fprintf(out, " (%.1f%%)",
				100.0 * (double)(da + dd) / (double)seen);
		if (num(t, "not_sent"))
			fprintf(out, ", %lld not sent", num(t, "not_sent"));
		fprintf(out, "\n");
		if (json_is_string(json_object_get(t, "no_approver")))
			fprintf(out, "      no approver: %s\n",
				str(t, "no_approver"));
	}
}

/*
 * A stream's process table (a reader's) or key set (a writer's): keys
 * held against the bound, and what left it (cws-event(5), schema 2).
 */
static void print_proc(FILE *out, const char *what, const json_t *o)
{
	if (!o)
		return;
	fprintf(out,
		"  %s: %lld keys of %lld, %lld records, %lld evicted, "
		"%lld retired",
		what, num(o, "entries"), num(o, "max"), num(o, "records"),
		num(o, "evicted"), num(o, "retired"));
	if (json_object_get(o, "unknown"))
		fprintf(out, ", %lld unknown", num(o, "unknown"));
	fprintf(out, "\n");
}

static void print_probe(FILE *out, const json_t *p)
{
	static const char *const keys[] = { "events", "filtered", "bad_records",
					    NULL };
	const json_t *k = json_object_get(p, "kernel"), *ev, *lost, *v;
	const char *cause;
	size_t i;
	int first = 0;

	title(out, "Kernel side (cws-probe)");
	fprintf(out, "  Kernel: %s, BTF %s\n", str(k, "release"),
		json_is_true(json_object_get(k, "btf")) ? "present" :
							  "missing");
	fprintf(out, "  Ring buffer: %lld bytes\n",
		num(p, "ring_buffer_bytes"));
	fprintf(out, "  Enabled event types:");
	ev = json_object_get(p, "events_attached");
	json_array_foreach(ev, i, v)
		if (json_is_string(v))
			fprintf(out, "%s%s", first++ ? ", " : " ",
				json_string_value(v));
	fprintf(out, "\n  Counters:\n");
	counters(out, p, keys);
	lost = json_object_get(p, "lost");
	fprintf(out, "    %-20s %lld\n", "lost", num(lost, "total"));
	json_object_foreach(json_object_get(lost, "causes"), cause, v)
		fprintf(out, "      %-18s %lld\n", cause,
			json_integer_value(v));
	print_kernel_filters(out, json_object_get(p, "kernel_filters"));
	print_proc(out, "Process records written",
		   json_object_get(p, "process_records"));
	v = json_object_get(p, "subscribers");
	if (v)
		fprintf(out,
			"  Stream socket: %s: %lld subscribers (%lld served, "
			"%lld cut off for not keeping up), %lld bytes sent\n",
			str(v, "path"), num(v, "connected"), num(v, "served"),
			num(v, "cut_off"), num(v, "bytes"));
}

static void print_filter(FILE *out, const json_t *f)
{
	static const char *const keys[] = {
		"records",	"events",	"matches", "written",
		"rate_limited", "bad_records",	"kills",   "kill_errors",
		"set_errors",	"write_errors", NULL
	};
	const json_t *pol = json_object_get(f, "policies"), *v;
	size_t i;

	title(out, "Policies (cws-filter)");
	fprintf(out,
		"  Directory: %s, loaded at %s, reloads %lld (%lld failed)\n",
		str(pol, "dir"), str(pol, "loaded_at"), num(pol, "reloads"),
		num(pol, "reload_failures"));
	json_array_foreach(json_object_get(pol, "files"), i, v)
		fprintf(out,
			"  %s (version %s): %lld loaded, %lld filtered, %lld failed\n",
			str(v, "name"), str(v, "version"), num(v, "loaded"),
			num(v, "filtered"), num(v, "failed"));
	fprintf(out, "  Rules: %lld loaded, %lld filtered, %lld failed\n",
		num(pol, "rules_loaded"), num(pol, "rules_filtered"),
		num(pol, "rules_failed"));
	json_array_foreach(json_object_get(pol, "failed"), i, v)
		fprintf(out, "    failed: %s (%s): %s\n", str(v, "id"),
			str(v, "policy"), str(v, "message"));
	print_proc(out, "Process table", json_object_get(f, "process_table"));
	print_proc(out, "Process records written",
		   json_object_get(f, "process_records"));
	fprintf(out, "  Counters:\n");
	counters(out, f, keys);
}

static void print_ship(FILE *out, const json_t *s)
{
	static const char *const keys[] = {
		"records",	 "messages", "bad_records", "dropped_too_large",
		"encode_errors", "batches",  NULL
	};
	const json_t *ep, *v;
	const char *k;
	size_t i;

	title(out, "Intake (cws-ship)");
	fprintf(out, "  Output: %s\n", str(s, "output"));
	if (*str(s, "decision"))
		fprintf(out, "  Endpoints chosen: %s\n", str(s, "decision"));
	json_array_foreach(json_object_get(s, "endpoints"), i, ep) {
		fprintf(out, "  Endpoint: %s\n", str(ep, "status"));
		json_object_foreach((json_t *)ep, k, v) {
			if (json_is_integer(v))
				fprintf(out, "    %-20s %lld\n", k,
					json_integer_value(v));
			else if (json_is_boolean(v))
				fprintf(out, "    %-20s %s\n", k,
					json_is_true(v) ? "true" : "false");
			else if (json_is_string(v) && strcmp(k, "status"))
				fprintf(out, "    %-20s %s\n", k,
					json_string_value(v));
		}
	}
	print_proc(out, "Process table", json_object_get(s, "process_table"));
	fprintf(out, "  Counters:\n");
	counters(out, s, keys);
}

/* The supervisor's own lines: restarts and the IPC API. */
static void print_supervisor(FILE *out, const json_t *sup)
{
	const json_t *v, *api = json_object_get(sup, "api"),
			 *ds = json_object_get(sup, "dogstatsd");
	size_t j;

	json_array_foreach(json_object_get(sup, "stages"), j, v)
		if (num(v, "restarts"))
			fprintf(out, "  %s restarted %lld times (last: %s)\n",
				str(v, "tool"), num(v, "restarts"),
				str(v, "last_exit"));
	if (ds && !strcmp(str(ds, "state"), "on"))
		fprintf(out,
			"  DogStatsD: to %s, %lld datagrams sent, %lld "
			"dropped\n",
			str(ds, "address"), num(ds, "datagrams"),
			num(ds, "dropped"));
	else if (ds)
		fprintf(out, "  DogStatsD: off (no dogstatsd_port or "
			     "dogstatsd_socket)\n");
	if (!api)
		return;
	fprintf(out, "  API: %s%s%s%s%s\n", str(api, "state"),
		*str(api, "address") ? ", " : "", str(api, "address"),
		*str(api, "error") ? ": " : "", str(api, "error"));
}

/*
 * Writes the status files' documents (doc[i] for files[i], NULL when
 * missing; each is released) as text or JSON. dir is where they are.
 */
static void render(FILE *out, const char *dir, json_t *doc[NFILES], bool json)
{
	struct utsname u;
	json_t *all;
	size_t i;

	if (json) {
		all = json_object();
		for (i = 0; i < NFILES; i++)
			json_object_set_new(all, files[i],
					    doc[i] ? doc[i] : json_null());
		json_dumpf(all, out, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', out);
		json_decref(all);
		return;
	}

	fprintf(out,
		"==========================\nCWS Agent (v%s)\n==========================\n",
		CWS_VERSION);
	if (!uname(&u))
		fprintf(out, "  Host: %s, kernel %s %s\n", u.nodename,
			u.release, u.machine);
	fprintf(out, "  Status files: %s\n", dir);
	title(out, "Pipeline");
	for (i = 0; i < NSTAGE_FILES; i++)
		stage_line(out, files[i], doc[i]);
	if (doc[0])
		print_supervisor(out, doc[0]);
	print_self_test(out, doc[4]);
	if (doc[1])
		print_probe(out, doc[1]);
	if (doc[2])
		print_filter(out, doc[2]);
	if (doc[3])
		print_ship(out, doc[3]);
	for (i = 0; i < NFILES; i++)
		json_decref(doc[i]);
}

int front_status_render(const struct front *f, FILE *out, bool json)
{
	const char *dir = cws_config_get_string(f->cfg, "run_path");
	json_t *doc[NFILES];
	bool any = false;
	size_t i;

	for (i = 0; i < NFILES; i++) {
		doc[i] = load(dir, files[i]);
		any |= i < NSTAGE_FILES && doc[i];
	}
	render(out, dir, doc, json);
	return any ? 0 : -ENOENT;
}

int front_status(struct front *f, int argc, char **argv)
{
	bool json = false;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		json = true;
	else if (argc != 1) {
		fprintf(stderr, "usage: cws status [--json]\n");
		return CWS_EXIT_USAGE;
	}
	if (front_status_render(f, stdout, json)) {
		if (!json)
			cws_error("no status file in '%s': is cws running?",
				  cws_config_get_string(f->cfg, "run_path"));
		return CWS_EXIT_FAILURE;
	}
	return CWS_EXIT_OK;
}
