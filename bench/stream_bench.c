/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How much the stream reader costs over bare msgpack-c. Both sides read the
 * same buffer of realistic exec events in one run:
 *
 *   reference: msgpack_unpack_next() over the buffer, nothing else;
 *   ours:      cws_reader_next(): bounds scan + the same unpack + decode
 *              into struct cws_event (strings copied into the arena).
 *
 * Prints records per second for each and the ratio ours / reference
 * (time per record; 1.0 would mean the safety scan and decode are free).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "num.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(struct cws_event *ev, struct cws_process *anc, int i)
{
	static const char *argv[] = { "/usr/bin/python3", "-m",
				      "http.server",	  "--bind",
				      "127.0.0.1",	  "8080" };
	int k;

	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = CWS_EVT_EXEC;
	ev->timestamp = 1700000000000000000ull + (uint64_t)i;
	ev->process.pid = (uint32_t)i;
	ev->process.ppid = 1;
	ev->process.comm = "python3";
	ev->process.file.path = "/usr/bin/python3.11";
	ev->process.file.name = "python3.11";
	ev->process.argv.v = argv;
	ev->process.argv.n = 6;
	for (k = 0; k < 4; k++) {
		memset(&anc[k], 0, sizeof(anc[k]));
		anc[k].pid = (uint32_t)(k + 1);
		anc[k].comm = "bash";
		anc[k].file.path = "/usr/bin/bash";
		anc[k].argv.v = argv;
		anc[k].argv.n = 1;
	}
	ev->ancestors = anc;
	ev->nancestors = 4;
	ev->exec.file = ev->process.file;
	ev->exec.argv = ev->process.argv;
}

int main(int argc, char **argv)
{
	const char *errstr = NULL;
	int n = argc > 1 ? (int)cws_strtonum(argv[1], 1, 100000000, &errstr) :
			   200000;
	int i, rounds = 5, r;
	static struct cws_event ev;
	struct cws_process anc[4];
	struct cws_event_err err;
	struct cws_reader rd;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	double t, best_ref = 1e9, best_ours = 1e9;
	size_t off;

	if (errstr) {
		fprintf(stderr, "stream_bench: count is %s\n", errstr);
		return 2;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < n; i++) {
		fill(&ev, anc, i);
		cws_event_pack(&pk, &ev);
	}
	msgpack_unpacked_init(&up);
	/* Interleave the two so that both see the same machine state. */
	for (r = 0; r < rounds; r++) {
		t = now();
		off = 0;
		for (i = 0; i < n; i++)
			if (msgpack_unpack_next(&up, sb.data, sb.size, &off) !=
			    MSGPACK_UNPACK_SUCCESS)
				return 1;
		t = now() - t;
		if (t < best_ref)
			best_ref = t;

		t = now();
		if (cws_reader_init_mem(&rd, sb.data, sb.size))
			return 1;
		for (i = 0; i < n; i++)
			if (cws_reader_next(&rd, &ev, &err) != 1)
				return 1;
		cws_reader_release(&rd);
		t = now() - t;
		if (t < best_ours)
			best_ours = t;
	}
	printf("records: %d, %.0f bytes each\n", n, (double)sb.size / n);
	printf("reference msgpack_unpack_next: %.0f records/s\n", n / best_ref);
	printf("ours cws_reader_next:          %.0f records/s\n",
	       n / best_ours);
	printf("ratio ours/reference (time per record): %.2f\n",
	       best_ours / best_ref);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}
