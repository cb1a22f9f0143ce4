/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The question name of a DNS query, from its wire form (labels) to the
 * dotted text the dns event carries. Plain C over two buffers, with no
 * helper and no kernel type: the classifier (dns.bpf.h) inlines it, and
 * tests/fuzz/dns_fuzz.c runs the same code in user space on any bytes.
 * The includer provides __u8, __u32 and __always_inline.
 *
 * Every index is bounded by a constant and masked, for the verifier.
 */
#ifndef CWS_DNS_NAME_H
#define CWS_DNS_NAME_H

#define DNS_NAME_WIRE 256 /* bytes of a question name on the wire, max */

/*
 * Decodes wire[0..n) into out (DNS_NAME_WIRE bytes, not terminated);
 * returns the text's length, or -1 for a name that is empty, holds a
 * compression pointer (none in a question) or a label type, or runs past
 * n or DNS_NAME_WIRE - 1 bytes. The wire form is then the length plus 2.
 */
static __always_inline long dns_name_decode(const __u8 *wire, __u32 n,
					    char *out)
{
	__u32 i, o = 0, rem = 0;

	for (i = 0; i < DNS_NAME_WIRE - 1; i++) {
		__u8 c;

		if (i >= n)
			return -1;
		c = wire[i];
		if (!rem) {
			if (!c)
				return o ? (long)o : -1;
			if (c & 0xc0)
				return -1; /* a pointer: not in a question */
			rem = c;
			if (o) {
				if (o >= DNS_NAME_WIRE - 1)
					return -1;
				out[o & (DNS_NAME_WIRE - 1)] = '.';
				o++;
			}
			continue;
		}
		if (o >= DNS_NAME_WIRE - 1)
			return -1;
		out[o & (DNS_NAME_WIRE - 1)] = c;
		o++;
		rem--;
	}
	return -1;
}

#endif
