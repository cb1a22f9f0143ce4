/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Counts what a cws stream holds, for the flood accounting of
 * bench/probe.sh and tests/e2e/t1300-probe-flood.sh: how many events of one
 * type reached the stream, how many of those name a file under a prefix
 * (the workload's own files, not the rest of the machine's), and how many
 * events the "lost" records say were dropped, in all and of that type.
 *
 *   evcount_bench [-abh] [-e type] [-m marker] [-p prefix] [file]
 *
 * Reads the file, or standard input, through lib/event's reader (the same
 * decoding every cws tool does) and prints one line:
 *
 *   evcount records=R events=E type=open typed=T matched=M lost=L
 *   lost_typed=LT lost_by_type=yes bad=B
 *
 * (on one line). typed counts events of the type, matched those whose file
 * path starts with the prefix (all of them without -p), lost the total of
 * the lost records, lost_typed the part of it they attribute to the type.
 * lost_by_type=no says the lost records carried no per-type counts: then
 * lost_typed is the total, an upper bound. bad counts records that could
 * not be decoded. With -a a second line counts the events of every type
 * the stream holds (bench/build.sh: what the kernel filters passed):
 *
 *   evcount_types exec=120 open=3021 unlink=5
 *
 * With -b a third line says where the stream's bytes went (bench/build.sh:
 * the lean stream's share of process records), by record as it was read:
 *
 *   evcount_bytes total=B event=BE process=BP other=BO processes=P
 *
 * total is every byte read, event the bytes of the event records, process
 * those of the schema 2 process records (P of them), other the rest (hello,
 * lost, heartbeats, bytes skipped as corrupt).
 *
 * Exit status: 0, 1 on a read error, 2 on a usage error.
 *
 * -m counts lost records only after the first event whose file path is
 * marker (and prints marker=no if there was none). A probe reports drops
 * once per pass, after the events of that pass, so the lost record that
 * follows an event may count drops from before it (a probe's start-up,
 * say). To count from a point on: open a first marker file and wait until
 * it is in the stream (its pass is over), then open a second one, wait for
 * it too, start the measurement, and give the second to -m.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"

#define PROG "evcount_bench"

static const char usage_text[] =
	"usage: " PROG " [-abh] [-e type] [-m marker] [-p prefix] [file]\n";

/* The file an event is about: exec's executable, else the object's file. */
static const char *event_path(const struct cws_event *ev)
{
	if (ev->evt.type == CWS_EVT_EXEC)
		return ev->exec.file.path;
	return ev->obj.file.path;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all-types", no_argument, NULL, 'a' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "event", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "marker", required_argument, NULL, 'm' },
		{ "prefix", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t records = 0, events = 0, typed = 0, matched = 0, lost = 0;
	uint64_t lost_typed = 0, bad = 0, by_type[CWS_EVT__COUNT] = { 0 };
	const char *type_name = "open", *prefix = NULL, *marker = NULL;
	bool lost_by_type = true, marked = false, all_types = false;
	bool bytes = false;
	uint64_t event_bytes = 0, process_bytes = 0, processes = 0, total;
	enum cws_event_type type;
	struct cws_event_err err;
	struct cws_reader r;
	struct cws_event ev;
	size_t plen = 0;
	int opt, fd = STDIN_FILENO, n, rc = 0;
	uint32_t i;

	while ((opt = getopt_long(argc, argv, "abe:hm:p:", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'a':
			all_types = true;
			break;
		case 'b':
			bytes = true;
			break;
		case 'e':
			type_name = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'm':
			marker = optarg;
			break;
		case 'p':
			prefix = optarg;
			plen = strlen(prefix);
			break;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	type = cws_event_type_from_name(type_name);
	if (type == CWS_EVT_UNKNOWN) {
		fprintf(stderr, PROG ": error: unknown event type '%s'\n",
			type_name);
		return 2;
	}
	if (optind < argc) {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, PROG ": error: cannot open '%s': %s\n",
				argv[optind], strerror(errno));
			return 1;
		}
	}
	if (cws_reader_init(&r, fd)) {
		fprintf(stderr, PROG ": error: out of memory\n");
		return 1;
	}
	/* Process records are counted, not returned, unless asked for. */
	r.want_process = bytes;
	while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
		if (n == -EBADMSG) {
			bad++;
			continue;
		}
		if (n < 0) {
			fprintf(stderr, PROG ": error: cannot read: %s\n",
				strerror(-n));
			rc = 1;
			break;
		}
		if (ev.type == CWS_REC_PROCESS) {
			processes++;
			process_bytes += ev.raw_len;
			continue;
		}
		records++;
		if (ev.type == CWS_REC_EVENT)
			event_bytes += ev.raw_len;
		if (ev.type == CWS_REC_LOST) {
			uint64_t typed_here = 0;

			if (marker && !marked)
				continue;
			lost += ev.lost.total;
			for (i = 0; i < ev.lost.ntypes; i++) {
				typed_here += ev.lost.types[i].count;
				if (ev.lost.types[i].cause &&
				    !strcmp(ev.lost.types[i].cause, type_name))
					lost_typed += ev.lost.types[i].count;
			}
			/* Counts by type must cover the total to be used. */
			if (typed_here != ev.lost.total)
				lost_by_type = false;
			continue;
		}
		if (ev.type != CWS_REC_EVENT)
			continue;
		events++;
		if (ev.evt.type > 0 && ev.evt.type < CWS_EVT__COUNT)
			by_type[ev.evt.type]++;
		if (marker && !marked && event_path(&ev) &&
		    !strcmp(event_path(&ev), marker))
			marked = true;
		if (ev.evt.type != type)
			continue;
		typed++;
		if (!prefix) {
			matched++;
		} else {
			const char *path = event_path(&ev);

			if (path && !strncmp(path, prefix, plen))
				matched++;
		}
	}
	total = r.base + r.end;
	cws_reader_release(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!lost_by_type)
		lost_typed = lost;
	printf("evcount records=%" PRIu64 " events=%" PRIu64
	       " type=%s typed=%" PRIu64 " matched=%" PRIu64 " lost=%" PRIu64
	       " lost_typed=%" PRIu64 " lost_by_type=%s bad=%" PRIu64 "%s\n",
	       records, events, type_name, typed, matched, lost, lost_typed,
	       lost_by_type ? "yes" : "no", bad,
	       !marker ? "" :
	       marked  ? " marker=yes" :
			 " marker=no");
	if (all_types) {
		fputs("evcount_types", stdout);
		for (i = 1; i < CWS_EVT__COUNT; i++)
			if (by_type[i])
				printf(" %s=%" PRIu64,
				       cws_event_type_name(
					       (enum cws_event_type)i),
				       by_type[i]);
		putchar('\n');
	}
	if (bytes)
		printf("evcount_bytes total=%" PRIu64 " event=%" PRIu64
		       " process=%" PRIu64 " other=%" PRIu64
		       " processes=%" PRIu64 "\n",
		       total, event_bytes, process_bytes,
		       total - event_bytes - process_bytes, processes);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": error: cannot write: %s\n",
			strerror(errno));
		rc = 1;
	}
	return rc;
}
