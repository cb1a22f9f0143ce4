/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the DNS classifier's parsing of a query
 * (bpf/dns.bpf.h, bpf/dns_name.h), run in user space: the input is a DNS
 * message as it follows the UDP header, read as dns_tc reads it (queries
 * with a question only, the name from the wire, at most DNS_NAME_WIRE
 * bytes of it, then its type and class). The decoder must agree with a
 * plain reading of RFC 1035 (labels of at most 63 bytes, 255 bytes of
 * wire at most, no pointer in a question), byte for byte.
 */
#include <linux/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* glibc's <sys/cdefs.h> defines __always_inline as the kernel does. */
#include "../../bpf/dns_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 1035 section 3.1 and 4.1.4, written plainly. */
static long reference(const uint8_t *w, size_t n, char *out)
{
	size_t i = 0, o = 0, l;

	for (;;) {
		if (i >= n)
			return -1;
		l = w[i++];
		if (!l)
			break;
		if (l > 63 || i + l > n)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, w + i, l);
		o += l;
		i += l;
		/* The zero that ends the name must be within 255 bytes. */
		if (i > DNS_NAME_WIRE - 2)
			return -1;
	}
	return o ? (long)o : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[DNS_NAME_WIRE], want[DNS_NAME_WIRE + 64];
	static __u8 wire[DNS_NAME_WIRE];
	__u32 n, ln;
	long name, ref;

	/* The header, a query (QR clear) with a question. */
	if (size < 12 || (data[2] & 0x80) || !(data[4] << 8 | data[5]))
		return 0;
	n = size - 12 > DNS_NAME_WIRE ? DNS_NAME_WIRE : (__u32)(size - 12);
	if (n < 2)
		return 0;
	ln = ((n - 1) & (DNS_NAME_WIRE - 1)) + 1;
	if (ln != n)
		abort();
	memcpy(wire, data + 12, ln);
	memset(out, 0, sizeof(out));
	name = dns_name_decode(wire, ln, out);
	ref = reference(data + 12, size - 12, want);
	if (name != ref || name == 0 || name > DNS_NAME_WIRE - 3)
		abort();
	if (name > 0 && memcmp(out, want, (size_t)name))
		abort();
	/* Type and class follow the name's final zero: inside the wire read. */
	if (name > 0 && (size_t)name + 2 > size - 12)
		abort();
	return 0;
}
