/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for `cws status` (cmd/cws/status.c) on status files
 * as the stages write them into the run directory: cws-filter and
 * cws-ship write theirs without privileges, and cws status, or the API's
 * GET status, reads them as root. The input is up to five documents,
 * the status files of cws, cws-probe, cws-filter, cws-ship and the last
 * self-test in that order, apart by a 0x1e byte; one that is not JSON is
 * a missing file. Both renderings must hold every value as the files
 * have it: no "(null)" for a value of another type than expected, and
 * the JSON one must read back.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws/status.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * "(null)" is what glibc prints for a NULL string: the renderer gave it
 * one. Checked only where the documents cannot hold it themselves.
 */
static bool plain;

static void check(json_t *doc[NFILES], bool json)
{
	json_t *copy[NFILES];
	char *text = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		abort();
	for (i = 0; i < NFILES; i++)
		copy[i] = doc[i] ? json_deep_copy(doc[i]) : NULL;
	render(out, "/run/cws", copy, json);
	fclose(out);
	if (plain && memmem(text, len, "(null)", 6))
		abort();
	if (json) {
		json_t *back = json_loadb(text, len, JSON_ALLOW_NUL, NULL);

		if (!json_is_object(back))
			abort();
		json_decref(back);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *sep;
	json_t *doc[NFILES] = { NULL };
	size_t i;

	plain = !memchr(data, '(', size) && !memmem(data, size, "\\u", 2);
	for (i = 0; i < NFILES && p <= end; i++) {
		sep = memchr(p, 0x1e, (size_t)(end - p));
		if (!sep)
			sep = end;
		doc[i] = json_loadb(p, (size_t)(sep - p), 0, NULL);
		p = sep + 1;
	}
	check(doc, false);
	check(doc, true);
	for (i = 0; i < NFILES; i++)
		json_decref(doc[i]);
	return 0;
}
