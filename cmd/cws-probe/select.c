/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which event types the probe attaches. Every BPF program is named
 * <event>__<hook> (open__sys_exit_openat) or core__<hook> for what the
 * probe itself always needs (the process cache's fork and exit). Before
 * the object is loaded, programs of event types nobody asked for are set
 * not to load, so an unrequested type costs nothing in the kernel: not a
 * filter in a hook, no hook at all.
 */
#include "compat.h"

#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "probe.h"

/* Types attached when neither --events nor the configuration says. */
uint64_t cws_probe_default_events(void)
{
	uint64_t all = (1ull << CWS_EVT__COUNT) - 1;

	/* fork is for the cache; emitted only when asked for. */
	return all & ~(1ull << CWS_EVT_UNKNOWN) & ~(1ull << CWS_EVT_FORK);
}

int cws_probe_parse_events(const char *list, uint64_t *mask, char *bad,
			   size_t badlen)
{
	char buf[1024], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(bad, badlen, "%.32s...", list);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		enum cws_event_type t;

		if (!strcmp(tok, "all")) {
			*mask |= cws_probe_default_events();
			continue;
		}
		t = cws_event_type_from_name(tok);
		if (t == CWS_EVT_UNKNOWN) {
			snprintf(bad, badlen, "%s", tok);
			return -1;
		}
		*mask |= 1ull << t;
	}
	return 0;
}

/*
 * Event types whose programs produce other types too: unlinkat(2) with
 * AT_REMOVEDIR is an rmdir event, so asking for rmdir loads the unlink
 * programs (and the emitter drops what was not asked for); imds and
 * packet events come from the dns classifiers.
 */
static uint64_t programs_for(uint64_t events)
{
	if (events & (1ull << CWS_EVT_RMDIR))
		events |= 1ull << CWS_EVT_UNLINK;
	/* The classifiers (dns__tc_*) find imds and packet events too. */
	if (events & (1ull << CWS_EVT_IMDS | 1ull << CWS_EVT_PACKET))
		events |= 1ull << CWS_EVT_DNS;
	return events;
}

/* The event type in a program's name, -1 for core__, -2 for no prefix. */
static int program_event(const char *name)
{
	const char *sep = strstr(name, "__");
	char type[32];

	if (!sep || (size_t)(sep - name) >= sizeof(type))
		return -2;
	memcpy(type, name, (size_t)(sep - name));
	type[sep - name] = '\0';
	if (!strcmp(type, "core"))
		return -1;
	return (int)cws_event_type_from_name(type);
}

unsigned cws_probe_select(struct bpf_object *obj, uint64_t events,
			  uint64_t *attached)
{
	uint64_t want = programs_for(events);
	struct bpf_program *prog;
	unsigned n = 0;

	*attached = 0;
	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);
		int t = program_event(name);

		if (t == -2 || t == CWS_EVT_UNKNOWN) {
			/* A naming mistake in bpf/: load it, say so. */
			cws_debug("program '%s' has no event prefix", name);
			n++;
			continue;
		}
		if (t == -1 || (want & (1ull << t))) {
			if (t > 0)
				*attached |= 1ull << t;
			n++;
			continue;
		}
		bpf_program__set_autoload(prog, false);
	}
	/*
	 * exec is a core program (the process cache needs every exec); the
	 * emitter writes exec events only when asked.
	 */
	*attached |= 1ull << CWS_EVT_EXEC;
	/* unlinkat serves rmdir too. */
	if (*attached & (1ull << CWS_EVT_UNLINK))
		*attached |= events & (1ull << CWS_EVT_RMDIR);
	*attached &= events;
	return n;
}

int cws_probe_attach(struct bpf_object_skeleton *s, uint64_t types)
{
	uint64_t want = programs_for(types);
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link **link = s->progs[i].link;
		const char *sec = bpf_program__section_name(prog);
		int t = program_event(s->progs[i].name);
		bool need;

		/* The DNS classifier is attached by tc.c, not here. */
		if (!bpf_program__autoload(prog) || !strncmp(sec, "tc", 2))
			continue;
		need = t < 0 || t == CWS_EVT_UNKNOWN || (want & (1ull << t));
		if (need && !*link) {
			*link = bpf_program__attach(prog);
			if (!*link) {
				err = -errno;
				cws_errorx("cannot attach '%s': %s",
					   s->progs[i].name, strerror(-err));
				return err;
			}
		} else if (!need && *link) {
			bpf_link__destroy(*link);
			*link = NULL;
		}
	}
	return 0;
}
