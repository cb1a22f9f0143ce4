/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for cws-probe's container.tags (cmd/cws-probe/ctags.c):
 * any bytes read as a runtime state file, both as docker's config.v2.json
 * and as an OCI bundle's config.json. The tags must be distinct strings
 * under the length cap, at most CTAGS_MAX of them, and nothing may leak.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws-probe/ctags.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct ctag_slot *s)
{
	uint32_t i, k;

	if (s->tags.n > CTAGS_MAX)
		abort();
	for (i = 0; i < s->tags.n; i++) {
		if (!s->v[i] || !*s->v[i] || strlen(s->v[i]) >= CTAGS_TAG_MAX)
			abort();
		for (k = 0; k < i; k++)
			if (!strcmp(s->v[i], s->v[k]))
				abort();
	}
	slot_clear(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctag_slot s;
	json_t *j;

	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return 0;
	docker_tags(&s, j);
	check(&s);
	oci_tags(&s, j);
	check(&s);
	json_decref(j);
	return 0;
}
