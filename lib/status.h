/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Status files: each long-running stage writes one small JSON document,
 * <run_path>/<tool>.json, every few seconds and on exit. `cws status` and
 * the flare read them; nothing else is needed to know how a stage is
 * doing. Writes are atomic (a temporary file, fsync'd, renamed over the
 * old one), so a reader never sees half a document.
 */
#ifndef CWS_STATUS_H
#define CWS_STATUS_H

#include "compat.h"

#include <stdbool.h>

#include <jansson.h>

struct cws_proc_stats;

/*
 * Writes doc as <dir>/<name>.json with mode 0644, creating dir (0755) if
 * it is missing. Returns 0 or a negative errno. doc is not consumed.
 */
int cws_status_write(const char *dir, const char *name, const json_t *doc);

/* An RFC 3339 UTC time ("2026-11-22T03:04:05Z") for ns since the epoch. */
void cws_status_time(char *buf, size_t len, unsigned long long ns);

/*
 * A stream's process table or key set (lib/event.h, schema 2) as a status
 * object: {"entries", "max", "records", "evicted", "retired"} and, for a
 * reader's table, "unknown". A new reference.
 */
json_t *cws_status_proc(const struct cws_proc_stats *st, bool reader);

#endif
