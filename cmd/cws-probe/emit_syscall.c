/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Syscall records (struct cws_kev_syscall) to events. One generic part
 * does what every syscall-based event needs: the process, evt with the
 * return value, the files, the extra string. A table of per-event
 * functions then reads args[] into the event's object (emit_file.c for
 * the file events). Adding an event type is one BPF program family and
 * one line in that table.
 *
 * Files come in three kinds (bpf/cws_event.h). An object the kernel had
 * (an fd, the cwd) comes with its own path, exact, and its inode's stat. A
 * file named by a string comes as a resolved directory plus the string;
 * here the two are joined: the string's directory part, if it has one,
 * resolved by the kernel from user space (realdir.c: symlinks followed),
 * else, or for a process in another root or mount namespace, normalised
 * lexically. Whenever a piece
 * is missing (the directory could not be resolved, the string could not
 * be read or was cut), the file gets path_resolution_error and no path:
 * a rule must never match a path we made up.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "probe.h"

/* The layout the BPF side writes (bpf/cws_event.h). */
_Static_assert(sizeof(struct cws_kev_file) == 96, "kev file size");
_Static_assert(offsetof(struct cws_kev_file, dir_inode) == 72, "kev dir");
_Static_assert(offsetof(struct cws_kev_file, flags) == 40, "kev file flags");
_Static_assert(offsetof(struct cws_kev_file, fstype) == 52, "kev fstype");
_Static_assert(offsetof(struct cws_kev_syscall, retval) ==
		       16 + sizeof(struct cws_kev_process),
	       "kev syscall retval");
_Static_assert(offsetof(struct cws_kev_syscall, data) ==
		       offsetof(struct cws_kev_syscall, file) + 2 * 96 + 8 + 16,
	       "kev syscall data");
_Static_assert(offsetof(struct cws_kev_syscall, data) % 8 == 0,
	       "kev syscall alignment");
_Static_assert(sizeof(struct cws_kev_syscall) % 8 == 0, "kev syscall size");
_Static_assert(CWS_KEV_SYS_FILES == 2, "obj.file and obj.dest");

/* The kernel's event numbers are lib/event.h's, every one of them. */
#define SAME_EVT(x) \
	_Static_assert((int)CWS_KEV_EVT_##x == (int)CWS_EVT_##x, "kev " #x)
SAME_EVT(UNKNOWN);
SAME_EVT(EXEC);
SAME_EVT(EXIT);
SAME_EVT(FORK);
SAME_EVT(OPEN);
SAME_EVT(UNLINK);
SAME_EVT(RENAME);
SAME_EVT(CHMOD);
SAME_EVT(CHOWN);
SAME_EVT(MKDIR);
SAME_EVT(RMDIR);
SAME_EVT(LINK);
SAME_EVT(UTIMES);
SAME_EVT(SETXATTR);
SAME_EVT(REMOVEXATTR);
SAME_EVT(SETUID);
SAME_EVT(SETGID);
SAME_EVT(CAPSET);
SAME_EVT(PTRACE);
SAME_EVT(MMAP);
SAME_EVT(MPROTECT);
SAME_EVT(BPF);
SAME_EVT(LOAD_MODULE);
SAME_EVT(UNLOAD_MODULE);
SAME_EVT(MOUNT);
SAME_EVT(UMOUNT);
SAME_EVT(SIGNAL);
SAME_EVT(SPLICE);
SAME_EVT(CHDIR);
SAME_EVT(MEMFD_CREATE);
SAME_EVT(DNS);
SAME_EVT(CONNECT);
SAME_EVT(BIND);
SAME_EVT(ACCEPT);
SAME_EVT(SETSOCKOPT);
SAME_EVT(PRCTL);
SAME_EVT(CGROUP_WRITE);
SAME_EVT(SELINUX);
SAME_EVT(IMDS);
SAME_EVT(PACKET);
SAME_EVT(IO_URING);
SAME_EVT(_COUNT);

/*
 * Per-event conversions. An event type without an entry gets the generic
 * part only (obj.file, obj.dest, evt.retval).
 */
static const cws_emit_sys_fn sys_fns[CWS_EVT__COUNT] = {
	[CWS_EVT_OPEN] = cws_emit_file_open,
	[CWS_EVT_UNLINK] = cws_emit_file_unlink,
	[CWS_EVT_CHMOD] = cws_emit_file_chmod,
	[CWS_EVT_CHOWN] = cws_emit_file_chown,
	[CWS_EVT_MKDIR] = cws_emit_file_mkdir,
	[CWS_EVT_LINK] = cws_emit_file_link,
	[CWS_EVT_SETXATTR] = cws_emit_file_xattr,
	[CWS_EVT_REMOVEXATTR] = cws_emit_file_xattr,
	[CWS_EVT_SPLICE] = cws_emit_file_splice,
	[CWS_EVT_MMAP] = cws_emit_file_mmap,
	[CWS_EVT_MPROTECT] = cws_emit_file_mprotect,
	[CWS_EVT_MEMFD_CREATE] = cws_emit_file_memfd_create,
	[CWS_EVT_SETUID] = cws_emit_proc_setid,
	[CWS_EVT_SETGID] = cws_emit_proc_setid,
	[CWS_EVT_CAPSET] = cws_emit_proc_capset,
	[CWS_EVT_PTRACE] = cws_emit_proc_ptrace,
	[CWS_EVT_SIGNAL] = cws_emit_proc_signal,
	[CWS_EVT_BPF] = cws_emit_proc_bpf,
	[CWS_EVT_LOAD_MODULE] = cws_emit_proc_module,
	[CWS_EVT_UNLOAD_MODULE] = cws_emit_proc_module,
	[CWS_EVT_MOUNT] = cws_emit_proc_mount,
	[CWS_EVT_UMOUNT] = cws_emit_proc_umount,
	[CWS_EVT_CONNECT] = cws_emit_net_addr,
	[CWS_EVT_BIND] = cws_emit_net_addr,
	[CWS_EVT_ACCEPT] = cws_emit_net_addr,
	[CWS_EVT_DNS] = cws_emit_net_dns,
	[CWS_EVT_CHDIR] = cws_emit_file_chdir,
	[CWS_EVT_SETSOCKOPT] = cws_emit_sysev_setsockopt,
	[CWS_EVT_PRCTL] = cws_emit_sysev_prctl,
	[CWS_EVT_CGROUP_WRITE] = cws_emit_sysev_cgroup_write,
	[CWS_EVT_SELINUX] = cws_emit_sysev_selinux,
	[CWS_EVT_RENAME] = cws_emit_file_rename,
	[CWS_EVT_IMDS] = cws_emit_net_imds,
	[CWS_EVT_PACKET] = cws_emit_net_packet,
	[CWS_EVT_IO_URING] = cws_emit_uring,
};

/* Appends "/" and comp[0..n) to dst[0..*len); false when it does not fit. */
static bool push(char *dst, size_t cap, size_t *len, const char *comp, size_t n)
{
	if (*len + 1 + n + 1 > cap)
		return false;
	dst[(*len)++] = '/';
	memcpy(dst + *len, comp, n);
	*len += n;
	return true;
}

/* Applies the components of s to dst[0..*len), an absolute path. */
static bool walk(char *dst, size_t cap, size_t *len, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.') {
			/* Up one, never above the root. */
			while (*len > 0 && dst[*len - 1] != '/')
				(*len)--;
			if (*len > 0)
				(*len)--;
		} else if (n && !(n == 1 && s[0] == '.')) {
			if (!push(dst, cap, len, s, n))
				return false;
		}
		s += n;
		s += strspn(s, "/");
	}
	return true;
}

long cws_emit_join_path(char *dst, size_t cap, const char *base,
			const char *rel)
{
	size_t len = 0;

	if (cap < 2)
		return -1;
	if (base && rel[0] != '/' && !walk(dst, cap, &len, base))
		return -1;
	if (!walk(dst, cap, &len, rel))
		return -1;
	if (!len)
		dst[len++] = '/';
	dst[len] = '\0';
	return (long)len;
}

const char *cws_emit_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* The last real component of a relative string, for a file with no path. */
static const char *rel_name(char *buf, size_t cap, const char *rel)
{
	const char *name;

	/* Normalised under a dummy root: "a/b/.." names a, "." nothing. */
	if (cws_emit_join_path(buf, cap, NULL, rel) < 0)
		return NULL;
	name = cws_emit_basename(buf);
	return strcmp(name, "/") ? name : NULL;
}

/* Why a file named by a string has no path, or NULL when it can have one. */
static const char *string_error(const struct cws_kev_file *kf)
{
	if (kf->flags & CWS_KEV_FILE_NULL)
		return "no path given";
	if (kf->flags & CWS_KEV_FILE_STR_FAULT)
		return "path unreadable at syscall exit";
	if (kf->flags & CWS_KEV_FILE_STR_TRUNCATED)
		return "path too long";
	if (!kf->str_len)
		return "empty path";
	return NULL;
}

/*
 * Converts file i of the record; *data points at its bytes in data[] and
 * is moved past them. Strings land in e->sys.
 */
static void conv_file(struct cws_emit *e, const struct cws_kev_file *kf,
		      unsigned i, const char **data, struct cws_file *f,
		      unsigned kflags)
{
	struct cws_emit_sys *s = &e->sys;
	char *path = s->path[i];
	const char *why;
	long n;

	memcpy(path, *data, kf->path_len);
	path[kf->path_len] = '\0';
	*data += kf->path_len;
	memcpy(s->raw[i], *data, kf->str_len);
	s->raw[i][kf->str_len] = '\0';
	*data += kf->str_len;
	s->str[i] = kf->flags & (CWS_KEV_FILE_AT | CWS_KEV_FILE_RAW) ?
			    s->raw[i] :
			    NULL;

	f->mount_id = kf->mount_id;
	if (kf->flags & CWS_KEV_FILE_STAT) {
		f->inode = kf->inode;
		f->mode = kf->mode;
		f->uid = kf->uid;
		f->gid = kf->gid;
		f->change_time = kf->ctime;
		f->modification_time = kf->mtime;
		memcpy(s->fstype[i], kf->fstype, sizeof(kf->fstype));
		s->fstype[i][sizeof(kf->fstype)] = '\0';
		if (s->fstype[i][0])
			f->filesystem = s->fstype[i];
		f->in_upper_layer = kf->flags & CWS_KEV_FILE_UPPER;
		f->in_upper_layer_known = true;
	}

	if (kf->flags & CWS_KEV_FILE_OWN) {
		/*
		 * The kernel's own path: whole when path_error is 0, else the
		 * components resolved before the walk stopped, of which only
		 * the last (the file's own name) can be trusted.
		 */
		if (kf->path_error == CWS_KEV_PATH_OK) {
			f->path = path;
			f->name = cws_emit_basename(path);
		} else {
			const char *slash = strrchr(path, '/');

			f->path_resolution_error =
				cws_emit_path_error(kf->path_error);
			if (slash && slash[1])
				f->name = slash + 1;
		}
		return;
	}

	/* A directory and a string, or (RAW) a string alone. */
	why = string_error(kf);
	if (!why && (kf->flags & CWS_KEV_FILE_RAW) && s->raw[i][0] != '/')
		why = "relative to an unknown directory";
	if (!why && (kf->flags & CWS_KEV_FILE_AT) &&
	    kf->path_error != CWS_KEV_PATH_OK)
		why = cws_emit_path_error(kf->path_error);
	if (why) {
		f->path_resolution_error = why;
		if (!string_error(kf))
			f->name = rel_name(path, CWS_EVENT_MAX_STR + 1,
					   s->raw[i]);
		return;
	}
	n = -1;
	if ((kf->flags & CWS_KEV_FILE_AT) && strchr(s->raw[i], '/') &&
	    (kflags & CWS_KEV_SYS_SAME_ROOT)) {
		if (!e->realdir)
			e->realdir = cws_realdir_new();
		if (e->realdir)
			n = cws_realdir_join(e->realdir, path, s->raw[i],
					     s->join, sizeof(s->join));
	}
	if (n < 0)
		n = cws_emit_join_path(
			s->join, sizeof(s->join),
			kf->flags & CWS_KEV_FILE_AT ? path : NULL, s->raw[i]);
	if (n < 0 || n > CWS_EVENT_MAX_STR) {
		f->path_resolution_error = "path too long";
		f->name = rel_name(path, CWS_EVENT_MAX_STR + 1, s->raw[i]);
		return;
	}
	memcpy(path, s->join, (size_t)n + 1);
	f->path = path;
	f->name = cws_emit_basename(path);
}

/* Checks every length against the record's size before a byte is read. */
static bool valid(const struct cws_kev_syscall *k, size_t size)
{
	unsigned i;

	if (size < offsetof(struct cws_kev_syscall, data) ||
	    k->nfiles > CWS_KEV_SYS_FILES || k->str_len >= CWS_KEV_STR_MAX ||
	    k->event == CWS_EVT_UNKNOWN || k->event >= CWS_EVT__COUNT)
		return false;
	for (i = 0; i < k->nfiles; i++)
		if (k->file[i].path_len > CWS_KEV_PATH_MAX ||
		    k->file[i].str_len >= CWS_KEV_PATH_MAX)
			return false;
	return size >= CWS_KEV_SYS_SIZE(k);
}

int cws_emit_syscall(struct cws_emit *e, const void *data, size_t size)
{
	const struct cws_kev_syscall *k = data;
	struct cws_emit_sys *s = &e->sys;
	struct cws_event *ev = &e->ev;
	const char *p = k->data;
	unsigned i;

	if (!valid(k, size)) {
		cws_emit_bad(e, "lengths do not match the record size",
			     k->hdr.type, size);
		return 0;
	}
	cws_emit_event_begin(e, &k->hdr, &k->proc, k->event);
	ev->evt.retval = k->retval;

	s->str[0] = s->str[1] = NULL;
	for (i = 0; i < k->nfiles; i++)
		conv_file(e, &k->file[i], i, &p,
			  i ? &ev->obj.dest : &ev->obj.file, k->flags);
	s->extra = NULL;
	if ((k->flags & CWS_KEV_SYS_STR) &&
	    !(k->flags & (CWS_KEV_SYS_STR_FAULT | CWS_KEV_SYS_STR_TRUNCATED))) {
		memcpy(s->extra_buf, p, k->str_len);
		s->extra_buf[k->str_len] = '\0';
		s->extra = s->extra_buf;
	}

	if (sys_fns[k->event])
		sys_fns[k->event](e, k, ev);
	/* No rule can match it: the kernel learns so, and it stops here. */
	if (e->kf && cws_kfilter_event(e->kf, k, ev))
		return 0;
	return cws_emit_put(e, ev);
}
