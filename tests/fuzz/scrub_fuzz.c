/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the text scrubber: any bytes are scrubbed, the
 * output must be a well-formed buffer, and a secret planted on a line of
 * its own after the input must not survive whatever came before it (an
 * open quote, a PEM header, a YAML block, a JSON object...).
 */
#include "compat.h"
#include "scrub.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char plant[] = "\npassword: Zq9PlantedSecret\n";
static const char value[] = "Zq9PlantedSecret";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cws_scrub *s;
	char *in, *out;
	size_t len;

	s = cws_scrub_new();
	if (!s || cws_scrub_add_key(s, "dsn"))
		abort();
	if (cws_scrub_text(s, (const char *)data, size, &out, &len))
		abort();
	if (!out || out[len] != '\0')
		abort();
	free(out);

	in = malloc(size + sizeof(plant));
	if (!in)
		abort();
	memcpy(in, data, size);
	memcpy(in + size, plant, sizeof(plant) - 1);
	if (cws_scrub_text(s, in, size + sizeof(plant) - 1, &out, &len))
		abort();
	if (!memmem(data, size, value, sizeof(value) - 1) &&
	    memmem(out, len, value, sizeof(value) - 1))
		abort();
	free(out);
	free(in);
	cws_scrub_free(s);
	return 0;
}
