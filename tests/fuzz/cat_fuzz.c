/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for cws-cat's conversions (cmd/cws-cat/json.c), both
 * ways, on what a person or a file hands it:
 *
 *  - JSON lines (an input starting with '{' or white space), as cws-cat
 *    -r reads them: each line becomes a stream record or is refused. The
 *    stream made is read back, record by record, as the JSON it came
 *    from: cws-cat -R must render each record as the object of its line.
 *  - Anything else is a stream, rendered as cws-cat renders it, with
 *    -R and without: every line must be JSON that jansson reads back.
 *
 * Messages are silenced: refusals are counted, not printed.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws-cat/json.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64

/* A reader made once, pointed at data[0..len); false if it cannot be. */
static bool reader_on(struct cws_reader *r, const void *data, size_t len)
{
	if (!r->buf && cws_reader_init_mem(r, "", 0))
		return false;
	return !cws_reader_reset_mem(r, data, len);
}

/*
 * Frees what an input left in a reader made once (its process table):
 * libFuzzer runs an input again, looking for a leak, whenever it ends
 * with more allocations than frees.
 */
static void reader_drop(struct cws_reader *r)
{
	if (r->buf)
		cws_reader_reset_mem(r, "", 0);
}

/* One rendered record: JSON text that reads back as one object. */
static json_t *render(const msgpack_object *o)
{
	json_t *j = to_json(o), *back;
	json_error_t jerr;
	char *line;

	if (!j)
		abort();
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line || strchr(line, '\n'))
		abort();
	/*
	 * Valid JSON, "\u0000" included, as jq reads it: jansson reads
	 * it back, except in a key, which it does not support.
	 */
	back = json_loads(line, JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(back) && o->type == MSGPACK_OBJECT_MAP &&
	    (back || !strstr(jerr.text, "NUL byte in object key")))
		abort();
	json_decref(back);
	free(line);
	return j;
}

static void from_json(const char *data, size_t size)
{
	static struct cws_reader check, r;
	struct cws_event_err err;
	static struct cws_event ev;
	json_t *lines[MAX_LINES];
	const char *p = data, *end = data + size, *nl;
	size_t n, nlines = 0, i;
	unsigned long lineno = 0;
	struct cws_writer w;

	if (!check.buf && cws_reader_init_mem(&check, "", 0))
		return;
	cws_writer_init(&w, -1);
	w.flush_at = SIZE_MAX;
	while (p < end && nlines < MAX_LINES) {
		char *line;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		/* As getline(3) gives it to cws-cat: terminated. */
		line = malloc(n + 1);
		if (!line)
			abort();
		memcpy(line, p, n);
		line[n] = '\0';
		while (n > 0 && line[n - 1] == '\r')
			n--;
		if (n && strspn(line, " \t") != n &&
		    !line_to_record(&w, line, n, "fuzz", lineno, &check)) {
			lines[nlines] =
				json_loadb(line, n, JSON_DECODE_ANY, NULL);
			if (!json_is_object(lines[nlines]))
				abort();
			nlines++;
		}
		free(line);
		p = nl ? nl + 1 : end;
	}
	if (w.records != nlines)
		abort();
	/* Read back as cws-cat -R: every record, as its line had it. */
	if (reader_on(&r, w.sbuf.data, w.sbuf.size)) {
		r.want_process = true;
		for (i = 0; i < nlines; i++) {
			json_t *j;

			if (cws_reader_next(&r, &ev, &err) != 1)
				abort();
			j = render(cws_reader_object(&r));
			if (!json_equal(j, lines[i]))
				abort();
			json_decref(j);
		}
		if (cws_reader_next(&r, &ev, &err) != 0)
			abort();
	}
	for (i = 0; i < nlines; i++)
		json_decref(lines[i]);
	cws_writer_release(&w);
	reader_drop(&r);
	reader_drop(&check);
}

static void to_lines(const uint8_t *data, size_t size)
{
	static struct cws_reader r;
	static struct cws_event ev;
	struct cws_event_err err;
	msgpack_sbuffer sb;
	msgpack_unpacked up;
	int n, pass, guard;

	msgpack_sbuffer_init(&sb);
	msgpack_unpacked_init(&up);
	for (pass = 0; pass < 2; pass++) {
		if (!reader_on(&r, data, size))
			break;
		cws_cat_show_records(pass);
		r.want_process = pass;
		guard = 0;
		while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
			if (++guard > 100000)
				abort();
			if (n < 0)
				continue;
			json_decref(render(record_object(&r, &ev, &sb, &up)));
		}
	}
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	reader_drop(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;

	if (!quiet) {
		cws_log_init("cws-cat", CWS_LOG_FATAL);
		quiet = true;
	}
	if (size && data[0] && strchr("{ \t\r\n", data[0]))
		from_json((const char *)data, size);
	else
		to_lines(data, size);
	return 0;
}
