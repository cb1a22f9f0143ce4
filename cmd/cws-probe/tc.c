/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The classifiers (bpf/netev.bpf.h: dns, imds, packet) on the clsact
 * egress hook of every non-loopback interface of the probe's network
 * namespace, with libbpf's
 * bpf_tc_* calls, at the priority and handle of
 * runtime_security_config.network.classifier_priority and
 * classifier_handle (Datadog's keys and defaults: 10, and 0 for a handle
 * the kernel picks), and on the ingress hooks too when
 * runtime_security_config.network.ingress.enabled or when imds or packet
 * events are wanted (both directions). Interfaces that come
 * up later are found through rtnetlink (cws_tc_poll, from the probe's
 * loop). A clsact qdisc is made where there is none. The
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
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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
	       (!strcmp(info.name, "dns__tc_egress") ||
		!strcmp(info.name, "dns__tc_ingress"));
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

/* Attaches to one hook of one interface; true when it did. */
static bool attach_one(struct cws_tc *t, int ifindex, const char *ifname,
		       enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts,
			    .prog_fd = point == BPF_TC_INGRESS ? t->ingress_fd :
								 t->prog_fd,
			    .priority = t->priority, .handle = t->handle);
	const char *dir = point == BPF_TC_INGRESS ? "ingress" : "egress";
	int err;

	if (t->n >= CWS_TC_MAX)
		return false;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		cws_warnx("network: cannot add a clsact qdisc to %s: %s",
			  ifname, strerror(-err));
		return false;
	}
	remove_stale(&hook, ifname, t->priority);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		cws_warnx(
			"network: cannot attach the DNS classifier to %s %s at priority %u handle %#x: %s",
			ifname, dir, t->priority, t->handle, strerror(-err));
		return false;
	}
	t->att[t->n].ifindex = ifindex;
	t->att[t->n].point = point;
	t->att[t->n].priority = opts.priority;
	t->att[t->n].handle = opts.handle;
	snprintf(t->att[t->n].name, sizeof(t->att[t->n].name), "%s", ifname);
	cws_info("network: DNS classifier on %s %s, priority %u, handle %#x",
		 ifname, dir, opts.priority, opts.handle);
	t->n++;
	return true;
}

/* The hooks asked for on one interface, unless it is the loopback. */
static void attach_if(struct cws_tc *t, int ifindex, const char *ifname)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool lo = sock >= 0 && is_loopback(sock, ifname);
	unsigned i;

	if (sock >= 0)
		close(sock);
	if (lo)
		return;
	for (i = 0; i < t->n; i++)
		if (t->att[i].ifindex == ifindex)
			return; /* already there */
	attach_one(t, ifindex, ifname, BPF_TC_EGRESS);
	if (t->ingress)
		attach_one(t, ifindex, ifname, BPF_TC_INGRESS);
}

/* An rtnetlink socket told of new links, non-blocking; -1 on failure. */
static int open_netlink(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

int cws_tc_attach(struct cws_tc *t, int prog_fd, int ingress_fd,
		  uint32_t priority, uint32_t handle, bool ingress)
{
	struct if_nameindex *ifs, *i;

	memset(t, 0, sizeof(*t));
	t->prog_fd = prog_fd;
	t->ingress_fd = ingress_fd;
	t->priority = priority;
	t->handle = handle;
	t->ingress = ingress;
	t->nl = -1;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++)
		attach_if(t, (int)i->if_index, i->if_name);
	if_freenameindex(ifs);
	t->nl = open_netlink();
	if (t->nl < 0)
		cws_warnx(
			"network: no netlink socket (%s): interfaces added later will not be watched",
			strerror(errno));
	return 0;
}

void cws_tc_poll(struct cws_tc *t)
{
	char buf[8192], name[IF_NAMESIZE];
	ssize_t n;

	if (t->nl < 0)
		return;
	while ((n = recv(t->nl, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct ifinfomsg *ifi = NLMSG_DATA(h);

			if (h->nlmsg_type != RTM_NEWLINK ||
			    !(ifi->ifi_flags & IFF_UP) ||
			    !if_indextoname((unsigned)ifi->ifi_index, name))
				continue;
			attach_if(t, ifi->ifi_index, name);
		}
	}
}

void cws_tc_detach(struct cws_tc *t)
{
	unsigned i;

	for (i = 0; i < t->n; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook,
				    .ifindex = t->att[i].ifindex,
				    .attach_point = t->att[i].point);
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
	if (t->nl >= 0)
		close(t->nl);
	t->nl = -1;
}
