/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DNS classifier (bpf/dns.bpf.h) on the clsact egress hook of every
 * non-loopback interface of the probe's network namespace, with libbpf's
 * bpf_tc_* calls, at the priority and handle of
 * runtime_security_config.network.classifier_priority and
 * classifier_handle (Datadog's keys and defaults: 10, and 0 for a handle
 * the kernel picks). A clsact qdisc is made where there is none. The
 * classifier returns TC_ACT_UNSPEC, so the other filters on the hook
 * decide what happens to the packet; a filter already at our priority
 * and handle is left alone and that interface is reported, not taken
 * over. At exit exactly the filters added here are removed; the qdisc
 * stays (another tool may have added filters to it meanwhile).
 */
#include "compat.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probe.h"

/* Handles scanned for classifiers a killed cws-probe left behind. */
#define STALE_HANDLES 64

/* Whether program id is our classifier (its name). */
static bool is_ours(uint32_t id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strcmp(info.name, "dns__tc_egress");
	close(fd);
	return ours;
}

/*
 * A cws-probe that was killed (SIGKILL, a crash) could not remove its
 * classifier: at our priority, the filters running our program are
 * removed before a new one goes on. Another product's filter at the same
 * priority is left alone.
 */
static void remove_stale(struct bpf_tc_hook *hook, const char *ifname,
			 uint32_t priority)
{
	uint32_t h;

	for (h = 1; h <= STALE_HANDLES; h++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .priority = priority,
				    .handle = h);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, d, .priority = priority,
				    .handle = h);

		if (bpf_tc_query(hook, &q) || !is_ours(q.prog_id))
			continue;
		if (!bpf_tc_detach(hook, &d))
			cws_info(
				"network: removed a DNS classifier an earlier cws-probe left on %s (handle %#x)",
				ifname, h);
	}
}

static bool is_loopback(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 &&
	       (ifr.ifr_flags & IFF_LOOPBACK);
}

int cws_tc_attach(struct cws_tc *t, int prog_fd, uint32_t priority,
		  uint32_t handle)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int sock, err;

	memset(t, 0, sizeof(*t));
	if (!ifs)
		return -errno;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = ifs; i->if_index && t->n < CWS_TC_MAX; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook,
				    .ifindex = (int)i->if_index,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
				    .priority = priority, .handle = handle);

		if (sock >= 0 && is_loopback(sock, i->if_name))
			continue;
		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST) {
			cws_warnx(
				"network: cannot add a clsact qdisc to %s: %s",
				i->if_name, strerror(-err));
			continue;
		}
		remove_stale(&hook, i->if_name, priority);
		err = bpf_tc_attach(&hook, &opts);
		if (err) {
			cws_warnx(
				"network: cannot attach the DNS classifier to %s egress at priority %u handle %#x: %s",
				i->if_name, priority, handle, strerror(-err));
			continue;
		}
		t->att[t->n].ifindex = (int)i->if_index;
		t->att[t->n].priority = opts.priority;
		t->att[t->n].handle = opts.handle;
		snprintf(t->att[t->n].name, sizeof(t->att[t->n].name), "%s",
			 i->if_name);
		cws_info(
			"network: DNS classifier on %s egress, priority %u, handle %#x",
			i->if_name, opts.priority, opts.handle);
		t->n++;
	}
	if (sock >= 0)
		close(sock);
	if_freenameindex(ifs);
	return 0;
}

void cws_tc_detach(struct cws_tc *t)
{
	unsigned i;

	for (i = 0; i < t->n; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook,
				    .ifindex = t->att[i].ifindex,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts,
				    .priority = t->att[i].priority,
				    .handle = t->att[i].handle);
		int err = bpf_tc_detach(&hook, &opts);

		/* Gone with its interface: nothing left to remove. */
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			cws_warnx(
				"network: cannot remove the DNS classifier from %s: %s",
				t->att[i].name, strerror(-err));
	}
	t->n = 0;
}
