/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger-net: the socket calls a network-event test looks for, in
 * one process, on the loopback address of the family asked for:
 *
 *   cws-trigger-net 4|6
 *
 * A TCP socket is bound to an ephemeral port and listens (bind), a
 * second connects to it (connect), the first accepts (accept4), and a
 * third connects to a port nobody listens on (connect, ECONNREFUSED).
 * Prints one line: "PID LISTEN_PORT CLIENT_PORT REFUSED_PORT". Exits 0,
 * 1 when a step fails (with a line on stderr), 2 on a usage error.
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

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family, lfd, cfd, afd, rfd;
	unsigned lport, rport;

	if (argc != 2 || (strcmp(argv[1], "4") && strcmp(argv[1], "6"))) {
		fprintf(stderr, "usage: cws-trigger-net 4|6\n");
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
