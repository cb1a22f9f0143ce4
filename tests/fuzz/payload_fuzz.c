/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for cws-ship's payload (cmd/cws-ship/payload.c and
 * the modules it uses): any bytes as the stream cws-filter hands
 * cws-ship, each record turned into intake messages as cws-ship turns
 * them. Every message must be a line "<wrapper>,\n" whose wrapper is a
 * JSON object with a "message" string that is itself a JSON object;
 * a refusal leaves the error set.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../cmd/cws-ship/jbuf.c"
#include "../../cmd/cws-ship/names.c"
#include "../../cmd/cws-ship/payload.c"
#include "../../cmd/cws-ship/payload_objects.c"
#include "../../cmd/cws-ship/custom.c"
#include "../../cmd/cws-ship/scrub.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const envs_with_value_[] = { "LD_PRELOAD", "PATH" };

/*
 * The JSON object a wrapper's "message" holds, parsed. Integers as
 * reals: a count of the stream is a uint64, and JSON has no limit that
 * jansson's int64 would be the oracle of. Each "\u0000" as "\u0001":
 * a key of a passed-through map (a self-test's body) may hold a NUL,
 * which JSON allows and jansson refuses in a key only; the swap keeps
 * valid text valid and invalid text invalid.
 */
static json_t *message_of(const json_t *msg)
{
	size_t len = json_string_length(msg);
	char *t = malloc(len + 1), *q;
	json_error_t err;
	json_t *m;

	if (!t)
		abort();
	memcpy(t, json_string_value(msg), len);
	t[len] = 0;
	for (q = t; (q = memmem(q, len - (size_t)(q - t), "\\u0000", 6));
	     q += 6)
		q[5] = '1';
	m = json_loadb(t, len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
	free(t);
	return m;
}

static void check(const char *p, size_t len, int n)
{
	const char *end, *nl;
	json_error_t err;
	json_t *w, *m;
	int lines = 0;

	if (!len && n)
		abort();
	end = len ? p + len : p;
	while (len && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p || nl[-1] != ',')
			abort();
		w = json_loadb(p, (size_t)(nl - p - 1), JSON_ALLOW_NUL, &err);
		if (!json_is_object(w) ||
		    !json_is_string(json_object_get(w, "message")))
			abort();
		m = message_of(json_object_get(w, "message"));
		if (!json_is_object(m))
			abort();
		json_decref(m);
		json_decref(w);
		lines++;
		p = nl + 1;
	}
	if (lines != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cws_reader r;
	static struct cws_event ev;
	static struct scrubber sc;
	static struct jbuf scratch, out;
	static bool ready;
	struct payload_opts o = { .hostname = "h1",
				  .envs_with_value = envs_with_value_,
				  .nenvs_with_value = 2,
				  .scrub = &sc };
	struct cws_event_err err;
	int n, guard = 0;

	if (!ready) {
		if (scrub_init(&sc, NULL, 0) || cws_reader_init_mem(&r, "", 0))
			abort();
		jb_init(&scratch, 4u << 20);
		jb_init(&out, 4u << 20);
		ready = true;
	}
	if (cws_reader_reset_mem(&r, data, size))
		return 0;
	while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
		if (++guard > 100000)
			abort();
		if (n < 0)
			continue;
		jb_reset(&out);
		/* As run.c: the object when the record may need it. */
		n = payload_record(&o, &ev,
				   guard % 2 ? cws_reader_object(&r) : NULL,
				   1234, &scratch, &out);
		if (n < 0) {
			if (!out.err)
				abort();
			continue;
		}
		if (out.err)
			abort();
		check(out.p, out.len, n);
	}
	/*
	 * What the input left in the reader (its process table) and in
	 * payload.c's caches (processes and rule heads kept by key) is
	 * freed: each input starts as cws-ship starts, so that one that
	 * fails fails alone too, and libFuzzer, which runs an input again
	 * to look for a leak whenever it ends with more allocations than
	 * frees, does not run every input twice.
	 */
	cws_reader_reset_mem(&r, "", 0);
	payload_release();
	return 0;
}
