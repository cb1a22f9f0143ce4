/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger-dns: sends one DNS query with sendto(2), as a stub resolver
 * does, and exits without waiting for an answer:
 *
 *   cws-trigger-dns SERVER NAME [TYPE]
 *
 * SERVER is an IPv4 or IPv6 address (port 53), NAME the question
 * ("example.com"), TYPE its numeric type (1, A, by default). The query id
 * is the low 16 bits of the pid. Prints "PID ID". Exits 0; 1 when the
 * send fails; 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned char msg[512];
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t n = 12;
	const char *p, *dot;
	unsigned id = (unsigned)getpid() & 0xffff, type = 1;
	int fd;

	if (argc < 3 || argc > 4 || strlen(argv[2]) > 253) {
		fprintf(stderr, "usage: cws-trigger-dns SERVER NAME [TYPE]\n");
		return 2;
	}
	if (argc == 4)
		type = (unsigned)strtoul(argv[3], NULL, 10);
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[1],
		      &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(53);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[1],
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(53);
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "cws-trigger-dns: '%s' is not an address\n",
			argv[1]);
		return 2;
	}
	memset(msg, 0, sizeof(msg));
	msg[0] = (unsigned char)(id >> 8);
	msg[1] = (unsigned char)id;
	msg[2] = 0x01; /* RD */
	msg[5] = 1; /* one question */
	for (p = argv[2]; *p; p = *dot ? dot + 1 : dot) {
		size_t l;

		dot = strchr(p, '.');
		if (!dot)
			dot = p + strlen(p);
		l = (size_t)(dot - p);
		if (!l || l > 63) {
			fprintf(stderr, "cws-trigger-dns: bad label in '%s'\n",
				argv[2]);
			return 2;
		}
		msg[n++] = (unsigned char)l;
		memcpy(msg + n, p, l);
		n += l;
	}
	msg[n++] = 0;
	msg[n++] = (unsigned char)(type >> 8);
	msg[n++] = (unsigned char)type;
	msg[n++] = 0;
	msg[n++] = 1; /* IN */
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || sendto(fd, msg, n, 0, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "cws-trigger-dns: %s\n", strerror(errno));
		return 1;
	}
	printf("%d %u\n", (int)getpid(), id);
	return 0;
}
