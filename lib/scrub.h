/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The text scrubber: takes any text (a YAML or JSON file, a log, the
 * environment, a command's output) and returns it with every secret it
 * can recognise replaced, so that the text can leave the machine.
 * cws-flare runs it on every member of an archive, logs included.
 *
 * What is replaced, in this order of precedence:
 *
 *  - literal secrets registered with cws_scrub_add_secret (the IPC auth
 *    token, the configured keys), wherever they appear;
 *  - PEM private key blocks ("-----BEGIN ... PRIVATE KEY-----" to the
 *    matching END line, or to the end of the text): the body becomes
 *    "********", the BEGIN and END lines stay;
 *  - the value of a key whose name says it is secret, in YAML
 *    ("password: x", and every line nested under "secrets:"), JSON
 *    ("\"token\": \"x\"", objects and arrays included), environment and
 *    query strings ("DD_API_KEY=x", "?api_key=x&"), headers and command
 *    lines ("Authorization: Basic x", "--password=x"). A name is secret
 *    when one of its words (split on '_', '-', '.' and camelCase) is
 *    secret, secrets, token, tokens, password, passwd, pass, pwd, pswd,
 *    passphrase, key, apikey, appkey, authkey, privkey, credential,
 *    credentials, authorization or community, unless its last word is
 *    file, path, dir or enabled; or when it is one of the names added
 *    with cws_scrub_add_key. The value becomes "********", quotes kept;
 *    true, false, null and empty values are left alone;
 *  - "Bearer <token>": "Bearer ********";
 *  - credentials in URLs: "scheme://user:********@host";
 *  - Datadog API keys (32 hex digits) and application keys (40), and the
 *    value of a key named api_key or app_key (application_key): as
 *    Datadog's scrubber does, all but the last 5 characters become '*'
 *    (27 or 35 of them), so that support can tell which key was used.
 *
 * The scrubber is a single left-to-right pass over bytes (NUL bytes and
 * invalid UTF-8 included), line-aware for YAML blocks and PEM, with no
 * regular expression engine; it is linear in the input except for the
 * literal secrets (one search each). It never fails on content, only on
 * memory or size.
 */
#ifndef CWS_SCRUB_H
#define CWS_SCRUB_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>

#define CWS_SCRUB_MASK "********"
#define CWS_SCRUB_MAX_INPUT (64u << 20) /* bytes of one text */
#define CWS_SCRUB_MAX_NAMES 256 /* names added with cws_scrub_add_key */
#define CWS_SCRUB_MAX_SECRETS 64 /* values added with cws_scrub_add_secret */
#define CWS_SCRUB_MIN_SECRET 6 /* shorter literal secrets are ignored */

struct cws_scrub;

/*
 * Allocates a scrubber with the built-in rules only. Returns NULL with
 * errno ENOMEM. Free it with cws_scrub_free.
 */
struct cws_scrub *cws_scrub_new(void);

/* Frees a scrubber; accepts NULL. */
void cws_scrub_free(struct cws_scrub *s);

/*
 * Adds a key name whose values are secret, matched whole and without
 * regard to case against the last dotted part of a key
 * (flare_stripped_keys). Returns 0, -EINVAL for an empty name, -E2BIG
 * past CWS_SCRUB_MAX_NAMES, or -ENOMEM. The name is copied.
 */
int cws_scrub_add_key(struct cws_scrub *s, const char *name);

/*
 * Adds a literal secret, replaced wherever it appears. With keep_last,
 * the replacement keeps its last 5 characters (for API keys), else it is
 * CWS_SCRUB_MASK. Values shorter than CWS_SCRUB_MIN_SECRET are ignored
 * (returns 0): replacing every "abc" would ruin the text and protect
 * nothing. Returns 0, -E2BIG past CWS_SCRUB_MAX_SECRETS, or -ENOMEM. The
 * value is copied.
 */
int cws_scrub_add_secret(struct cws_scrub *s, const char *value,
			 bool keep_last);

/*
 * True when values under a key called name are scrubbed (the rules
 * above, for the last dotted part of name, plus the added names). s may
 * be NULL for the built-in rules only.
 */
bool cws_scrub_key_is_secret(const struct cws_scrub *s, const char *name);

/*
 * Scrubs len bytes of in. On success stores a new NUL-terminated buffer
 * in *out (the caller frees it) and its length, NUL excluded, in
 * *outlen, and returns 0. Returns -EFBIG when len exceeds
 * CWS_SCRUB_MAX_INPUT, -ENOMEM when out of memory; *out is then NULL.
 * s may be NULL for the built-in rules only.
 */
int cws_scrub_text(const struct cws_scrub *s, const char *in, size_t len,
		   char **out, size_t *outlen);

/*
 * Masks one value the way an API key is shown: every character but the
 * last 5 becomes '*' (27 of them for a value longer than 5, as Datadog
 * prints keys), or CWS_SCRUB_MASK for a value of 5 characters or less.
 * Writes at most len bytes, NUL included, into buf and returns buf.
 */
const char *cws_scrub_key_tail(const char *value, char *buf, size_t len);

#endif
