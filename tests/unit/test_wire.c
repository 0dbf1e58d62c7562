/* Unit tests for src/wire.c: the linkname v1 datagram codec. The examples
 * of docs/PROTOCOL.md section 10 are checked, decoded and encoded, by
 * test_vectors from tests/vectors/; the datagrams below are some of them,
 * as the material the edge cases here are cut from. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* PROTOCOL.md 10.1: ANNOUNCE "Pi-Lab", fe80::1c2b:3aff:fe4d:5e6f, 120 s. */
static const uint8_t doc_announce[] = {
	0x4c, 0x4e, 0x01, 0x01, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x50, 0x69, 0x2d, 0x4c,
	0x61, 0x62, 0x00, 0x02, 0x00, 0x10, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x2b,
	0x3a, 0xff, 0xfe, 0x4d, 0x5e, 0x6f, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x78,
};

/* PROTOCOL.md 10.2, in the text: SOLICIT without a NAME. */
static const uint8_t doc_solicit_all[] = {
	0x4c, 0x4e, 0x01, 0x03, 0x00, 0x08, 0x00, 0x00,
};

/* PROTOCOL.md 10.2: SOLICIT for "printer". */
static const uint8_t doc_solicit[] = {
	0x4c, 0x4e, 0x01, 0x03, 0x00, 0x13, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x70, 0x72, 0x69, 0x6e,
	0x74, 0x65, 0x72,
};

/* PROTOCOL.md 10.3: GOODBYE "Pi-Lab" with its address. */
static const uint8_t doc_goodbye[] = {
	0x4c, 0x4e, 0x01, 0x02, 0x00, 0x26, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x50, 0x69, 0x2d, 0x4c,
	0x61, 0x62, 0x00, 0x02, 0x00, 0x10, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x2b,
	0x3a, 0xff, 0xfe, 0x4d, 0x5e, 0x6f,
};

#define PI_LAB_ADDR	"fe80::1c2b:3aff:fe4d:5e6f"

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_addr(const struct in6_addr *a, const char *s)
{
	struct in6_addr want = addr6(s);

	assert_memory_equal(a, &want, sizeof(want));
}

/* A datagram under construction; big enough to go past WIRE_MAX_PACKET. */
struct pkt {
	uint8_t b[1400];
	size_t len;
};

static void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void pkt_hdr(struct pkt *p, uint8_t type)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = WIRE_MAGIC0;
	p->b[1] = WIRE_MAGIC1;
	p->b[2] = WIRE_VERSION;
	p->b[3] = type;
	p->len = WIRE_HDR_LEN;
}

static void pkt_tlv(struct pkt *p, uint16_t type, const void *val, uint16_t vlen)
{
	assert_true(p->len + WIRE_TLV_HDR_LEN + vlen <= sizeof(p->b));
	pkt_put16(p->b + p->len, type);
	pkt_put16(p->b + p->len + 2, vlen);
	if (vlen)
		memcpy(p->b + p->len + WIRE_TLV_HDR_LEN, val, vlen);
	p->len += WIRE_TLV_HDR_LEN + vlen;
}

static void pkt_name(struct pkt *p, const char *name)
{
	pkt_tlv(p, WIRE_TLV_NAME, name, (uint16_t)strlen(name));
}

static void pkt_addr(struct pkt *p, const char *s)
{
	struct in6_addr a = addr6(s);

	pkt_tlv(p, WIRE_TLV_ADDRESS, &a, 16);
}

static void pkt_lifetime(struct pkt *p, uint32_t lt)
{
	uint8_t v[4] = { (uint8_t)(lt >> 24), (uint8_t)(lt >> 16), (uint8_t)(lt >> 8), (uint8_t)lt };

	pkt_tlv(p, WIRE_TLV_LIFETIME, v, 4);
}

static void pkt_raw(struct pkt *p, const void *v, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

/* Set the header length to the datagram length, then decode. */
static enum wire_err pkt_decode(struct pkt *p, struct wire_msg *m)
{
	pkt_put16(p->b + 4, (uint16_t)p->len);
	return wire_decode(p->b, p->len, m);
}

/* A valid ANNOUNCE "h1" fe80::1 120 s, to be extended by the caller. */
static void pkt_announce(struct pkt *p)
{
	pkt_hdr(p, WIRE_ANNOUNCE);
	pkt_name(p, "h1");
	pkt_addr(p, "fe80::1");
	pkt_lifetime(p, 120);
}

static void msg_init(struct wire_msg *m, uint8_t type, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (name) {
		m->name_len = (uint8_t)strlen(name);
		memcpy(m->name, name, m->name_len);
	}
}

/* ---- round trips ---- */

static void assert_roundtrip(const struct wire_msg *in)
{
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg out;
	unsigned int i;
	int n;

	n = wire_encode(in, buf, sizeof(buf));
	assert_true(n >= WIRE_HDR_LEN);
	assert_int_equal(buf[4] << 8 | buf[5], n);
	assert_int_equal(wire_decode(buf, (size_t)n, &out), WIRE_OK);
	assert_int_equal(out.type, in->type);
	assert_int_equal(out.name_len, in->name_len);
	assert_memory_equal(out.name, in->name, in->name_len);
	assert_int_equal(out.name[out.name_len], '\0');
	if (in->type == WIRE_SOLICIT) {
		assert_int_equal(out.naddrs, 0);
	} else {
		assert_int_equal(out.naddrs, in->naddrs);
		for (i = 0; i < in->naddrs; i++)
			assert_memory_equal(&out.addrs[i], &in->addrs[i], 16);
	}
	assert_int_equal(out.lifetime, in->type == WIRE_ANNOUNCE ? in->lifetime : 0);
}

static void test_roundtrip(void **state)
{
	const char *name63 = "a23456789012345678901234567890123456789012345678901234567890-Zz";
	struct wire_msg m;
	unsigned int i;

	(void)state;
	assert_int_equal(strlen(name63), WIRE_NAME_MAX);

	/* ANNOUNCE: smallest and largest. */
	msg_init(&m, WIRE_ANNOUNCE, "x");
	m.naddrs = 1;
	m.addrs[0] = addr6("fe80::1");
	m.lifetime = 1;
	assert_roundtrip(&m);
	msg_init(&m, WIRE_ANNOUNCE, name63);
	m.naddrs = WIRE_MAX_ADDRS;
	for (i = 0; i < WIRE_MAX_ADDRS; i++) {
		m.addrs[i] = addr6("febf:ffff:ffff:ffff:ffff:ffff:ffff:ff00");
		m.addrs[i].s6_addr[15] = (uint8_t)i;
	}
	m.lifetime = WIRE_LIFETIME_MAX;
	assert_roundtrip(&m);
	/* 8 + (4 + 63) + 8 * (4 + 16) + (4 + 4): PROTOCOL.md section 9. */
	{
		uint8_t buf[WIRE_MAX_PACKET];

		assert_int_equal(wire_encode(&m, buf, sizeof(buf)), 243);
		/* Signed: + (4 + 8) TIMESTAMP + (4 + 32) MAC (issue 13, point 16). */
		m.timestamp = 1700000000000ull;
		m.has_mac = 1;
		assert_int_equal(wire_encode(&m, buf, sizeof(buf)), 291);
		m.timestamp = 0;
		m.has_mac = 0;
	}

	/* GOODBYE without and with addresses. */
	msg_init(&m, WIRE_GOODBYE, "Pi-Lab");
	assert_roundtrip(&m);
	m.naddrs = 3;
	m.addrs[0] = addr6("fe80::1");
	m.addrs[1] = addr6("fe80::2");
	m.addrs[2] = addr6(PI_LAB_ADDR);
	assert_roundtrip(&m);

	/* SOLICIT without and with a name. */
	msg_init(&m, WIRE_SOLICIT, NULL);
	assert_roundtrip(&m);
	msg_init(&m, WIRE_SOLICIT, "Printer-2");
	assert_roundtrip(&m);
}

/* ---- malformed datagrams ---- */

static void test_short(void **state)
{
	struct wire_msg m;
	size_t n;

	(void)state;
	assert_int_equal(wire_decode(doc_announce, 0, &m), WIRE_ERR_SHORT);
	for (n = 1; n < WIRE_HDR_LEN; n++)
		assert_int_equal(wire_decode(doc_solicit_all, n, &m), WIRE_ERR_SHORT);
	/* The header alone is enough for a SOLICIT. */
	assert_int_equal(wire_decode(doc_solicit_all, WIRE_HDR_LEN, &m), WIRE_OK);
}

/* Every prefix of a valid ANNOUNCE fails: first as is (the header length no
 * longer matches), then with the header length fixed up to the prefix. */
static void test_truncations(void **state)
{
	uint8_t buf[sizeof(doc_announce)];
	struct wire_msg m;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(doc_announce); n++) {
		enum wire_err want = n < WIRE_HDR_LEN ? WIRE_ERR_SHORT : WIRE_ERR_LENGTH;

		assert_int_equal(wire_decode(doc_announce, n, &m), want);
	}
	for (n = WIRE_HDR_LEN; n < sizeof(doc_announce); n++) {
		enum wire_err want;

		memcpy(buf, doc_announce, n);
		pkt_put16(buf + 4, (uint16_t)n);
		/* Cut at a TLV boundary (after the header, NAME, ADDRESS), the
		 * rest parses but a required field is missing; elsewhere a TLV is
		 * cut short. */
		if (n == 8 || n == 18 || n == 38)
			want = WIRE_ERR_MISSING;
		else
			want = WIRE_ERR_TLV;
		assert_int_equal(wire_decode(buf, n, &m), want);
	}
	memcpy(buf, doc_announce, sizeof(buf));
	assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_OK);
}

static void test_length_field(void **state)
{
	uint8_t buf[sizeof(doc_announce) + 1];
	struct wire_msg m;

	(void)state;
	memcpy(buf, doc_announce, sizeof(doc_announce));
	/* Header says more than the datagram holds. */
	pkt_put16(buf + 4, sizeof(doc_announce) + 1);
	assert_int_equal(wire_decode(buf, sizeof(doc_announce), &m), WIRE_ERR_LENGTH);
	pkt_put16(buf + 4, 0xffff);
	assert_int_equal(wire_decode(buf, sizeof(doc_announce), &m), WIRE_ERR_LENGTH);
	/* Header says less. */
	pkt_put16(buf + 4, sizeof(doc_announce) - 1);
	assert_int_equal(wire_decode(buf, sizeof(doc_announce), &m), WIRE_ERR_LENGTH);
	pkt_put16(buf + 4, 0);
	assert_int_equal(wire_decode(buf, sizeof(doc_announce), &m), WIRE_ERR_LENGTH);
	/* A trailing octet after a datagram whose header is right. */
	pkt_put16(buf + 4, sizeof(doc_announce));
	buf[sizeof(doc_announce)] = 0;
	assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_ERR_LENGTH);
}

static void test_too_long(void **state)
{
	static uint8_t pad[WIRE_MAX_PACKET];
	struct wire_msg m;
	struct pkt p;
	size_t fill;

	(void)state;
	/* Exactly 1232 octets: an ANNOUNCE padded with an unknown optional TLV. */
	pkt_announce(&p);
	fill = WIRE_MAX_PACKET - p.len - WIRE_TLV_HDR_LEN;
	pkt_tlv(&p, 0x0100, pad, (uint16_t)fill);
	assert_int_equal(p.len, WIRE_MAX_PACKET);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_string_equal(m.name, "h1");

	/* One more octet. */
	pkt_announce(&p);
	pkt_tlv(&p, 0x0100, pad, (uint16_t)(fill + 1));
	assert_int_equal(p.len, WIRE_MAX_PACKET + 1);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TOO_LONG);
	/* Size is checked before anything else in the datagram. */
	memset(p.b, 0, sizeof(p.b));
	assert_int_equal(wire_decode(p.b, WIRE_MAX_PACKET + 1, &m), WIRE_ERR_TOO_LONG);
	assert_int_equal(wire_decode(p.b, sizeof(p.b), &m), WIRE_ERR_TOO_LONG);
}

static void test_header_fields(void **state)
{
	static const uint8_t bad_versions[] = { 0, 2, 0x81, 0xff };
	static const uint8_t bad_types[] = { 0, 4, 0x81, 0xff };
	uint8_t buf[sizeof(doc_announce)];
	struct wire_msg m;
	size_t i;

	(void)state;
	memcpy(buf, doc_announce, sizeof(buf));
	buf[0] = 0x6c;	/* 'l': lower case is not the magic */
	assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_ERR_MAGIC);
	memcpy(buf, doc_announce, sizeof(buf));
	buf[1] = 0x00;
	assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_ERR_MAGIC);
	memcpy(buf, doc_announce, sizeof(buf));
	buf[0] = WIRE_MAGIC1;
	buf[1] = WIRE_MAGIC0;
	assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_ERR_MAGIC);

	for (i = 0; i < sizeof(bad_versions); i++) {
		memcpy(buf, doc_announce, sizeof(buf));
		buf[2] = bad_versions[i];
		assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_ERR_VERSION);
	}
	for (i = 0; i < sizeof(bad_types); i++) {
		memcpy(buf, doc_announce, sizeof(buf));
		buf[3] = bad_types[i];
		assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_ERR_TYPE);
	}

	/* Reserved octets 6-7 are ignored whatever their value. */
	memcpy(buf, doc_announce, sizeof(buf));
	buf[6] = 0xff;
	buf[7] = 0xff;
	assert_int_equal(wire_decode(buf, sizeof(buf), &m), WIRE_OK);
	assert_string_equal(m.name, "Pi-Lab");
	assert_int_equal(m.lifetime, 120);
}

static void test_tlv_truncated(void **state)
{
	static const uint8_t junk[3] = { 0x00, 0x01, 0x00 };
	uint8_t val[8] = { 'a', 'b', 'c', 'd', 'e' };
	struct wire_msg m;
	struct pkt p;
	size_t n;

	(void)state;
	/* 1 to 3 octets left after the last TLV: no room for a TLV header. */
	for (n = 1; n < WIRE_TLV_HDR_LEN; n++) {
		pkt_announce(&p);
		pkt_raw(&p, junk, n);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	}
	/* A NAME that claims 10 octets with only 5 present. */
	pkt_announce(&p);
	pkt_tlv(&p, WIRE_TLV_NAME, val, 5);
	pkt_put16(p.b + p.len - 5 - 2, 10);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	/* An unknown optional TLV running past the end is not skipped either. */
	pkt_announce(&p);
	pkt_tlv(&p, 0x0040, val, 5);
	pkt_put16(p.b + p.len - 5 - 2, 6);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	/* Value length 0xffff. */
	pkt_announce(&p);
	pkt_tlv(&p, 0x0040, val, 0);
	pkt_put16(p.b + p.len - 2, 0xffff);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
}

static void test_tlv_fixed_lengths(void **state)
{
	static const uint8_t zero[32];
	uint8_t a17[17] = { 0xfe, 0x80 };
	struct wire_msg m;
	struct pkt p;

	(void)state;
	/* ADDRESS of 15, 17 and 0 octets. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_tlv(&p, WIRE_TLV_ADDRESS, a17, 15);
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_tlv(&p, WIRE_TLV_ADDRESS, a17, 17);
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	pkt_announce(&p);
	pkt_tlv(&p, WIRE_TLV_ADDRESS, zero, 0);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	/* Even in a SOLICIT, which ignores addresses. */
	pkt_hdr(&p, WIRE_SOLICIT);
	pkt_tlv(&p, WIRE_TLV_ADDRESS, a17, 17);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);

	/* LIFETIME of 3, 5 and 0 octets. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_tlv(&p, WIRE_TLV_LIFETIME, "\x00\x00\x78", 3);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_tlv(&p, WIRE_TLV_LIFETIME, "\x00\x00\x00\x78\x00", 5);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	pkt_hdr(&p, WIRE_GOODBYE);
	pkt_name(&p, "h1");
	pkt_tlv(&p, WIRE_TLV_LIFETIME, zero, 0);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
}

static void test_lifetime_range(void **state)
{
	struct wire_msg m;
	struct pkt p;

	(void)state;
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, 0);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_LIFETIME);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, WIRE_LIFETIME_MAX + 1);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_LIFETIME);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, 0xffffffffu);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_LIFETIME);

	/* The bounds themselves are fine. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, 1);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.lifetime, 1);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, WIRE_LIFETIME_MAX);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.lifetime, 86400);

	/* GOODBYE and SOLICIT ignore the value. */
	pkt_hdr(&p, WIRE_GOODBYE);
	pkt_name(&p, "h1");
	pkt_lifetime(&p, 0);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.lifetime, 0);
	pkt_hdr(&p, WIRE_SOLICIT);
	pkt_lifetime(&p, WIRE_LIFETIME_MAX + 1);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.lifetime, 0);
}

static void test_addresses(void **state)
{
	static const char *const bad[] = {
		"2001:db8::1", "fec0::1", "ff02::1:1", "::1", "::", "::ffff:192.0.2.1", "fe00::1",
	};
	struct wire_msg m;
	struct pkt p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pkt_hdr(&p, WIRE_ANNOUNCE);
		pkt_name(&p, "h1");
		pkt_addr(&p, "fe80::1");
		pkt_addr(&p, bad[i]);
		pkt_lifetime(&p, 120);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_ADDRESS);
		pkt_hdr(&p, WIRE_GOODBYE);
		pkt_name(&p, "h1");
		pkt_addr(&p, bad[i]);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_ADDRESS);
		/* A SOLICIT's addresses are ignored, so not checked. */
		pkt_hdr(&p, WIRE_SOLICIT);
		pkt_addr(&p, bad[i]);
		assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
		assert_int_equal(m.naddrs, 0);
	}
	/* Both ends of fe80::/10. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::");
	pkt_addr(&p, "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.naddrs, 2);
	assert_addr(&m.addrs[0], "fe80::");
	assert_addr(&m.addrs[1], "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	/* The address check comes after the TLV walk ... */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "2001:db8::1");
	pkt_lifetime(&p, 120);
	pkt_raw(&p, "\x00", 1);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_TLV);
	/* ... and before the check for missing fields. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_addr(&p, "2001:db8::1");
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_ADDRESS);
}

static void test_address_count(void **state)
{
	char s[32];
	struct wire_msg m;
	struct pkt p;
	unsigned int i;

	(void)state;
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	for (i = 1; i <= WIRE_MAX_ADDRS; i++) {
		snprintf(s, sizeof(s), "fe80::%u", i);
		pkt_addr(&p, s);
	}
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.naddrs, 8);
	assert_addr(&m.addrs[7], "fe80::8");
	pkt_addr(&p, "fe80::9");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);

	/* Counted in a SOLICIT too, although it ignores them. */
	pkt_hdr(&p, WIRE_SOLICIT);
	for (i = 1; i <= WIRE_MAX_ADDRS + 1; i++)
		pkt_addr(&p, "fe80::1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);
}

static void test_duplicates(void **state)
{
	struct wire_msg m;
	struct pkt p;

	(void)state;
	/* A second NAME, even the same one. */
	pkt_announce(&p);
	pkt_name(&p, "h1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);
	pkt_announce(&p);
	pkt_name(&p, "h2");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);
	/* A NAME with the critical bit is still a NAME. */
	pkt_announce(&p);
	pkt_tlv(&p, WIRE_TLV_CRITICAL | WIRE_TLV_NAME, "h1", 2);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);
	pkt_hdr(&p, WIRE_SOLICIT);
	pkt_name(&p, "a");
	pkt_name(&p, "b");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);

	/* A second LIFETIME, even the same one, even where it is ignored. */
	pkt_announce(&p);
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);
	pkt_announce(&p);
	pkt_lifetime(&p, 60);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);
	pkt_hdr(&p, WIRE_GOODBYE);
	pkt_name(&p, "h1");
	pkt_lifetime(&p, 0);
	pkt_lifetime(&p, 0);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_DUPLICATE);

	/* The same address twice is allowed (both kept). */
	pkt_announce(&p);
	pkt_addr(&p, "fe80::1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.naddrs, 2);
}

/* A name as a literal, embedded NULs included, without the terminator. */
#define NAME_LIT(s)	{ s, sizeof(s) - 1 }

static void test_bad_names(void **state)
{
	static const struct {
		const char *s;
		uint16_t len;
	} bad[] = {
		NAME_LIT(""),
		NAME_LIT("."),
		NAME_LIT("a.b"),
		NAME_LIT("h1."),
		NAME_LIT("a_b"),
		NAME_LIT("_x"),
		NAME_LIT("a b"),
		NAME_LIT(" "),
		NAME_LIT("-ab"),
		NAME_LIT("ab-"),
		NAME_LIT("-"),
		NAME_LIT("caf\xc3\xa9"),		/* UTF-8 */
		NAME_LIT("\xe2\x98\x83"),		/* UTF-8 snowman */
		NAME_LIT("a\x80"),
		NAME_LIT("\xff"),
		NAME_LIT("a\0b"),			/* NUL inside */
		NAME_LIT("ab\0"),			/* NUL terminator sent */
		NAME_LIT("a\tb"),
		NAME_LIT("a/b"),
	};
	char long64[WIRE_NAME_MAX + 1];
	struct wire_msg m;
	struct pkt p;
	size_t i;

	(void)state;
	/* 64 octets: one too many. */
	memset(long64, 'a', sizeof(long64));
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_tlv(&p, WIRE_TLV_NAME, long64, sizeof(long64));
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_NAME);
	pkt_hdr(&p, WIRE_SOLICIT);
	pkt_tlv(&p, WIRE_TLV_NAME, long64, sizeof(long64));
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_NAME);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pkt_hdr(&p, WIRE_ANNOUNCE);
		pkt_tlv(&p, WIRE_TLV_NAME, bad[i].s, bad[i].len);
		pkt_addr(&p, "fe80::1");
		pkt_lifetime(&p, 120);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_NAME);
		pkt_hdr(&p, WIRE_GOODBYE);
		pkt_tlv(&p, WIRE_TLV_NAME, bad[i].s, bad[i].len);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_NAME);
		pkt_hdr(&p, WIRE_SOLICIT);
		pkt_tlv(&p, WIRE_TLV_NAME, bad[i].s, bad[i].len);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_NAME);
	}
}

static void test_names_accepted(void **state)
{
	static const char *const good[] = {
		"a", "7", "0day", "a-b", "a--b", "xn--caf-dma", "MiXeD-Case9",
		"a23456789012345678901234567890123456789012345678901234567890123",
	};
	struct wire_msg m;
	struct pkt p;
	size_t i;

	(void)state;
	assert_int_equal(strlen(good[sizeof(good) / sizeof(good[0]) - 1]), WIRE_NAME_MAX);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pkt_hdr(&p, WIRE_ANNOUNCE);
		pkt_name(&p, good[i]);
		pkt_addr(&p, "fe80::1");
		pkt_lifetime(&p, 120);
		assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
		/* Stored exactly as announced: case preserved. */
		assert_true(strlen(good[i]) <= WIRE_NAME_MAX);
		assert_int_equal(m.name_len, strlen(good[i]));
		assert_string_equal(m.name, good[i]);
	}
}

static void test_missing(void **state)
{
	struct wire_msg m;
	struct pkt p;

	(void)state;
	/* ANNOUNCE without NAME, without ADDRESS, without LIFETIME. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_addr(&p, "fe80::1");
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_MISSING);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_lifetime(&p, 120);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_MISSING);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_name(&p, "h1");
	pkt_addr(&p, "fe80::1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_MISSING);
	pkt_hdr(&p, WIRE_ANNOUNCE);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_MISSING);

	/* GOODBYE without NAME. */
	pkt_hdr(&p, WIRE_GOODBYE);
	pkt_addr(&p, "fe80::1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_MISSING);
	pkt_hdr(&p, WIRE_GOODBYE);
	assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_MISSING);
	/* GOODBYE needs nothing else. */
	pkt_hdr(&p, WIRE_GOODBYE);
	pkt_name(&p, "h1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_int_equal(m.naddrs, 0);
}

static void test_unknown_tlvs(void **state)
{
	static const uint16_t optional[] = { 0x0000, 0x0006, 0x0040, 0x7fff };
	static const uint16_t critical[] = { 0x8000, 0x8006, 0x8040, 0xffff };
	static const uint8_t val[5] = { 1, 2, 3, 4, 5 };
	struct wire_msg m;
	struct pkt p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		/* First, in the middle (empty) and last: all skipped. */
		pkt_hdr(&p, WIRE_ANNOUNCE);
		pkt_tlv(&p, optional[i], val, sizeof(val));
		pkt_name(&p, "h1");
		pkt_tlv(&p, optional[i], val, 0);
		pkt_addr(&p, "fe80::1");
		pkt_lifetime(&p, 120);
		pkt_tlv(&p, optional[i], val, 3);
		assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
		assert_int_equal(m.type, WIRE_ANNOUNCE);
		assert_string_equal(m.name, "h1");
		assert_int_equal(m.naddrs, 1);
		assert_addr(&m.addrs[0], "fe80::1");
		assert_int_equal(m.lifetime, 120);
	}
	for (i = 0; i < sizeof(critical) / sizeof(critical[0]); i++) {
		pkt_announce(&p);
		pkt_tlv(&p, critical[i], val, sizeof(val));
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_CRITICAL);
		pkt_hdr(&p, WIRE_SOLICIT);
		pkt_tlv(&p, critical[i], val, 0);
		assert_int_equal(pkt_decode(&p, &m), WIRE_ERR_CRITICAL);
	}

	/* Known types are known whatever the critical bit. */
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_tlv(&p, WIRE_TLV_CRITICAL | WIRE_TLV_NAME, "Crit", 4);
	pkt_tlv(&p, WIRE_TLV_CRITICAL | WIRE_TLV_ADDRESS, doc_announce + 22, 16);
	pkt_tlv(&p, WIRE_TLV_CRITICAL | WIRE_TLV_LIFETIME, "\x00\x00\x01\x00", 4);
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_string_equal(m.name, "Crit");
	assert_int_equal(m.naddrs, 1);
	assert_addr(&m.addrs[0], PI_LAB_ADDR);
	assert_int_equal(m.lifetime, 256);
}

/* TLV order does not matter to a receiver. */
static void test_tlv_order(void **state)
{
	struct wire_msg m;
	struct pkt p;

	(void)state;
	pkt_hdr(&p, WIRE_ANNOUNCE);
	pkt_lifetime(&p, 30);
	pkt_addr(&p, "fe80::2");
	pkt_name(&p, "Zed");
	pkt_addr(&p, "fe80::1");
	assert_int_equal(pkt_decode(&p, &m), WIRE_OK);
	assert_string_equal(m.name, "Zed");
	assert_int_equal(m.naddrs, 2);
	assert_addr(&m.addrs[0], "fe80::2");
	assert_addr(&m.addrs[1], "fe80::1");
	assert_int_equal(m.lifetime, 30);
}

/* ---- encode refuses ---- */

/* Encode must fail and leave the buffer untouched. */
static void assert_encode_fails(const struct wire_msg *m, size_t len)
{
	uint8_t buf[WIRE_MAX_PACKET];
	size_t i;

	assert_true(len <= sizeof(buf));
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(wire_encode(m, buf, len), -1);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
}

static void test_encode_invalid(void **state)
{
	/* Room after the struct, so that the 9-address case below cannot
	 * read outside any object (see the note there). */
	struct {
		struct wire_msg m;
		uint8_t spare[64];
	} big;
	struct wire_msg m;

	(void)state;
	/* ANNOUNCE missing each required field. */
	msg_init(&m, WIRE_ANNOUNCE, NULL);
	m.naddrs = 1;
	m.addrs[0] = addr6("fe80::1");
	m.lifetime = 120;
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	msg_init(&m, WIRE_ANNOUNCE, "h1");
	m.lifetime = 120;
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	msg_init(&m, WIRE_ANNOUNCE, "h1");
	m.naddrs = 1;
	m.addrs[0] = addr6("fe80::1");
	assert_encode_fails(&m, WIRE_MAX_PACKET);

	/* Lifetime over the maximum. */
	m.lifetime = WIRE_LIFETIME_MAX + 1;
	assert_encode_fails(&m, WIRE_MAX_PACKET);

	/* Not link-local, in ANNOUNCE and GOODBYE. */
	m.lifetime = 120;
	m.addrs[0] = addr6("2001:db8::1");
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	m.type = WIRE_GOODBYE;
	assert_encode_fails(&m, WIRE_MAX_PACKET);

	/* Bad names. */
	msg_init(&m, WIRE_GOODBYE, "a_b");
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	msg_init(&m, WIRE_SOLICIT, "-x");
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	msg_init(&m, WIRE_SOLICIT, "a.b");
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	msg_init(&m, WIRE_SOLICIT, "x");
	m.name_len = 64;
	memset(m.name, 'x', sizeof(m.name));
	assert_encode_fails(&m, WIRE_MAX_PACKET);

	/* GOODBYE without a name. */
	msg_init(&m, WIRE_GOODBYE, NULL);
	assert_encode_fails(&m, WIRE_MAX_PACKET);

	/* Unknown types. */
	msg_init(&m, 0, "h1");
	assert_encode_fails(&m, WIRE_MAX_PACKET);
	msg_init(&m, 4, "h1");
	assert_encode_fails(&m, WIRE_MAX_PACKET);

	/* Too many addresses. Note: wire_encode() checks every address before
	 * it checks the count, so with naddrs > WIRE_MAX_ADDRS it reads past
	 * addrs[]; the spare room keeps that read inside this object. */
	memset(&big, 0, sizeof(big));
	msg_init(&big.m, WIRE_ANNOUNCE, "h1");
	big.m.naddrs = WIRE_MAX_ADDRS + 1;
	for (unsigned int i = 0; i < WIRE_MAX_ADDRS; i++)
		big.m.addrs[i] = addr6("fe80::1");
	big.m.lifetime = 120;
	assert_encode_fails(&big.m, WIRE_MAX_PACKET);
}

static void test_encode_buffer_size(void **state)
{
	uint8_t buf[sizeof(doc_announce)];
	struct wire_msg m;
	size_t n;

	(void)state;
	msg_init(&m, WIRE_ANNOUNCE, "Pi-Lab");
	m.naddrs = 1;
	m.addrs[0] = addr6(PI_LAB_ADDR);
	m.lifetime = 120;
	for (n = 0; n < sizeof(doc_announce); n++)
		assert_encode_fails(&m, n);
	/* Exactly enough. */
	assert_int_equal(wire_encode(&m, buf, sizeof(buf)), sizeof(doc_announce));
	assert_memory_equal(buf, doc_announce, sizeof(doc_announce));

	msg_init(&m, WIRE_SOLICIT, "printer");
	assert_encode_fails(&m, sizeof(doc_solicit) - 1);
	msg_init(&m, WIRE_SOLICIT, NULL);
	assert_encode_fails(&m, WIRE_HDR_LEN - 1);
	assert_encode_fails(&m, 0);
	msg_init(&m, WIRE_GOODBYE, "Pi-Lab");
	m.naddrs = 1;
	m.addrs[0] = addr6(PI_LAB_ADDR);
	assert_encode_fails(&m, sizeof(doc_goodbye) - 1);
}

/* ---- error strings ---- */

static void test_strings(void **state)
{
	/* The names PROTOCOL.md section 7 documents, in enum order. */
	static const char *const names[WIRE_ERR_COUNT] = {
		"ok", "short", "too-long", "bad-magic", "bad-version", "bad-type",
		"bad-length", "bad-tlv", "unknown-critical", "duplicate-tlv",
		"bad-name", "bad-address", "bad-lifetime", "missing-field", "bad-mac-tlv",
	};
	int i, j;

	(void)state;
	for (i = 0; i < WIRE_ERR_COUNT; i++) {
		const char *n = wire_errname((enum wire_err)i);
		const char *t = wire_strerror((enum wire_err)i);

		assert_non_null(n);
		assert_non_null(t);
		assert_string_equal(n, names[i]);
		assert_true(strlen(t) > 0);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(n, wire_errname((enum wire_err)j));
			assert_string_not_equal(t, wire_strerror((enum wire_err)j));
		}
	}
	/* Out of range: a fallback, not a crash, and not a real reason. */
	for (i = 0; i < WIRE_ERR_COUNT; i++) {
		assert_string_not_equal(wire_errname(WIRE_ERR_COUNT), wire_errname((enum wire_err)i));
		assert_string_not_equal(wire_strerror(WIRE_ERR_COUNT), wire_strerror((enum wire_err)i));
	}
	assert_non_null(wire_errname((enum wire_err)1000));
	assert_non_null(wire_strerror((enum wire_err)1000));
}

static void test_is_linklocal(void **state)
{
	struct in6_addr a;

	(void)state;
	a = addr6("fe80::1");
	assert_true(wire_is_linklocal(&a));
	a = addr6("febf::1");
	assert_true(wire_is_linklocal(&a));
	a = addr6("fec0::1");
	assert_false(wire_is_linklocal(&a));
	a = addr6("fe7f::1");
	assert_false(wire_is_linklocal(&a));
	a = addr6("ff02::1:1");
	assert_false(wire_is_linklocal(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_length_field),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_tlv_truncated),
		cmocka_unit_test(test_tlv_fixed_lengths),
		cmocka_unit_test(test_lifetime_range),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_address_count),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_names_accepted),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_unknown_tlvs),
		cmocka_unit_test(test_tlv_order),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_encode_buffer_size),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_is_linklocal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
