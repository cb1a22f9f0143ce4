/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger-net: the socket calls a network-event test looks for, in
 * one process, on the loopback address of the family asked for:
 *
 *   cws-trigger-net 4|6
 *   cws-trigger-net listen ADDR PORT    (accepts one connection)
 *   cws-trigger-net connect ADDR PORT
 *
 * A TCP socket is bound to an ephemeral port and listens (bind), a
 * second connects to it (connect), the first accepts (accept4), and a
 * third connects to a port nobody listens on (connect, ECONNREFUSED).
 * Prints one line: "PID LISTEN_PORT CLIENT_PORT REFUSED_PORT". Exits 0,
 * 1 when a step fails (with a line on stderr), 2 on a usage error.
 *
 * listen binds ADDR:PORT (IPv4), prints "PID" once it listens, accepts
 * one connection and prints "PEER_PORT". connect connects to ADDR:PORT
 * and prints "PID LOCAL_PORT RESULT" (0, or the negative errno).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "cws-trigger-net: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t loopback(int family, struct sockaddr_storage *ss,
			  unsigned port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_loopback;
		return sizeof(*in6);
	}
}

static unsigned port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	return ss.ss_family == AF_INET ?
		       ntohs(((struct sockaddr_in *)&ss)->sin_port) :
		       ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static socklen_t v4(struct sockaddr_in *in, const char *addr, const char *port)
{
	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)strtoul(port, NULL, 10));
	if (inet_pton(AF_INET, addr, &in->sin_addr) != 1) {
		fprintf(stderr, "cws-trigger-net: '%s' is not an address\n",
			addr);
		exit(2);
	}
	return sizeof(*in);
}

static int two_sided(int argc, char **argv)
{
	struct sockaddr_in in;
	socklen_t len = v4(&in, argv[2], argv[3]);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, afd, r = 0;

	if (fd < 0)
		die("socket");
	(void)argc;
	if (!strcmp(argv[1], "listen")) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&in, len) || listen(fd, 4))
			die("bind/listen");
		printf("%d\n", (int)getpid());
		fflush(stdout);
		len = sizeof(in);
		afd = accept(fd, (struct sockaddr *)&in, &len);
		if (afd < 0)
			die("accept");
		printf("%u\n", ntohs(in.sin_port));
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&in, len))
		r = -errno;
	printf("%d %u %d\n", (int)getpid(), port_of(fd), r);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family, lfd, cfd, afd, rfd;
	unsigned lport, rport;

	if (argc == 4 &&
	    (!strcmp(argv[1], "listen") || !strcmp(argv[1], "connect")))
		return two_sided(argc, argv);
	if (argc != 2 || (strcmp(argv[1], "4") && strcmp(argv[1], "6"))) {
		fprintf(stderr,
			"usage: cws-trigger-net 4|6 | listen|connect ADDR PORT\n");
		return 2;
	}
	family = argv[1][0] == '4' ? AF_INET : AF_INET6;

	/* A port nobody listens on: bound, then closed without listening. */
	rfd = socket(family, SOCK_STREAM, 0);
	if (rfd < 0)
		die("socket");
	len = loopback(family, &ss, 0);
	if (bind(rfd, (struct sockaddr *)&ss, len))
		die("bind (refused port)");
	rport = port_of(rfd);
	close(rfd);

	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	len = loopback(family, &ss, 0);
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 4))
		die("bind/listen");
	lport = port_of(lfd);

	cfd = socket(family, SOCK_STREAM, 0);
	if (cfd < 0)
		die("socket");
	len = loopback(family, &ss, lport);
	if (connect(cfd, (struct sockaddr *)&ss, len))
		die("connect");
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0)
		die("accept4");

	rfd = socket(family, SOCK_STREAM, 0);
	if (rfd < 0)
		die("socket");
	len = loopback(family, &ss, rport);
	if (!connect(rfd, (struct sockaddr *)&ss, len) || errno != ECONNREFUSED)
		die("connect to a closed port did not fail with ECONNREFUSED");

	printf("%d %u %u %u\n", (int)getpid(), lport, port_of(cfd), rport);
	return 0;
}
