/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What payload.c (the message: head, process contexts, wrapper) and
 * payload_objects.c (each event type's own object) share.
 */
#ifndef CWS_SHIP_PAYLOAD_PRIV_H
#define CWS_SHIP_PAYLOAD_PRIV_H

#include "ship.h"

struct proc_extra;

/* payload.c */

/* -1 ("unchanged") stays -1, as Datadog's int fields show it. */
void payload_id_member(struct jbuf *b, const char *key, uint32_t v);

/* ProcessContextSerializer: the process, its parent and ancestors. */
void payload_process_ctx(const struct payload_opts *o, struct jbuf *b,
			 const char *key, const struct cws_process *p,
			 const struct cws_process *anc, uint32_t nanc,
			 bool truncated, const msgpack_object *envp,
			 const struct proc_extra *x);

/* payload_objects.c */

/* FileSerializer as the object of key. */
void payload_file_obj(struct jbuf *b, const char *key,
		      const struct cws_file *f);

/* An unsigned member. */
void payload_u32_member(struct jbuf *b, const char *key, uint32_t v);

/* The event type's own members: "file" and friends. */
void payload_event_object(const struct payload_opts *o, struct jbuf *b,
			  const struct cws_event *ev);

#endif
