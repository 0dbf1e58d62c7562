/* wire: the linkname v1 datagram codec (docs/PROTOCOL.md "Wire format"). */
#include <string.h>

#include "name.h"
#include "wire.h"

static void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int wire_is_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* Fields each type needs, checked on both encode and decode so that we
 * never send what we would refuse. */
static enum wire_err wire_check(const struct wire_msg *m)
{
	unsigned int i;

	if (m->naddrs > WIRE_MAX_ADDRS)
		return WIRE_ERR_DUPLICATE;
	if (m->name_len && !name_valid(m->name, m->name_len))
		return WIRE_ERR_NAME;
	for (i = 0; i < m->naddrs; i++)
		if (!wire_is_linklocal(&m->addrs[i]))
			return WIRE_ERR_ADDRESS;
	switch (m->type) {
	case WIRE_ANNOUNCE:
		if (!m->name_len || !m->naddrs || !m->lifetime)
			return WIRE_ERR_MISSING;
		if (m->lifetime > WIRE_LIFETIME_MAX)
			return WIRE_ERR_LIFETIME;
		break;
	case WIRE_GOODBYE:
		if (!m->name_len)
			return WIRE_ERR_MISSING;
		break;
	case WIRE_SOLICIT:
		break;
	default:
		return WIRE_ERR_TYPE;
	}
	return WIRE_OK;
}

static uint8_t *wire_put_tlv(uint8_t *p, uint16_t type, const void *val, uint16_t len)
{
	wire_put16(p, type);
	wire_put16(p + 2, len);
	memcpy(p + WIRE_TLV_HDR_LEN, val, len);
	return p + WIRE_TLV_HDR_LEN + len;
}

int wire_encode(const struct wire_msg *m, uint8_t *buf, size_t len)
{
	size_t need = WIRE_HDR_LEN;
	unsigned int i;
	uint8_t *p;

	if (wire_check(m) != WIRE_OK || (m->type == WIRE_SOLICIT && m->naddrs))
		return -1;
	if (m->name_len)
		need += WIRE_TLV_HDR_LEN + m->name_len;
	need += (size_t)m->naddrs * (WIRE_TLV_HDR_LEN + 16);
	if (m->type == WIRE_ANNOUNCE)
		need += WIRE_TLV_HDR_LEN + 4;
	if (m->timestamp)
		need += WIRE_TLV_HDR_LEN + 8;
	if (m->has_mac)
		need += WIRE_TLV_HDR_LEN + WIRE_MAC_LEN;
	if (need > len || need > WIRE_MAX_PACKET)
		return -1;

	buf[0] = WIRE_MAGIC0;
	buf[1] = WIRE_MAGIC1;
	buf[2] = WIRE_VERSION;
	buf[3] = m->type;
	wire_put16(buf + 4, (uint16_t)need);
	wire_put16(buf + 6, 0);
	p = buf + WIRE_HDR_LEN;
	if (m->name_len)
		p = wire_put_tlv(p, WIRE_TLV_NAME, m->name, m->name_len);
	for (i = 0; i < m->naddrs; i++)
		p = wire_put_tlv(p, WIRE_TLV_ADDRESS, &m->addrs[i], 16);
	if (m->type == WIRE_ANNOUNCE) {
		uint8_t lt[4] = { m->lifetime >> 24, (m->lifetime >> 16) & 0xff,
				  (m->lifetime >> 8) & 0xff, m->lifetime & 0xff };
		p = wire_put_tlv(p, WIRE_TLV_LIFETIME, lt, 4);
	}
	if (m->timestamp) {
		uint8_t ts[8];

		for (i = 0; i < 8; i++)
			ts[i] = (uint8_t)(m->timestamp >> (56 - 8 * i));
		p = wire_put_tlv(p, WIRE_TLV_TIMESTAMP, ts, 8);
	}
	if (m->has_mac) {
		static const uint8_t zero[WIRE_MAC_LEN];

		p = wire_put_tlv(p, WIRE_TLV_MAC, zero, WIRE_MAC_LEN);
	}
	return (int)(p - buf);
}

enum wire_err wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m)
{
	int have_lifetime = 0, have_timestamp = 0;
	size_t off;

	memset(m, 0, sizeof(*m));
	if (len < WIRE_HDR_LEN)
		return WIRE_ERR_SHORT;
	if (len > WIRE_MAX_PACKET)
		return WIRE_ERR_TOO_LONG;
	if (buf[0] != WIRE_MAGIC0 || buf[1] != WIRE_MAGIC1)
		return WIRE_ERR_MAGIC;
	if (buf[2] != WIRE_VERSION)
		return WIRE_ERR_VERSION;
	m->type = buf[3];
	if (m->type < WIRE_ANNOUNCE || m->type > WIRE_SOLICIT)
		return WIRE_ERR_TYPE;
	if (wire_get16(buf + 4) != len)
		return WIRE_ERR_LENGTH;
	/* Octets 6-7 are reserved: ignored, so a later version may use them. */

	for (off = WIRE_HDR_LEN; off < len;) {
		uint16_t type, vlen;
		const uint8_t *v;

		if (len - off < WIRE_TLV_HDR_LEN)
			return WIRE_ERR_TLV;
		type = wire_get16(buf + off);
		vlen = wire_get16(buf + off + 2);
		off += WIRE_TLV_HDR_LEN;
		if (len - off < vlen)
			return WIRE_ERR_TLV;
		v = buf + off;
		off += vlen;

		switch (type & ~WIRE_TLV_CRITICAL) {
		case WIRE_TLV_NAME:
			if (m->name_len)
				return WIRE_ERR_DUPLICATE;
			if (!name_valid((const char *)v, vlen))
				return WIRE_ERR_NAME;
			memcpy(m->name, v, vlen);
			m->name[vlen] = '\0';
			m->name_len = (uint8_t)vlen;
			break;
		case WIRE_TLV_ADDRESS:
			if (vlen != 16)
				return WIRE_ERR_TLV;
			if (m->naddrs == WIRE_MAX_ADDRS)
				return WIRE_ERR_DUPLICATE;
			memcpy(&m->addrs[m->naddrs++], v, 16);
			break;
		case WIRE_TLV_LIFETIME:
			if (vlen != 4)
				return WIRE_ERR_TLV;
			if (have_lifetime++)
				return WIRE_ERR_DUPLICATE;
			m->lifetime = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
				      (uint32_t)v[2] << 8 | v[3];
			if (m->type == WIRE_ANNOUNCE &&
			    (m->lifetime == 0 || m->lifetime > WIRE_LIFETIME_MAX))
				return WIRE_ERR_LIFETIME;
			break;
		case WIRE_TLV_TIMESTAMP:
			if (vlen != 8)
				return WIRE_ERR_TLV;
			if (have_timestamp++)
				return WIRE_ERR_DUPLICATE;
			for (int i = 0; i < 8; i++)
				m->timestamp = m->timestamp << 8 | v[i];
			break;
		case WIRE_TLV_MAC:
			/* Last, so that it covers everything before it. */
			if (vlen != WIRE_MAC_LEN || off != len)
				return WIRE_ERR_MAC_POS;
			m->has_mac = 1;
			break;
		default:
			if (type & WIRE_TLV_CRITICAL)
				return WIRE_ERR_CRITICAL;
			break;	/* unknown optional TLV: skipped */
		}
	}
	/* Fields a type does not use are ignored. */
	if (m->type != WIRE_ANNOUNCE)
		m->lifetime = 0;
	if (m->type == WIRE_SOLICIT)
		m->naddrs = 0;
	return wire_check(m);
}

static const struct {
	const char *name;
	const char *text;
} wire_errs[WIRE_ERR_COUNT] = {
	[WIRE_OK]            = { "ok", "valid" },
	[WIRE_ERR_SHORT]     = { "short", "shorter than the header" },
	[WIRE_ERR_TOO_LONG]  = { "too-long", "longer than 1232 octets" },
	[WIRE_ERR_MAGIC]     = { "bad-magic", "bad magic" },
	[WIRE_ERR_VERSION]   = { "bad-version", "unsupported version" },
	[WIRE_ERR_TYPE]      = { "bad-type", "unknown message type" },
	[WIRE_ERR_LENGTH]    = { "bad-length", "header length differs from datagram length" },
	[WIRE_ERR_TLV]       = { "bad-tlv", "truncated TLV or wrong TLV length" },
	[WIRE_ERR_CRITICAL]  = { "unknown-critical", "unknown critical TLV" },
	[WIRE_ERR_DUPLICATE] = { "duplicate-tlv", "repeated TLV or too many addresses" },
	[WIRE_ERR_NAME]      = { "bad-name", "name is not a valid label" },
	[WIRE_ERR_ADDRESS]   = { "bad-address", "announced address is not link-local" },
	[WIRE_ERR_LIFETIME]  = { "bad-lifetime", "lifetime 0 or over 86400" },
	[WIRE_ERR_MISSING]   = { "missing-field", "a required field is missing" },
	[WIRE_ERR_MAC_POS]   = { "bad-mac-tlv", "MAC TLV not last or of the wrong length" },
};

const char *wire_strerror(enum wire_err err)
{
	return err < WIRE_ERR_COUNT ? wire_errs[err].text : "unknown error";
}

const char *wire_errname(enum wire_err err)
{
	return err < WIRE_ERR_COUNT ? wire_errs[err].name : "unknown";
}
