/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the configuration parser: any bytes go through
 * cws_config_load_buffer as a file would, then every key is read back as
 * status would print it, so that a value stored half-parsed shows up.
 */
#include "compat.h"
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cws_config_err err;
	struct cws_config_item it;
	struct cws_config *cfg;
	size_t pos = 0, i, n;
	char msg[1024];

	cfg = cws_config_new();
	if (!cfg)
		abort();
	if (cws_config_load_buffer(cfg, "fuzz.yaml", (const char *)data, size,
				   &err) < 0) {
		cws_config_err_format(&err, msg, sizeof(msg));
		if (!msg[0] || strlen(err.msg) >= sizeof(err.msg))
			abort();
	}
	while (cws_config_next(cfg, &pos, &it)) {
		if (!it.value || !it.def)
			abort();
		if (it.source == CWS_CONFIG_SRC_FILE &&
		    (!it.file || it.line < 1))
			abort();
		if (it.type == CWS_CONFIG_LIST) {
			const char *const *l =
				cws_config_get_list(cfg, it.key, &n);

			for (i = 0; i < n; i++)
				if (!l[i])
					abort();
			if (l[n])
				abort();
		}
	}
	for (i = 0; i < cws_config_warning_count(cfg); i++)
		if (!cws_config_warning(cfg, i))
			abort();
	cws_config_free(cfg);
	return 0;
}
