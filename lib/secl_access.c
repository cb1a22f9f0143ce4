/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The field accessors: a field resolved by secl_fields.c (a struct fref)
 * read from an event. secl_field_get gives one value; secl_field_visit
 * walks the values of an array field (ancestors, argv, args_flags,
 * args_options, envs, envp, container.tags, ...) until the visitor is
 * done. The derived fields that secl_fields.c describes are computed
 * here, without allocating.
 */
#include "compat.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secl_priv.h"

static const struct cws_process zero_proc;
static const struct cws_file zero_file;

static struct sv sv_of(const char *s)
{
	struct sv r;

	r.p = s ? s : "";
	r.n = s ? (uint32_t)strnlen(s, UINT32_MAX / 2) : 0;
	return r;
}

static const struct cws_process *proc_at(const struct ectx *x,
					 const struct fref *f, uint32_t idx)
{
	const struct cws_event *ev = x->ev;

	switch (f->root) {
	case R_SELF:
	case R_EXEC:
	case R_EVENT: /* container.*, cgroup.*: the event's process */
		return &ev->process;
	case R_PARENT:
		return ev->ancestors && ev->nancestors ? &ev->ancestors[0] :
							 &zero_proc;
	case R_ANC:
		return ev->ancestors && idx < ev->nancestors ?
			       &ev->ancestors[idx] :
			       &zero_proc;
	case R_TARGET:
		return &ev->obj.target;
	}
	return &zero_proc;
}

/* exec.* reads the exec object's file and argv when the record has them. */
static const struct cws_strv *
argv_of(const struct ectx *x, const struct fref *f, const struct cws_process *p)
{
	if (f->root == R_EXEC && x->ev->exec.argv.n)
		return &x->ev->exec.argv;
	return &p->argv;
}

static const struct cws_file *
file_of(const struct ectx *x, const struct fref *f, const struct cws_process *p)
{
	const struct cws_event *ev = x->ev;

	switch (f->file) {
	case FF_PROC:
		if (f->root == R_EXEC &&
		    (ev->exec.file.path || ev->exec.file.inode))
			return &ev->exec.file;
		return &p->file;
	case FF_OBJ:
		return &ev->obj.file;
	case FF_DEST:
		return &ev->obj.dest;
	}
	return &zero_file;
}

static unsigned args_slot(const struct fref *f, uint32_t idx)
{
	switch (f->root) {
	case R_SELF:
		return 0;
	case R_EXEC:
		return 1;
	case R_TARGET:
		return 2;
	case R_PARENT:
		return 3;
	case R_ANC:
		return 3 + (idx < CWS_EVENT_MAX_ANCESTORS ? idx : 0);
	}
	return ARGS_CACHE; /* not cached */
}

/* argv[1..] joined with spaces, cached per process for this event. */
static struct sv proc_args(struct ectx *x, const struct fref *f,
			   const struct cws_process *p, uint32_t idx)
{
	const struct cws_strv *av = argv_of(x, f, p);
	unsigned slot = args_slot(f, idx);
	size_t len = 0, k, off = 0;
	struct sv r = { "", 0 };
	char *buf;

	if (slot < ARGS_CACHE &&
	    (x->args_valid[slot / 64] & (1ull << (slot % 64))))
		return x->args_cache[slot];
	if (av->n > 1 && av->v) {
		for (k = 1; k < av->n; k++)
			len += (av->v[k] ? strlen(av->v[k]) : 0) + 1;
		buf = secl_scratch(x, len);
		if (buf) {
			for (k = 1; k < av->n; k++) {
				size_t l = av->v[k] ? strlen(av->v[k]) : 0;

				if (k > 1)
					buf[off++] = ' ';
				memcpy(buf + off, av->v[k] ? av->v[k] : "", l);
				off += l;
			}
			r.p = buf;
			r.n = (uint32_t)off;
		}
	}
	if (slot < ARGS_CACHE) {
		x->args_cache[slot] = r;
		x->args_valid[slot / 64] |= 1ull << (slot % 64);
	}
	return r;
}

static int64_t exit_cause(const char *c)
{
	if (!c)
		return 0;
	if (!strcmp(c, "COREDUMPED"))
		return 1;
	if (!strcmp(c, "SIGNALED"))
		return 2;
	return 0;
}

static void set_ip(struct val *out, const uint8_t a[16])
{
	out->kind = VK_IP;
	secl_cidr_from_bytes(&out->ip, a, 128);
}

/* The value of NAME=value in a process's envp, or NULL. */
static const char *env_value(const struct cws_process *p, const char *name)
{
	size_t n = strlen(name);
	uint32_t i;

	for (i = 0; i < p->envp.n; i++) {
		const char *e = p->envp.v[i];

		if (e && !strncmp(e, name, n) && e[n] == '=' && e[n + 1])
			return e + n + 1;
	}
	return NULL;
}

/*
 * event.service as Datadog's getProcessService gives it: DD_SERVICE of
 * the process, then of each ancestor (only those in the same container,
 * when the process is in one); of several values, the longest when each
 * is a prefix of the next longer one, else the nearest; without any, the
 * host's service (the `service:` tag of the configuration).
 */
static struct sv event_service(struct ectx *x)
{
	const struct cws_event *ev = x->ev;
	const char *vals[CWS_EVENT_MAX_ANCESTORS + 1];
	const char *best, *longest;
	uint32_t i, n = 0;
	bool in_ct = ev->process.container_id && *ev->process.container_id;

	if ((best = env_value(&ev->process, "DD_SERVICE")))
		vals[n++] = best;
	for (i = 0; ev->ancestors && i < ev->nancestors; i++) {
		const struct cws_process *a = &ev->ancestors[i];
		const char *v;

		if (in_ct && !(a->container_id && *a->container_id))
			break;
		if ((v = env_value(a, "DD_SERVICE")))
			vals[n++] = v;
	}
	if (!n)
		return sv_of(x->rs ? x->rs->host_service : NULL);
	longest = vals[0];
	for (i = 1; i < n; i++)
		if (strlen(vals[i]) > strlen(longest))
			longest = vals[i];
	/* A prefix chain: every value is a prefix of the longest. */
	for (i = 0; i < n; i++)
		if (strncmp(longest, vals[i], strlen(vals[i])))
			return sv_of(vals[0]);
	return sv_of(longest);
}

static void leaf_get(struct ectx *x, const struct fref *f, uint32_t idx,
		     struct val *out)
{
	const struct cws_event *ev = x->ev;
	const struct cws_evobj *o = &ev->obj;
	const struct cws_process *p = NULL;
	const struct cws_file *fl = NULL;
	const char *s;

	out->kind = f->kind;
	out->i = 0;
	if (f->kind == VK_STR) {
		out->s.p = "";
		out->s.n = 0;
	} else if (f->kind == VK_IP) {
		memset(&out->ip, 0, sizeof(out->ip));
	}
	if (f->leaf < L_F__END) {
		p = proc_at(x, f, idx);
		if (f->file != FF_NONE)
			fl = file_of(x, f, p);
	}
	switch (f->leaf) {
	case L_ZERO:
		if (f->kind == VK_IP)
			out->ip.bits = 128;
		return;
	case L_P_PID:
		out->i = p->pid;
		return;
	case L_P_PPID:
		out->i = p->ppid;
		return;
	case L_P_TID:
		out->i = p->tid;
		return;
	case L_P_COMM:
		out->s = sv_of(p->comm);
		return;
	case L_P_TTY:
		out->s = sv_of(p->tty_name);
		return;
	case L_P_CREATED:
		out->i = (int64_t)p->fork_time;
		return;
	case L_P_ARGV0: {
		const struct cws_strv *av = argv_of(x, f, p);

		out->s = sv_of(av->n && av->v ? av->v[0] : NULL);
		return;
	}
	case L_P_ARGS:
		out->s = proc_args(x, f, p, idx);
		return;
	case L_P_ARGS_TRUNC:
		out->b = f->root == R_EXEC ? (p->args_truncated ||
					      ev->exec.args_truncated) :
					     p->args_truncated;
		return;
	case L_P_UID:
		out->i = p->cred.uid;
		return;
	case L_P_GID:
		out->i = p->cred.gid;
		return;
	case L_P_EUID:
		out->i = p->cred.euid;
		return;
	case L_P_EGID:
		out->i = p->cred.egid;
		return;
	case L_P_FSUID:
		out->i = p->cred.fsuid;
		return;
	case L_P_FSGID:
		out->i = p->cred.fsgid;
		return;
	case L_P_AUID:
		out->i = p->cred.auid;
		return;
	case L_P_USER:
		out->s = sv_of(p->cred.user);
		return;
	case L_P_GROUP:
		out->s = sv_of(p->cred.group);
		return;
	case L_P_EUSER:
		out->s = sv_of(p->cred.euser);
		return;
	case L_P_EGROUP:
		out->s = sv_of(p->cred.egroup);
		return;
	case L_P_FSUSER:
		out->s = sv_of(p->cred.fsuser);
		return;
	case L_P_FSGROUP:
		out->s = sv_of(p->cred.fsgroup);
		return;
	case L_P_CAPE:
		out->i = (int64_t)p->cred.cap_effective;
		return;
	case L_P_CAPP:
		out->i = (int64_t)p->cred.cap_permitted;
		return;
	case L_P_CONTAINER:
		s = p->container_id;
		if (!s && (f->root == R_SELF || f->root == R_EXEC))
			s = ev->container.id;
		out->s = sv_of(s);
		return;
	case L_P_IS_THREAD:
		out->b = p->is_thread;
		return;
	case L_P_IS_EXEC:
		out->b = p->exec_time != 0;
		return;
	case L_P_ENVS_TRUNC:
		out->b = p->envs_truncated;
		return;
	case L_P_CGROUP_ID:
		out->s = sv_of(p->cgroup_id);
		return;
	case L_P_CGROUP_INODE:
		out->i = (int64_t)p->cgroup_inode;
		return;
	case L_P_CGROUP_MOUNT:
		out->i = p->cgroup_mount_id;
		return;
	case L_P_CONT_CREATED:
		out->i = (int64_t)p->container_created_at;
		return;
	case L_P_K8S:
		return; /* "": cws sees no kubectl exec session */
	case L_F_PATH:
		out->s = sv_of(fl->path);
		return;
	case L_F_PATH_LEN:
		out->i = sv_of(fl->path).n;
		return;
	case L_F_NAME:
		out->s = sv_of(fl->name);
		return;
	case L_F_NAME_LEN:
		out->i = sv_of(fl->name).n;
		return;
	case L_F_EXT: {
		struct sv nm = sv_of(fl->name);
		const char *dot = nm.n ? memrchr(nm.p, '.', nm.n) : NULL;

		if (dot) {
			out->s.p = dot;
			out->s.n = (uint32_t)(nm.n - (uint32_t)(dot - nm.p));
		}
		return;
	}
	case L_F_INODE:
		out->i = (int64_t)fl->inode;
		return;
	case L_F_MOUNT:
		out->i = fl->mount_id;
		return;
	case L_F_MODE:
		out->i = fl->mode;
		return;
	case L_F_RIGHTS:
		out->i = fl->mode & 07777;
		return;
	case L_F_UID:
		out->i = f->sign ? (int64_t)(int32_t)fl->uid : (int64_t)fl->uid;
		return;
	case L_F_GID:
		out->i = f->sign ? (int64_t)(int32_t)fl->gid : (int64_t)fl->gid;
		return;
	case L_F_USER:
		out->s = sv_of(fl->user);
		return;
	case L_F_GROUP:
		out->s = sv_of(fl->group);
		return;
	case L_F_CTIME:
		out->i = (int64_t)fl->change_time;
		return;
	case L_F_MTIME:
		out->i = (int64_t)fl->modification_time;
		return;
	case L_F_FS:
		out->s = sv_of(fl->filesystem);
		return;
	case L_F_UPPER:
		out->b = fl->in_upper_layer_known && fl->in_upper_layer;
		return;
	case L_E_CONTAINER:
		out->s = sv_of(ev->container.id ? ev->container.id :
						  ev->process.container_id);
		return;
	case L_E_TIMESTAMP:
		out->i = (int64_t)ev->timestamp;
		return;
	case L_E_ORIGIN:
		out->s = sv_of("ebpf");
		return;
	case L_E_OS:
		out->s = sv_of("linux");
		return;
	case L_E_SOURCE:
		out->s = sv_of("runtime");
		return;
	case L_E_RETVAL:
		out->i = ev->evt.retval;
		return;
	case L_E_ANC_LEN:
		out->i = ev->ancestors ? ev->nancestors : 0;
		return;
	case L_E_SERVICE:
		out->s = event_service(x);
		return;
	case L_O_FLAGS:
		out->i = (int64_t)o->flags;
		return;
	case L_O_PROT:
		out->i = (int64_t)o->protection;
		return;
	case L_O_VMPROT:
		out->i = (int64_t)o->vm_protection;
		return;
	case L_O_REQUEST:
		out->i = o->request;
		return;
	case L_O_PID:
		out->i = o->pid;
		return;
	case L_O_EXIT_CODE:
		out->i = o->code;
		return;
	case L_O_EXIT_CAUSE:
		out->i = exit_cause(o->cause);
		return;
	case L_O_NAME:
		out->s = sv_of(o->name);
		return;
	case L_O_UID:
		out->i = o->uid;
		return;
	case L_O_EUID:
		out->i = o->euid;
		return;
	case L_O_FSUID:
		out->i = o->fsuid;
		return;
	case L_O_GID:
		out->i = o->gid;
		return;
	case L_O_EGID:
		out->i = o->egid;
		return;
	case L_O_FSGID:
		out->i = o->fsgid;
		return;
	case L_O_USER:
		out->s = sv_of(o->user);
		return;
	case L_O_EUSER:
		out->s = sv_of(o->euser);
		return;
	case L_O_FSUSER:
		out->s = sv_of(o->fsuser);
		return;
	case L_O_GROUP:
		out->s = sv_of(o->group);
		return;
	case L_O_EGROUP:
		out->s = sv_of(o->egroup);
		return;
	case L_O_FSGROUP:
		out->s = sv_of(o->fsgroup);
		return;
	case L_O_CAPE:
		out->i = (int64_t)o->cap_effective;
		return;
	case L_O_CAPP:
		out->i = (int64_t)o->cap_permitted;
		return;
	case L_O_MAP_TYPE:
		out->i = o->map_type;
		return;
	case L_O_PROG_TYPE:
		out->i = o->prog_type;
		return;
	case L_O_ATTACH:
		out->i = o->attach_type;
		return;
	case L_O_PROG_NAME:
		out->s = sv_of(o->prog_name);
		return;
	case L_O_FROM_MEM:
		out->b = o->loaded_from_memory;
		return;
	case L_O_ARGS:
		out->s = sv_of(o->args);
		return;
	case L_O_FSTYPE:
		out->s = sv_of(o->fs_type);
		return;
	case L_O_MOUNTPOINT:
		out->s = sv_of(o->mountpoint);
		return;
	case L_O_MSOURCE:
		out->s = sv_of(o->source);
		return;
	case L_O_PIPE_IN:
		out->i = o->pipe_entry_flag;
		return;
	case L_O_PIPE_OUT:
		out->i = o->pipe_exit_flag;
		return;
	case L_O_XNAME:
		out->s = sv_of(o->xattr_name);
		return;
	case L_O_XNS:
		out->s = sv_of(o->xattr_namespace);
		return;
	case L_N_DNS_ID:
		out->i = o->dns.id;
		return;
	case L_N_DNS_NAME:
		out->s = sv_of(o->dns.name);
		return;
	case L_N_DNS_NAME_LEN:
		out->i = sv_of(o->dns.name).n;
		return;
	case L_N_DNS_TYPE:
		out->i = o->dns.type;
		return;
	case L_N_DNS_CLASS:
		out->i = o->dns.qclass;
		return;
	case L_N_DNS_COUNT:
		out->i = o->dns.count;
		return;
	case L_N_DNS_SIZE:
		out->i = o->dns.size;
		return;
	case L_N_SRC_IP:
		set_ip(out, o->net.source.ip);
		return;
	case L_N_SRC_PORT:
		out->i = o->net.source.port;
		return;
	case L_N_DST_IP:
		set_ip(out, o->net.destination.ip);
		return;
	case L_N_DST_PORT:
		out->i = o->net.destination.port;
		return;
	case L_N_L3:
		out->i = o->net.l3_protocol;
		return;
	case L_N_L4:
		out->i = o->net.l4_protocol;
		return;
	case L_N_SIZE:
		out->i = o->net.size;
		return;
	case L_N_IFNAME:
		out->s = sv_of(o->net.ifname);
		return;
	case L_N_ADDR_IP:
		set_ip(out, o->addr.ip);
		return;
	case L_N_ADDR_PORT:
		out->i = o->addr.port;
		return;
	case L_N_ADDR_FAMILY:
		out->i = o->addr.family;
		return;
	case L_N_ADDR_HOST:
		out->s = sv_of(o->addr.hostname);
		return;
	case L_N_ADDR_PUBLIC:
		out->b = o->addr.family && secl_ip_is_public(o->addr.ip);
		return;
	case L_N_PROTO:
		out->i = o->protocol;
		return;
	case L_O_SYSCALL_PATH:
		out->s = sv_of(o->syscall_path);
		return;
	case L_S_LEVEL:
		out->i = o->sockopt.level;
		return;
	case L_S_OPTNAME:
		out->i = o->sockopt.optname;
		return;
	case L_S_SOTYPE:
		out->i = o->sockopt.socket_type;
		return;
	case L_S_SOFAMILY:
		out->i = o->sockopt.socket_family;
		return;
	case L_S_SOPROTO:
		out->i = o->sockopt.socket_protocol;
		return;
	case L_S_FILTER_LEN:
		out->i = o->sockopt.filter_len;
		return;
	case L_S_FILTER_TRUNC:
		out->b = o->sockopt.is_filter_truncated;
		return;
	case L_S_FILTER_TEXT:
		out->s = sv_of(o->sockopt.filter_instructions);
		return;
	case L_S_FILTER_HASH:
		out->s = sv_of(o->sockopt.filter_hash);
		return;
	case L_S_PRCTL_OPTION:
		out->i = o->prctl.option;
		return;
	case L_S_PRCTL_NAME:
		out->s = sv_of(o->prctl.new_name);
		return;
	case L_S_PRCTL_TRUNC:
		out->b = o->prctl.is_name_truncated;
		return;
	case L_S_CGROUP_PID:
		out->i = o->cgroup_pid;
		return;
	case L_S_SELINUX_STATUS:
		out->s = sv_of(o->selinux.enforce_status);
		return;
	case L_S_SELINUX_BOOL:
		out->s = sv_of(o->selinux.bool_name);
		return;
	case L_S_SELINUX_STATE:
		out->s = sv_of(o->selinux.bool_state);
		return;
	case L_S_SELINUX_COMMIT:
		out->b = o->selinux.commit_state;
		return;
	case L_N_SRC_PUBLIC:
		out->b = o->net.source.family &&
			 secl_ip_is_public(o->net.source.ip);
		return;
	case L_N_DST_PUBLIC:
		out->b = o->net.destination.family &&
			 secl_ip_is_public(o->net.destination.ip);
		return;
	case L_PK_FILTER: {
		/* "<wire length>:<hex bytes>", what secl_pcap_run reads. */
		struct sv d = sv_of(o->packet.data);
		char *b;
		int n;

		if (!d.n)
			return;
		b = secl_scratch(x, d.n + 16);
		if (!b)
			return;
		n = snprintf(b, 16, "%u:", o->net.size);
		memcpy(b + n, d.p, d.n);
		out->s.p = b;
		out->s.n = (uint32_t)n + d.n;
		return;
	}
	}
}

void secl_field_get(struct ectx *x, const struct fref *f, struct val *out)
{
	if (f->off >= 0) {
		out->kind = f->kind;
		if (f->kind == VK_STR) {
			out->s.p = secl_direct_str(x->ev, f);
			out->s.n = (uint32_t)strnlen(out->s.p, UINT32_MAX / 2);
		} else if (f->kind == VK_BOOL) {
			out->b = secl_direct_int(x->ev, f) != 0;
		} else {
			out->i = secl_direct_int(x->ev, f);
		}
		return;
	}
	leaf_get(x, f, f->iter ? (uint32_t)x->reg : 0, out);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool emit(struct ectx *x, const struct visit *v, const char *p,
		 uint32_t n)
{
	struct val val;

	val.kind = VK_STR;
	val.s.p = p;
	val.s.n = n;
	return v->fn(x, v, &val);
}

/* Datadog's args_flags of one argument. */
static bool visit_flags(struct ectx *x, const struct visit *v, const char *a)
{
	size_t len = a ? strlen(a) : 0, i;
	const char *name;
	size_t nl;
	bool flag = true, option = false;

	if (len <= 1 || a[0] != '-')
		return false;
	name = a + 1;
	nl = len - 1;
	if (name[0] == '-') {
		name++;
		nl--;
		flag = false;
	}
	for (i = 0; i < nl; i++) {
		flag = flag && is_alnum(name[i]);
		option = option || name[i] == '=';
	}
	if (nl == 0)
		return false;
	if (flag)
		for (i = 0; i < nl; i++)
			if (emit(x, v, name + i, 1))
				return true;
	if (!option && nl > 1)
		return emit(x, v, name, (uint32_t)nl);
	return false;
}

/* Datadog's args_options: name=value pairs. */
static bool visit_options(struct ectx *x, const struct visit *v,
			  const struct cws_strv *av)
{
	uint32_t i;

	for (i = 1; i < av->n; i++) {
		const char *a = av->v[i] ? av->v[i] : "";
		size_t len = strlen(a), nl;
		const char *name;

		if (len <= 1 || a[0] != '-')
			continue;
		name = a + 1;
		nl = len - 1;
		if (nl > 1 && name[0] == '-') {
			name++;
			nl--;
		}
		if (!nl || !is_alnum(name[0]))
			continue;
		if (memchr(name, '=', nl)) {
			if (emit(x, v, name, (uint32_t)nl))
				return true;
			continue;
		}
		if (i + 1 < av->n) {
			const char *next = av->v[i + 1] ? av->v[i + 1] : "";

			if (next[0] != '-') {
				size_t vl = strlen(next);
				char *buf = secl_scratch(x, nl + 1 + vl);

				i++;
				/* Out of scratch memory: the option is lost. */
				if (!buf)
					continue;
				memcpy(buf, name, nl);
				buf[nl] = '=';
				memcpy(buf + nl + 1, next, vl);
				if (emit(x, v, buf, (uint32_t)(nl + 1 + vl)))
					return true;
			}
		}
	}
	return false;
}

static bool leaf_visit(struct ectx *x, const struct fref *f, uint32_t idx,
		       const struct visit *v)
{
	const struct cws_process *p;
	const struct cws_strv *av;
	struct val val;
	uint32_t i;

	if (!(f->flags & FL_MULTI)) {
		leaf_get(x, f, idx, &val);
		return v->fn(x, v, &val);
	}
	switch (f->leaf) {
	case L_P_ARGV:
		p = proc_at(x, f, idx);
		av = argv_of(x, f, p);
		for (i = 1; i < av->n && av->v; i++) {
			struct sv s = sv_of(av->v[i]);

			if (emit(x, v, s.p, s.n))
				return true;
		}
		return false;
	case L_P_FLAGS:
		p = proc_at(x, f, idx);
		av = argv_of(x, f, p);
		for (i = 1; i < av->n && av->v; i++)
			if (visit_flags(x, v, av->v[i]))
				return true;
		return false;
	case L_P_OPTIONS:
		p = proc_at(x, f, idx);
		av = argv_of(x, f, p);
		return av->v ? visit_options(x, v, av) : false;
	case L_O_HELPERS: {
		const uint64_t *w = x->ev->obj.prog_helpers;

		val.kind = VK_INT;
		for (i = 0; i < 192; i++) {
			if (!((w[i / 64] >> (i % 64)) & 1))
				continue;
			val.i = i;
			if (v->fn(x, v, &val))
				return true;
		}
		return false;
	}
	case L_P_ENVS:
	case L_P_ENVP:
	case L_P_CONT_TAGS: {
		const struct cws_strv *ev_ = NULL;

		p = proc_at(x, f, idx);
		ev_ = f->leaf == L_P_ENVS ? &p->envs :
		      f->leaf == L_P_ENVP ? &p->envp :
					    &p->container_tags;
		for (i = 0; i < ev_->n && ev_->v; i++) {
			struct sv s = sv_of(ev_->v[i]);

			if (emit(x, v, s.p, s.n))
				return true;
		}
		return false;
	}
	case L_O_ARGV: {
		/* load_module.argv: the module arguments split at spaces */
		struct sv s = sv_of(x->ev->obj.args);
		uint32_t k = 0, start;

		while (k < s.n) {
			while (k < s.n && s.p[k] == ' ')
				k++;
			start = k;
			while (k < s.n && s.p[k] != ' ')
				k++;
			if (k > start && emit(x, v, s.p + start, k - start))
				return true;
		}
		return false;
	}
	case L_S_FILTER_IMM: {
		/* setsockopt.used_immediates: the filter's K constants */
		const struct cws_i64v *a = &x->ev->obj.sockopt.used_immediates;

		for (i = 0; i < a->n && a->v; i++) {
			val.kind = VK_INT;
			val.i = a->v[i];
			if (v->fn(x, v, &val))
				return true;
		}
		return false;
	}
	}
	return false; /* unbacked arrays are empty */
}

bool secl_field_visit(struct ectx *x, const struct fref *f,
		      const struct visit *v)
{
	if (f->root == R_ANC && !f->iter) {
		uint32_t n = x->ev->ancestors ? x->ev->nancestors : 0, i;

		for (i = 0; i < n; i++)
			if (leaf_visit(x, f, i, v))
				return true;
		return false;
	}
	return leaf_visit(x, f, f->iter ? (uint32_t)x->reg : 0, v);
}
