/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The probe's kernel filters (bpf/kfilter.bpf.h) from the policies
 * cws-filter runs, loaded with the same lib/policy loader and judged by
 * the same lib/secl rules:
 *
 *  - which event types are attached at all: those a loaded rule uses
 *    (and those asked for with -e, which are never filtered);
 *  - per type, the approvers every rule of the type requires
 *    (cws_secl_ruleset_approvers), pushed into the kernel's maps;
 *  - at run time, discarders: an event that reached user space on a file
 *    (or directly in a directory) that no rule can match whatever its
 *    other fields (cws_secl_ruleset_discards) writes the file's inode (or
 *    the directory's) into the kernel's LRU map, and the event itself goes
 *    no further.
 *
 * A reload (SIGHUP) first opens the gates (approvers off, discarders
 * stale), then reads out what the ring holds, then says in the stream
 * (a heartbeat's kernel_filter) which policy the records that follow are
 * filtered for, and only then closes the gates again for the new policy.
 * cws-filter applies a reloaded policy from the record that says so
 * (cws-filter(8)), so neither order of the two reloads drops an event a
 * new rule would match.
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "policy.h"
#include "probe.h"

#include "bpf/cws.skel.h"

/* Event types whose programs bump the epoch (kfilter.bpf.h). */
#define EPOCH_TYPES                                       \
	(1ull << CWS_EVT_RENAME | 1ull << CWS_EVT_MOUNT | \
	 1ull << CWS_EVT_UMOUNT)

/*
 * Event types the kernel may drop by a discarder: those whose file's
 * basename it can judge (cws_secl_approver_kinds), but for the two that
 * name two files.
 */
static bool discardable(enum cws_event_type t)
{
	return (cws_secl_approver_kinds(t) & (1u << CWS_SECL_APPROVE_NAME)) &&
	       !(cws_secl_approver_kinds(t) &
		 (1u << CWS_SECL_APPROVE_DEST_NAME));
}

uint64_t cws_kfilter_hash(const char *s, size_t n, unsigned kind)
{
	uint64_t h = CWS_KEV_FNV_OFFSET;
	size_t i;

	h ^= kind;
	h *= CWS_KEV_FNV_PRIME;
	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= CWS_KEV_FNV_PRIME;
	}
	return h ? h : 1;
}

int cws_kfilter_load(const struct cws_probe_opts *o, struct cws_policy **out)
{
	struct cws_policy_source src = {
		.dir = o->policy_dir,
		.exprs = o->exprs,
		.nexprs = o->nexprs,
		.self_test_dir = o->self_test_dir,
		.kill_disabled = o->kill_disabled,
	};
	struct cws_policy *p;
	char why[512];
	size_t i;
	int err;

	*out = NULL;
	err = cws_policy_load(&src, &p, why, sizeof(why));
	if (err) {
		cws_errorx("policies: %s", why);
		return err;
	}
	for (i = 0; i < p->nfiles; i++)
		if (p->files[i].error)
			cws_warnx("policy '%s': %s", p->files[i].name,
				  p->files[i].error);
	if (!p->loaded) {
		cws_errorx("policies: no rule loaded (cws-filter -n says why)");
		cws_policy_free(p);
		return -ENOENT;
	}
	*out = p;
	return 0;
}

void cws_kfilter_init(struct cws_kfilter *kf, const struct cws_probe_opts *o,
		      struct cws_policy *p)
{
	memset(kf, 0, sizeof(*kf));
	kf->approvers = !o->no_approvers;
	kf->discarders = !o->no_discarders;
	kf->forced = o->events_given ? o->events : 0;
	kf->extra = o->config_events ? o->events : 0;
	kf->pol = p;
	kf->digest = cws_policy_digest(p);
	kf->allowed = ~(1ull << CWS_EVT_UNKNOWN);
	if (o->no_network)
		kf->allowed &=
			~(1ull << CWS_EVT_CONNECT | 1ull << CWS_EVT_BIND |
			  1ull << CWS_EVT_ACCEPT | 1ull << CWS_EVT_DNS);
	kf->rule_types = cws_secl_ruleset_event_types(p->rs) & kf->allowed;
}

uint64_t cws_kfilter_wanted(const struct cws_kfilter *kf)
{
	return kf->rule_types | kf->forced | kf->extra;
}

uint64_t cws_kfilter_hooked(const struct cws_kfilter *kf)
{
	return cws_kfilter_hooked_with(kf, NULL);
}

uint64_t cws_kfilter_hooked_with(const struct cws_kfilter *kf,
				 const struct cws_policy *p)
{
	uint64_t h = cws_kfilter_wanted(kf);

	if (p)
		h = (cws_secl_ruleset_event_types(p->rs) & kf->allowed) |
		    kf->forced | kf->extra;

	if (kf->discarders)
		h |= EPOCH_TYPES;
	/* unlinkat makes both: one's programs are the other's. */
	if (h & (1ull << CWS_EVT_UNLINK | 1ull << CWS_EVT_RMDIR))
		h |= 1ull << CWS_EVT_UNLINK | 1ull << CWS_EVT_RMDIR;
	return h;
}

/* Clears and refills the approver names, for the types in modes[]. */
static int push_names(struct cws_kfilter *kf,
		      const struct cws_secl_approvers *a, int t)
{
	int fd = bpf_map__fd(kf->skel->maps.kf_names);
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct cws_secl_approver *v = &a->v[i];
		uint64_t key, types = 0;

		if (v->kind == CWS_SECL_APPROVE_FLAGS)
			continue;
		key = cws_kfilter_hash(v->name, strlen(v->name),
				       v->kind == CWS_SECL_APPROVE_NAME ?
					       CWS_KEV_KF_HASH_NAME :
				       v->kind == CWS_SECL_APPROVE_COMM ?
					       CWS_KEV_KF_HASH_COMM :
					       CWS_KEV_KF_HASH_DEST);
		(void)bpf_map_lookup_elem(fd, &key, &types);
		types |= 1ull << t;
		if (bpf_map_update_elem(fd, &key, &types, BPF_ANY)) {
			cws_warnx("kernel filters: cannot add approver '%s' "
				  "for %s: %s",
				  v->name, cws_event_type_name(t),
				  strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static void clear_names(struct cws_kfilter *kf)
{
	int fd = bpf_map__fd(kf->skel->maps.kf_names);
	uint64_t key, next;

	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
}

/* Works out and writes every type's mode; approvers pushed first. */
static void set_modes(struct cws_kfilter *kf, bool gates_open)
{
	struct cws_kev_kf_type *kt = kf->skel->bss->kf_types;
	uint64_t wanted = cws_kfilter_wanted(kf);
	uint64_t hooked = cws_kfilter_hooked(kf);
	bool any_disc = false;
	int t;

	if (!gates_open)
		clear_names(kf);
	for (t = 1; t < CWS_EVT__COUNT; t++) {
		struct cws_secl_approvers a = { 0 };
		uint32_t mode = 0;
		uint64_t flags = 0;
		size_t i;

		kf->napprovers[t] = 0;
		kf->why[t][0] = '\0';
		if ((hooked & (1ull << t)) && !(wanted & (1ull << t))) {
			mode = CWS_KEV_KF_OFF;
		} else if (!(kf->rule_types & (1ull << t)) ||
			   (kf->forced & (1ull << t))) {
			mode = 0;
		} else if (!gates_open) {
			if (kf->approvers && cws_secl_approver_kinds(t) &&
			    !cws_secl_ruleset_approvers(kf->pol->rs, t, &a)) {
				if (a.ok && !push_names(kf, &a, t)) {
					mode |= CWS_KEV_KF_APPROVERS;
					for (i = 0; i < a.n; i++) {
						switch (a.v[i].kind) {
						case CWS_SECL_APPROVE_NAME:
							mode |= CWS_KEV_KF_NAME;
							break;
						case CWS_SECL_APPROVE_DEST_NAME:
							mode |= CWS_KEV_KF_DEST_NAME;
							break;
						case CWS_SECL_APPROVE_COMM:
							mode |= CWS_KEV_KF_COMM;
							break;
						case CWS_SECL_APPROVE_FLAGS:
							mode |= CWS_KEV_KF_FLAGS;
							flags |= a.v[i].mask;
							break;
						}
					}
					kf->napprovers[t] = a.n;
				} else if (!a.ok) {
					snprintf(kf->why[t], sizeof(kf->why[t]),
						 "%s", a.why);
				}
				cws_secl_approvers_release(&a);
			}
			if (kf->discarders && discardable(t)) {
				mode |= CWS_KEV_KF_DISCARDERS;
				any_disc = true;
			}
		}
		/* Every hooked type counts what it sees. */
		if (hooked & (1ull << t))
			mode |= CWS_KEV_KF_COUNT;
		kf->mode[t] = mode;
		kt[t].flags = flags;
		__atomic_store_n(&kt[t].mode, mode, __ATOMIC_RELEASE);
	}
	kf->mode[0] = any_disc ? CWS_KEV_KF_DISCARDERS : 0;
	__atomic_store_n(&kt[0].mode, kf->mode[0], __ATOMIC_RELEASE);
}

int cws_kfilter_apply(struct cws_kfilter *kf, struct cws_bpf *skel)
{
	kf->skel = skel;
	kf->disc_fd = bpf_map__fd(skel->maps.kf_discarders);
	kf->ncpus = libbpf_num_possible_cpus();
	if (kf->ncpus <= 0)
		return -EINVAL;
	kf->percpu = calloc((size_t)kf->ncpus, sizeof(*kf->percpu));
	if (!kf->percpu)
		return -ENOMEM;
	set_modes(kf, false);
	kf->learning = true;
	return 0;
}

void cws_kfilter_release(struct cws_kfilter *kf)
{
	if (!kf)
		return;
	cws_policy_free(kf->pol);
	kf->pol = NULL;
	free(kf->percpu);
	kf->percpu = NULL;
}

/* Writes or merges one discarder; false if the map refused it. */
static bool put_disc(struct cws_kfilter *kf, uint64_t inode, uint32_t mnt,
		     const struct cws_kev_disc *add)
{
	struct cws_kev_disc_key key = { .inode = inode, .mount_id = mnt };
	struct cws_kev_disc v;

	if (!bpf_map_lookup_elem(kf->disc_fd, &key, &v) &&
	    v.epoch == add->epoch && v.root == add->root && v.gen == add->gen) {
		v.leaf |= add->leaf;
		v.dir |= add->dir;
		if (add->leaf) {
			v.parent = add->parent;
			v.name = add->name;
		}
	} else {
		v = *add;
	}
	return !bpf_map_update_elem(kf->disc_fd, &key, &v, BPF_ANY);
}

bool cws_kfilter_event(struct cws_kfilter *kf, const struct cws_kev_syscall *k,
		       const struct cws_event *ev)
{
	const struct cws_kev_file *f = &k->file[0];
	enum cws_event_type t = ev->evt.type;
	const char *path = ev->obj.file.path, *slash;
	struct cws_kev_disc d;
	char dir[CWS_EVENT_MAX_STR + 1];
	bool drop = false;
	size_t dl;

	if (!kf || !kf->pol || !kf->learning || t <= 0 || t >= CWS_EVT__COUNT ||
	    !(kf->mode[t] & CWS_KEV_KF_DISCARDERS) || k->nfiles != 1 || !path)
		return false;
	/* Learnt from a record older than a rename or a reload: stale. */
	if (k->kf_epoch !=
	    __atomic_load_n(&kf->skel->bss->kf_epoch, __ATOMIC_ACQUIRE))
		return false;
	if ((f->kf_flags & CWS_KEV_FILE_KF_LEAF) &&
	    (f->flags & CWS_KEV_FILE_OWN) && (f->flags & CWS_KEV_FILE_STAT) &&
	    ev->obj.file.name &&
	    cws_secl_ruleset_discards(kf->pol->rs, ev, CWS_SECL_DISCARD_FILE,
				      NULL)) {
		memset(&d, 0, sizeof(d));
		d.leaf = 1ull << t;
		d.epoch = k->kf_epoch;
		d.root = k->kf_root;
		d.parent = f->dir_inode;
		d.name = cws_kfilter_hash(ev->obj.file.name,
					  strlen(ev->obj.file.name),
					  CWS_KEV_KF_HASH_NAME);
		d.gen = f->gen;
		if (put_disc(kf, f->inode, f->mount_id, &d))
			kf->learnt_leaf[t]++;
		drop = true;
	}
	slash = strrchr(path, '/');
	if ((f->kf_flags & CWS_KEV_FILE_KF_DIR) && slash && slash != path &&
	    slash[1]) {
		dl = (size_t)(slash - path);
		memcpy(dir, path, dl);
		dir[dl] = '\0';
		if (cws_secl_ruleset_discards(kf->pol->rs, ev,
					      CWS_SECL_DISCARD_DIR, dir)) {
			memset(&d, 0, sizeof(d));
			d.dir = 1ull << t;
			d.epoch = k->kf_epoch;
			d.root = k->kf_root;
			d.gen = f->dir_gen;
			if (put_disc(kf, f->dir_inode, f->dir_mount_id, &d))
				kf->learnt_dir[t]++;
			drop = true;
		}
	}
	if (drop)
		kf->user_dropped[t]++;
	return drop;
}

/* Sums the kernel's per-CPU counts into kf->stats. */
static void read_stats(struct cws_kfilter *kf)
{
	int fd = bpf_map__fd(kf->skel->maps.kf_stats);
	uint32_t key;
	int c;

	for (key = 0; key < CWS_KEV_KF_SLOTS; key++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &key, kf->percpu))
			continue;
		for (c = 0; c < kf->ncpus; c++)
			sum += kf->percpu[c];
		kf->stats[key] = sum;
	}
}

/*
 * Counts the live discarders per type (entries of this epoch), reading
 * the map in batches (one bpf(2) call per 512 entries, not two per
 * entry: this runs with every status file).
 */
static void count_discarders(struct cws_kfilter *kf, uint64_t *leaf,
			     uint64_t *dir, uint64_t *entries)
{
	enum { BATCH = 512 };
	static struct cws_kev_disc_key keys[BATCH];
	static struct cws_kev_disc vals[BATCH];
	uint64_t epoch = kf->skel->bss->kf_epoch;
	__u64 in = 0, out = 0;
	void *inp = NULL;
	__u32 n, i;
	int err, t;

	*entries = 0;
	do {
		n = BATCH;
		err = bpf_map_lookup_batch(kf->disc_fd, inp, &out, keys, vals,
					   &n, NULL);
		if (err && errno != ENOENT)
			return;
		for (i = 0; i < n; i++) {
			(*entries)++;
			if (vals[i].epoch != epoch)
				continue;
			for (t = 1; t < CWS_EVT__COUNT; t++) {
				leaf[t] += !!(vals[i].leaf & (1ull << t));
				dir[t] += !!(vals[i].dir & (1ull << t));
			}
		}
		in = out;
		inp = &in;
	} while (!err);
}

/* The kernel's counters, as the status file names them. */
static const struct {
	const char *key;
	unsigned stat;
} stat_keys[] = {
	{ "seen", CWS_KEV_KF_SEEN },
	{ "dropped_by_approvers", CWS_KEV_KF_BY_APPROVERS },
	{ "dropped_by_discarders", CWS_KEV_KF_BY_DISCARDERS },
	{ "not_sent", CWS_KEV_KF_NOT_WANTED },
};

void cws_kfilter_status(struct cws_kfilter *kf, json_t *doc)
{
	uint64_t leaf[CWS_EVT__COUNT] = { 0 }, dir[CWS_EVT__COUNT] = { 0 };
	uint64_t entries;
	json_t *o, *types;
	char digest[24];
	size_t i;
	int t;

	if (!kf || !kf->pol || !kf->skel)
		return;
	read_stats(kf);
	count_discarders(kf, leaf, dir, &entries);
	o = json_object();
	snprintf(digest, sizeof(digest), "%016llx",
		 (unsigned long long)kf->digest);
	json_object_set_new(o, "policy", json_string(digest));
	json_object_set_new(o, "rules",
			    json_integer((json_int_t)kf->pol->loaded));
	json_object_set_new(o, "approvers", json_boolean(kf->approvers));
	json_object_set_new(o, "discarders", json_boolean(kf->discarders));
	json_object_set_new(o, "epoch",
			    json_integer((json_int_t)kf->skel->bss->kf_epoch));
	json_object_set_new(o, "discarder_entries",
			    json_integer((json_int_t)entries));
	json_object_set_new(o, "discarder_max",
			    json_integer((json_int_t)bpf_map__max_entries(
				    kf->skel->maps.kf_discarders)));
	types = json_object();
	for (t = 1; t < CWS_EVT__COUNT; t++) {
		json_t *ty;
		uint32_t m = kf->mode[t];

		if (!(cws_kfilter_hooked(kf) & (1ull << t)))
			continue;
		ty = json_object();
		json_object_set_new(ty, "mode",
				    json_string(m & CWS_KEV_KF_OFF ?
							"hooked, not sent" :
						m & (CWS_KEV_KF_APPROVERS |
						     CWS_KEV_KF_DISCARDERS) ?
							"filtered" :
							"everything"));
		json_object_set_new(ty, "approvers",
				    json_boolean(m & CWS_KEV_KF_APPROVERS));
		json_object_set_new(
			ty, "approver_count",
			json_integer((json_int_t)kf->napprovers[t]));
		if (kf->why[t][0])
			json_object_set_new(ty, "no_approver",
					    json_string(kf->why[t]));
		json_object_set_new(ty, "discarders",
				    json_boolean(m & CWS_KEV_KF_DISCARDERS));
		json_object_set_new(
			ty, "discarder_entries",
			json_integer((json_int_t)(leaf[t] + dir[t])));
		for (i = 0; i < CWS_ARRAY_SIZE(stat_keys); i++)
			json_object_set_new(
				ty, stat_keys[i].key,
				json_integer(
					(json_int_t)kf->stats[CWS_KEV_KF_INDEX(
						stat_keys[i].stat, t)]));
		json_object_set_new(
			ty, "discarded_in_user_space",
			json_integer((json_int_t)kf->user_dropped[t]));
		json_object_set_new(types, cws_event_type_name(t), ty);
	}
	json_object_set_new(o, "types", types);
	json_object_set_new(doc, "kernel_filters", o);
}

void cws_kfilter_open_gates(struct cws_kfilter *kf)
{
	/* Stale discarders first, then no approver: nothing is dropped. */
	kf->learning = false;
	__atomic_fetch_add(&kf->skel->bss->kf_epoch, 1, __ATOMIC_SEQ_CST);
	set_modes(kf, true);
}

void cws_kfilter_swap(struct cws_kfilter *kf, struct cws_policy *p)
{
	cws_policy_free(kf->pol);
	kf->pol = p;
	kf->digest = cws_policy_digest(p);
	kf->rule_types = cws_secl_ruleset_event_types(p->rs) & kf->allowed;
	kf->learning = true;
}

void cws_kfilter_close_gates(struct cws_kfilter *kf)
{
	set_modes(kf, false);
}
