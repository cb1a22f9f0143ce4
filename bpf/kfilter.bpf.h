/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel filters: what cws-probe derived from the loaded policy (lib/secl
 * kfilter), applied before a record is built or written, so that an event
 * no rule can match never leaves the kernel.
 *
 * Per event type (kf_types[], set by the probe):
 *  - approvers: the record passes only if its file's basename (or its
 *    destination's) is in kf_names, or, for open, if its flags have a bit
 *    of the type's mask. The basename is the dentry's name when the kernel
 *    has the file, else the last component of the user's string; a string
 *    whose last component is empty, "." or ".." passes (user space
 *    normalises those away, so the kernel cannot tell the name);
 *  - discarders: the record is dropped if kf_discarders holds its file's
 *    inode (a leaf discarder) or the directory it is directly in (a
 *    directory discarder) for its type, learnt by the probe in the
 *    current epoch, under the same task root.
 *
 * A discarder says "no rule can match this file by what its path is".
 * What could change a path makes it stale:
 *  - a rename, a mount or an umount anywhere bumps kf_epoch (the
 *    programs of those calls do it as they succeed), and every discarder
 *    of an older epoch is ignored; so does a policy reload (the probe
 *    bumps it); a record carries the epoch it was made in, so that a
 *    discarder learnt from a record older than a rename is born stale;
 *  - a leaf holds its name's hash and its parent's inode, checked at each
 *    use: a new hard link or a reused inode number is another name;
 *  - both hold i_generation, so a reused inode number on a file system
 *    that sets it is another inode;
 *  - a file with more than one link is never discarded as a leaf (the
 *    path a rule would see depends on which name was used);
 *  - both hold the task's root, so a chroot sees its own paths.
 */
#ifndef CWS_KFILTER_BPF_H
#define CWS_KFILTER_BPF_H

#include "core.bpf.h"
#include "cws_event.h"
#include "maps.bpf.h"
#include "process.bpf.h"

/* Set by the probe (a .bss global, mmapped): per event type. */
struct cws_kev_kf_type kf_types[CWS_KEV_EVT__COUNT];

/* Bumped by renames, mounts, umounts and policy reloads. */
__u64 kf_epoch = 0;

/* The probe resizes these before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64); /* event types: 1 << type */
} kf_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cws_kev_disc_key);
	__type(value, struct cws_kev_disc);
} kf_discarders SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CWS_KEV_KF_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} kf_stats SEC(".maps");

/*
 * The per-CPU room the hashes work in: a name (NAME_MAX bytes), the tail
 * of a string (its last NAME_MAX + 1 bytes hold the last component and
 * the '/' before it), and a whole user string for a failed open.
 */
#define KF_TAIL 256

struct kf_buf {
	char name[256];
	char tail[2 * KF_TAIL]; /* KF_TAIL used; the rest lets a read be masked */
	__u32 one; /* kf_tail_hash: the tail is the whole string, no '/' */
	__u32 _pad;
	char path[CWS_KEV_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_buf);
} kf_buf SEC(".maps");

static __always_inline void kf_count(__u32 stat, __u32 event)
{
	__u32 key = CWS_KEV_KF_INDEX(stat, event);
	__u64 *n;

	if (event >= CWS_KEV_EVT__COUNT)
		return;
	n = bpf_map_lookup_elem(&kf_stats, &key);
	if (n)
		*n += 1;
}

static __always_inline __u32 kf_mode(__u32 event)
{
	if (event >= CWS_KEV_EVT__COUNT)
		return 0;
	return *(volatile __u32 *)&kf_types[event].mode;
}

/* A record the filters pass whole: counted as seen with a policy. */
static __always_inline void kf_seen(__u32 event)
{
	if (kf_mode(event) & CWS_KEV_KF_COUNT)
		kf_count(CWS_KEV_KF_SEEN, event);
}

/*
 * FNV-1a 64 of b->name[0..len), seeded by kind; 0 stands for "no name".
 * A global function, so that the verifier walks its loop once rather
 * than once per inlined caller (the programs inline everything else).
 */
__attribute__((noinline)) __u64 kf_name_hash(struct kf_buf *b, __u32 len,
					     __u32 kind)
{
	__u64 h = CWS_KEV_FNV_OFFSET;
	__u32 i;

	if (!b || !len || len > 255)
		return 0;
	h ^= kind;
	h *= CWS_KEV_FNV_PRIME;
	for (i = 0; i < 255; i++) {
		if (i >= len)
			break;
		h ^= (__u8)b->name[i];
		h *= CWS_KEV_FNV_PRIME;
	}
	return h ? h : 1;
}

/*
 * The hash of the last component of b->tail[0..k) (k <= KF_TAIL, the end
 * of a string), 0 when it has no usable name: empty, ".", "..", or no
 * '/' in a tail that is not the whole string (whole: the string is
 * k bytes). Sets b->one when the string is one component.
 */
__attribute__((noinline)) __u64 kf_tail_hash(struct kf_buf *b, __u32 k,
					     __u32 whole, __u32 kind)
{
	__u64 h = CWS_KEV_FNV_OFFSET;
	__u32 i, start = 0, len, found = 0;

	if (!b)
		return 0;
	b->one = 0;
	if (!k || k > KF_TAIL)
		return 0;
	for (i = 0; i < KF_TAIL; i++) {
		if (i >= k)
			break;
		if (b->tail[(k - 1 - i) & (KF_TAIL - 1)] == '/') {
			start = k - i;
			found = 1;
			break;
		}
	}
	if (!found && !whole)
		return 0;
	b->one = !found;
	len = k - start;
	if (!len || len > 255)
		return 0;
	if (b->tail[start & (KF_TAIL - 1)] == '.' &&
	    (len == 1 ||
	     (len == 2 && b->tail[(start + 1) & (KF_TAIL - 1)] == '.')))
		return 0;
	/* The same hash as kf_name_hash, straight from the tail. */
	h ^= kind;
	h *= CWS_KEV_FNV_PRIME;
	for (i = 0; i < 255; i++) {
		if (i >= len)
			break;
		h ^= (__u8)b->tail[(start + i) & (KF_TAIL - 1)];
		h *= CWS_KEV_FNV_PRIME;
	}
	return h ? h : 1;
}

/*
 * The hash of the current task's comm (CWS_KEV_KF_HASH_COMM), the
 * owner's for an io_uring worker (comm_task).
 */
static __always_inline __u64 kf_hash_comm(void)
{
	struct task_struct *task = comm_task(bpf_get_current_task_btf());
	const __u64 *comm = (const __u64 *)task->comm;
	struct kf_buf *b;
	__u32 zero = 0, len;

	b = bpf_map_lookup_elem(&kf_buf, &zero);
	if (!b)
		return 0;
	/* TASK_COMM_LEN is 16: two words, NUL terminated by the kernel. */
	((__u64 *)b->name)[0] = comm[0];
	((__u64 *)b->name)[1] = comm[1];
	b->name[15] = '\0';
	for (len = 0; len < 15; len++)
		if (!b->name[len])
			break;
	if (!len)
		return 0;
	return kf_name_hash(b, len, CWS_KEV_KF_HASH_COMM);
}

/* The hash of a dentry's name, 0 when it cannot be read. */
static __always_inline __u64 kf_hash_dentry(struct dentry *d, __u32 kind)
{
	struct kf_buf *b;
	__u32 zero = 0;
	__u64 len;

	if (!d)
		return 0;
	d = bpf_core_cast(d, struct dentry);
	len = d->d_name.len;
	if (!len || len > 255)
		return 0;
	b = bpf_map_lookup_elem(&kf_buf, &zero);
	if (!b)
		return 0;
	if (bpf_probe_read_kernel(b->name, len & 255, d->d_name.name))
		return 0;
	return kf_name_hash(b, (__u32)len, kind);
}

/*
 * The hash of the last component of the n-byte string at s (kernel
 * memory: a record's data or kf_buf's path), as kf_tail_hash; *one says
 * the string is one component.
 */
static __always_inline __u64 kf_hash_str(const char *s, __u32 n, __u32 kind,
					 int *one)
{
	struct kf_buf *b;
	__u32 zero = 0, k;
	__u64 h;

	*one = 0;
	if (!n || n > CWS_KEV_PATH_MAX)
		return 0;
	b = bpf_map_lookup_elem(&kf_buf, &zero);
	if (!b)
		return 0;
	k = n < KF_TAIL ? n : KF_TAIL;
	if (bpf_probe_read_kernel(b->tail, k & (KF_TAIL * 2 - 1), s + (n - k)))
		return 0;
	h = kf_tail_hash(b, k, k == n, kind);
	*one = b->one;
	return h;
}

/* Whether an approver of kind holds name hash h for event. */
static __always_inline int kf_name_approves(__u64 h, __u32 event)
{
	__u64 *types;

	if (!h)
		return 1; /* no name to judge by: pass */
	types = bpf_map_lookup_elem(&kf_names, &h);
	return types && (*types & (1ull << (event & 63)));
}

/* The task's root as discarders hold it: an opaque id. */
static __always_inline __u64 kf_root(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	/*
	 * The root's dentry (the verifier refuses arithmetic on pointers, so
	 * not combined with its mount): two roots on one dentry see the
	 * same paths below it anyway.
	 */
	return (__u64)task->fs->root.dentry;
}

static __always_inline __u64 kf_epoch_now(void)
{
	return *(volatile __u64 *)&kf_epoch;
}

/* Slot 0 (no event type) says whether any type has discarders. */
static __always_inline int kf_discarders_on(void)
{
	return kf_mode(0) & CWS_KEV_KF_DISCARDERS;
}

/* A successful rename, mount or umount: every path may have moved. */
static __always_inline void kf_bump(void)
{
	__sync_fetch_and_add(&kf_epoch, 1);
}

/*
 * Whether a discarder drops an event on the file at dentry in vfsmnt
 * (its name's hash h, 0 when unknown).
 */
static __always_inline int kf_discards_dentry(struct dentry *dentry,
					      struct vfsmount *vfsmnt, __u64 h,
					      __u32 event)
{
	struct cws_kev_disc_key key = {};
	struct cws_kev_disc *v;
	struct inode *inode, *dinode;
	struct dentry *parent;
	__u64 epoch = kf_epoch_now(), root = kf_root(), bit;

	if (!dentry || !vfsmnt)
		return 0;
	bit = 1ull << (event & 63);
	dentry = bpf_core_cast(dentry, struct dentry);
	inode = dentry->d_inode;
	if (!inode)
		return 0;
	parent = dentry->d_parent;
	dinode = parent ? parent->d_inode : NULL;
	key.mount_id = real_mount(vfsmnt)->mnt_id;
	key.inode = inode->i_ino;
	v = bpf_map_lookup_elem(&kf_discarders, &key);
	if (v && (v->leaf & bit) && v->epoch == epoch && v->root == root &&
	    v->gen == inode->i_generation && h && v->name == h && dinode &&
	    v->parent == dinode->i_ino && inode->i_nlink <= 1)
		return 1;
	/* The root of a mount has its parent in another mount. */
	if (!dinode ||
	    dentry == bpf_core_cast(vfsmnt, struct vfsmount)->mnt_root)
		return 0;
	key.inode = dinode->i_ino;
	v = bpf_map_lookup_elem(&kf_discarders, &key);
	return v && (v->dir & bit) && v->epoch == epoch && v->root == root &&
	       v->gen == dinode->i_generation;
}

/* Whether a directory discarder drops an event on a file directly in dir. */
static __always_inline int kf_discards_in(struct dentry *dir,
					  struct vfsmount *vfsmnt, __u32 event)
{
	struct cws_kev_disc_key key = {};
	struct cws_kev_disc *v;
	struct inode *inode;

	if (!dir || !vfsmnt)
		return 0;
	dir = bpf_core_cast(dir, struct dentry);
	inode = dir->d_inode;
	if (!inode)
		return 0;
	key.mount_id = real_mount(vfsmnt)->mnt_id;
	key.inode = inode->i_ino;
	v = bpf_map_lookup_elem(&kf_discarders, &key);
	return v && (v->dir & (1ull << (event & 63))) &&
	       v->epoch == kf_epoch_now() && v->root == kf_root() &&
	       v->gen == inode->i_generation;
}

/* Fills a record file's discarder facts from its dentry. */
static __always_inline void kf_fill_own(struct cws_kev_file *f,
					struct dentry *dentry,
					struct vfsmount *vfsmnt)
{
	struct inode *inode, *dinode;
	struct dentry *parent;

	if (!dentry || !vfsmnt)
		return;
	dentry = bpf_core_cast(dentry, struct dentry);
	inode = dentry->d_inode;
	parent = dentry->d_parent;
	if (!inode || !parent)
		return;
	dinode = parent->d_inode;
	if (!dinode)
		return;
	f->gen = inode->i_generation;
	f->dir_inode = dinode->i_ino;
	f->kf_flags |= CWS_KEV_FILE_KF_LEAF;
	if (dentry == bpf_core_cast(vfsmnt, struct vfsmount)->mnt_root)
		return;
	f->dir_gen = dinode->i_generation;
	f->dir_mount_id = real_mount(vfsmnt)->mnt_id;
	f->kf_flags |= CWS_KEV_FILE_KF_DIR;
}

/* The same for the base directory of a one-component string. */
static __always_inline void kf_fill_base(struct cws_kev_file *f,
					 struct dentry *dir,
					 struct vfsmount *vfsmnt)
{
	struct inode *inode;

	if (!dir || !vfsmnt)
		return;
	dir = bpf_core_cast(dir, struct dentry);
	inode = dir->d_inode;
	if (!inode)
		return;
	f->dir_inode = inode->i_ino;
	f->dir_gen = inode->i_generation;
	f->dir_mount_id = real_mount(vfsmnt)->mnt_id;
	f->kf_flags |= CWS_KEV_FILE_KF_DIR;
}

#endif
