/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The decode cost alone, for bench/filter.sh: reads a stream on standard
 * input with cws_reader_next, as cws-filter does, and does nothing else
 * with the records; prints how many it read. cws-filter's time over the
 * same input, next to this one's, says what judging costs on top of
 * reading.
 *
 *   decode_bench            count records: "records N events N bad N"
 *   decode_bench -m         the events per type instead, most first:
 *                           "  mix: open 133805 (91.2 %), exec ..."
 *   decode_bench -w COUNT   copy the first COUNT records to standard
 *                           output, byte for byte (a head for streams)
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "num.h"

static int write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* "  mix: open 133805 (91.2 %), exec 3024 (2.1 %), ..." */
/* Consumes per_type. */
static void print_mix(unsigned long long *per_type, unsigned long long events)
{
	unsigned long long done = 0;
	const char *sep = "  mix: ";

	while (done < events) {
		unsigned best = 0, t;

		for (t = 1; t < CWS_EVT__COUNT; t++)
			if (per_type[t] > per_type[best])
				best = t;
		if (!per_type[best])
			break;
		printf("%s%s %llu (%.1f %%)", sep, cws_event_type_name(best),
		       per_type[best],
		       100.0 * (double)per_type[best] / (double)events);
		done += per_type[best];
		sep = ", ";
		per_type[best] = 0;
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct cws_event ev;
	static unsigned long long per_type[CWS_EVT__COUNT];
	unsigned long long records = 0, events = 0, bad = 0, head = 0;
	bool mix = false;
	const char *errstr = NULL;
	struct cws_event_err err;
	struct cws_reader r;
	int n;

	if (argc == 3 && !strcmp(argv[1], "-w")) {
		head = (unsigned long long)cws_strtonum(argv[2], 1, 1000000000,
							&errstr);
		if (errstr) {
			fprintf(stderr, "decode_bench: count is %s\n", errstr);
			return 2;
		}
	} else if (argc == 2 && !strcmp(argv[1], "-m")) {
		mix = true;
	} else if (argc != 1) {
		fprintf(stderr,
			"usage: decode_bench [-m | -w count] < stream\n");
		return 2;
	}
	if (cws_reader_init(&r, STDIN_FILENO)) {
		fprintf(stderr, "decode_bench: out of memory\n");
		return 1;
	}
	while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
		if (n == -EBADMSG) {
			bad++;
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "decode_bench: read: %s\n",
				strerror(-n));
			return 1;
		}
		records++;
		if (ev.type == CWS_REC_EVENT) {
			events++;
			per_type[(unsigned)ev.evt.type < CWS_EVT__COUNT ?
					 ev.evt.type :
					 0]++;
		}
		if (head && write_all(ev.raw, ev.raw_len))
			return 1;
		if (head && records == head)
			break;
	}
	cws_reader_release(&r);
	if (mix)
		print_mix(per_type, events);
	else if (!head)
		printf("records %llu events %llu bad %llu\n", records, events,
		       bad);
	return 0;
}
