/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CWS_CAT_H
#define CWS_CAT_H

#include <stdbool.h>

/*
 * -R: render records as the stream has them (process records, events by
 * key) instead of self-contained events.
 */
void cws_cat_show_records(bool on);

/*
 * Renders the stream read from fd as JSON lines on stdout. name is used in
 * messages. Returns an exit code: 0, or 1 if a record was bad (reported and
 * skipped), reading failed, or stdout was closed.
 */
int cws_cat_to_json(int fd, const char *name);

/*
 * Reads JSON lines from fd and writes each as a stream record on stdout,
 * after checking that it decodes as one. Returns an exit code as above.
 */
int cws_cat_from_json(int fd, const char *name);

/* True once stdout has been found closed (EPIPE): stop everything. */
int cws_cat_output_closed(void);

#endif
