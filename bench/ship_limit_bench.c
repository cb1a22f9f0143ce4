/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compression limit of cws-ship (bench/ship.sh): the same payload
 * bytes cws-ship compresses, through zlib and zstd alone. Reads the
 * messages as `cws-ship -o FILE` writes them (one wrapper object a line),
 * cuts them into the batches cws-ship would make (batch_max_size
 * messages, batch_max_content_size bytes: "[\n" m ",\n" m ... "\n]") and
 * compresses every batch as cws-ship does (a gzip stream from deflate at
 * the given level; ZSTD_compressCCtx with one kept context), counting
 * only the CPU time of the compression calls.
 *
 *	ship_limit_bench [-g gzip_level] [-z zstd_level] [-m batch_msgs]
 *			 [-b batch_bytes] [-r rounds] <lines
 *
 * Prints one line: "messages M raw_bytes B gzip_s G gzip_bytes GB
 * zstd_s Z zstd_bytes ZB", the CPU seconds being the smallest of the
 * rounds for each.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

struct batch {
	char *p;
	size_t len, cap;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void append(struct batch *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			perror("ship_limit_bench: realloc");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* All the batches back to back, with their lengths. */
static struct batch all;
static size_t *lens, nbatches, capbatches;

static void close_batch(struct batch *b)
{
	b->len -= 2; /* the last ",\n" */
	append(b, "\n]", 2);
	append(&all, b->p, b->len);
	if (nbatches == capbatches) {
		capbatches = capbatches ? capbatches * 2 : 256;
		lens = realloc(lens, capbatches * sizeof(*lens));
		if (!lens) {
			perror("ship_limit_bench: realloc");
			exit(1);
		}
	}
	lens[nbatches++] = b->len;
	b->len = 0;
}

static size_t gzip_one(int level, const char *in, size_t n, char *out,
		       size_t cap)
{
	z_stream zs;
	size_t len;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		exit(1);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		exit(1);
	len = zs.total_out;
	deflateEnd(&zs);
	return len;
}

/* A number in [lo, hi], or exit 2 saying so. */
static int num(const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr,
			"ship_limit_bench: '%s' is not a number in "
			"[%d, %d]\n",
			s, lo, hi);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	int glevel = 6, zlevel = 1, rounds = 3, c, r;
	size_t max_msgs = 1000, max_bytes = 5000000, count = 0, msgs = 0;
	size_t i, off, cap = 0, gbytes = 0, zbytes = 0, n;
	double gbest = 0, zbest = 0, t0, gs, zs;
	struct batch b = { 0 };
	char *line = NULL, *out = NULL;
	size_t lcap = 0;
	ssize_t len;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	while ((c = getopt(argc, argv, "g:z:m:b:r:")) != -1) {
		switch (c) {
		case 'g':
			glevel = num(optarg, 0, 9);
			break;
		case 'z':
			zlevel = num(optarg, -7, 22);
			break;
		case 'm':
			max_msgs = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			max_bytes = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = num(optarg, 1, 1000);
			break;
		default:
			fprintf(stderr, "usage: ship_limit_bench [-g level] "
					"[-z level] [-m msgs] [-b bytes] "
					"[-r rounds] <lines\n");
			return 2;
		}
	}
	if (!cctx)
		return 1;
	/* cws-ship's add_messages: close before a message that passes. */
	while ((len = getline(&line, &lcap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			len--;
		if (count && (b.len + (size_t)len + 2 + 2 > max_bytes ||
			      count + 1 > max_msgs)) {
			close_batch(&b);
			count = 0;
		}
		if (!count)
			append(&b, "[\n", 2);
		append(&b, line, (size_t)len);
		append(&b, ",\n", 2);
		count++;
		msgs++;
	}
	if (count)
		close_batch(&b);
	for (i = 0; i < nbatches; i++) {
		n = ZSTD_compressBound(lens[i]);
		if (compressBound((uLong)lens[i]) + 64 > n)
			n = compressBound((uLong)lens[i]) + 64;
		if (n > cap)
			cap = n;
	}
	out = malloc(cap ? cap : 1);
	if (!out)
		return 1;
	for (r = 0; r < rounds; r++) {
		gbytes = zbytes = 0;
		gs = zs = 0;
		for (i = 0, off = 0; i < nbatches; off += lens[i++]) {
			t0 = cpu_now();
			gbytes += gzip_one(glevel, all.p + off, lens[i], out,
					   cap);
			gs += cpu_now() - t0;
			t0 = cpu_now();
			n = ZSTD_compressCCtx(cctx, out, cap, all.p + off,
					      lens[i], zlevel);
			zs += cpu_now() - t0;
			if (ZSTD_isError(n))
				return 1;
			zbytes += n;
		}
		if (!r || gs < gbest)
			gbest = gs;
		if (!r || zs < zbest)
			zbest = zs;
	}
	printf("messages %zu raw_bytes %zu gzip_s %.4f gzip_bytes %zu "
	       "zstd_s %.4f zstd_bytes %zu\n",
	       msgs, all.len, gbest, gbytes, zbest, zbytes);
	ZSTD_freeCCtx(cctx);
	free(out);
	free(line);
	free(b.p);
	free(all.p);
	free(lens);
	return 0;
}
