/* fuzz_query: the query-socket codec on any octets, both ways: as a request
 * (what linknamed's server parses, prefix by prefix as it arrives) and as a
 * response (what the NSS module and linknamectl parse), then the NSS
 * conversion of whatever flattens into caller buffers of exactly the size
 * asked for, at every alignment, and one octet smaller; and as a stream of
 * SUBSCRIBE's event records. Heap buffers of
 * exact size let ASan see any access past their end. */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "fuzz.h"
#include "name.h"
#include "nss_conv.h"
#include "query.h"

#define POISON 0xa5

/* Prefixes longer than the largest request can only say "invalid". */
#define PREFIX_MAX (QUERY_REQ_MAX + 2)

static void *xmemdup(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);

	FUZZ_CHECK(q != NULL);
	if (n)
		memcpy(q, p, n);
	return q;
}

static int decode_request_copy(const uint8_t *data, size_t len, struct query_request *req)
{
	uint8_t *copy = xmemdup(data, len);
	int r = query_decode_request(copy, len, req);

	free(copy);
	return r;
}

static void fuzz_request(const uint8_t *data, size_t size)
{
	struct query_request req, prefix;
	uint8_t out[QUERY_REQ_MAX];
	size_t k;
	int r, rk;

	r = query_decode_request(data, size, &req);
	FUZZ_CHECK(r == -1 || r == 0 || (r > 0 && (size_t)r == size));
	FUZZ_CHECK(r <= QUERY_REQ_MAX);

	/* The server decides on each prefix as bytes arrive: a prefix of a
	 * valid request must ask for more, and a refused prefix must not
	 * grow into something valid. */
	for (k = 0; k < size && k < PREFIX_MAX; k++) {
		rk = decode_request_copy(data, k, &prefix);
		FUZZ_CHECK(rk == -1 || rk == 0 || (size_t)rk == k);
		if (r > 0)
			FUZZ_CHECK(rk == 0);
		if (rk == -1)
			FUZZ_CHECK(r == -1);
	}
	if (r <= 0)
		return;

	if (req.op == QUERY_RESOLVE) {
		FUZZ_CHECK(name_valid(req.name, req.name_len));
		FUZZ_CHECK(req.name[req.name_len] == '\0');
	}
	/* A valid request encodes back to exactly the same octets. */
	FUZZ_CHECK(query_encode_request(&req, out, sizeof(out)) == r);
	FUZZ_CHECK(memcmp(out, data, (size_t)r) == 0);
	FUZZ_CHECK(query_encode_request(&req, out, (size_t)r - 1) == -1);
}

/* Every octet of buffer[0..len) still POISON. */
static int untouched(const char *buffer, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((uint8_t)buffer[i] != POISON)
			return 0;
	return 1;
}

/* Stands for a fresh malloc()ed buffer when asking for sizes. */
static alignas(16) const char probe[16];

static int inside(const void *p, size_t plen, const char *buffer, size_t buflen)
{
	const char *c = p;

	return c >= buffer && plen <= buflen && c - buffer <= (ptrdiff_t)(buflen - plen);
}

static void check_addrtuple(const struct nss_conv_result *res, size_t off, int have_first)
{
	struct gaih_addrtuple first, *pat, *t;
	size_t need, n, i;
	char *base, *buffer;
	int r;

	/* The size depends on the buffer's alignment only: malloc's is 16. */
	need = nss_conv_addrtuple_size(probe + off, res->name, res->naddrs, have_first);

	for (n = need - 1; n <= need; n++) {
		base = malloc(off + n);
		FUZZ_CHECK(base != NULL);
		buffer = base + off;
		FUZZ_CHECK(nss_conv_addrtuple_size(buffer, res->name, res->naddrs,
						   have_first) == need);
		memset(buffer, POISON, n);
		memset(&first, 0, sizeof(first));
		pat = have_first ? &first : NULL;
		r = nss_conv_addrtuple(res->name, res->addrs, res->naddrs, &pat, buffer, n);
		if (n < need) {
			/* glibc grows the buffer and calls again: nothing written. */
			FUZZ_CHECK(r == ERANGE);
			FUZZ_CHECK(untouched(buffer, n));
			FUZZ_CHECK(pat == (have_first ? &first : NULL));
			free(base);
			continue;
		}
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(pat != NULL);
		if (have_first)
			FUZZ_CHECK(pat == &first);
		for (t = pat, i = 0; t != NULL; t = t->next, i++) {
			FUZZ_CHECK(i < res->naddrs);
			if (t != &first)
				FUZZ_CHECK(inside(t, sizeof(*t), buffer, n));
			FUZZ_CHECK(inside(t->name, res->name_len + 1, buffer, n));
			FUZZ_CHECK(strcmp(t->name, res->name) == 0);
			FUZZ_CHECK(t->family == AF_INET6);
			FUZZ_CHECK(memcmp(t->addr, &res->addrs[i].addr, 16) == 0);
			FUZZ_CHECK(t->scopeid == res->addrs[i].scope);
		}
		FUZZ_CHECK(i == res->naddrs);
		free(base);
	}
}

static void check_hostent(const char *name, const struct nss_conv_addr *addrs,
			  size_t naddrs, size_t off)
{
	struct hostent he;
	size_t need, n, i, j;
	char *base, *buffer;
	int r;

	need = nss_conv_hostent_size(probe + off, name, addrs, naddrs);

	for (n = need - 1; n <= need; n++) {
		base = malloc(off + n);
		FUZZ_CHECK(base != NULL);
		buffer = base + off;
		FUZZ_CHECK(nss_conv_hostent_size(buffer, name, addrs, naddrs) == need);
		memset(buffer, POISON, n);
		memset(&he, 0, sizeof(he));
		r = nss_conv_hostent(name, addrs, naddrs, &he, buffer, n);
		if (n < need) {
			FUZZ_CHECK(r == ERANGE);
			FUZZ_CHECK(untouched(buffer, n));
			FUZZ_CHECK(he.h_name == NULL && he.h_addr_list == NULL);
			free(base);
			continue;
		}
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(he.h_addrtype == AF_INET6 && he.h_length == 16);
		FUZZ_CHECK(inside(he.h_name, strlen(name) + 1, buffer, n));
		FUZZ_CHECK(strcmp(he.h_name, name) == 0);
		FUZZ_CHECK(inside(he.h_aliases, sizeof(char *), buffer, n));
		FUZZ_CHECK(he.h_aliases[0] == NULL);
		/* Every address is listed once, in order of first appearance. */
		for (i = 0, j = 0; i < naddrs; i++) {
			size_t k;

			for (k = 0; k < i; k++)
				if (memcmp(&addrs[k].addr, &addrs[i].addr, 16) == 0)
					break;
			if (k < i)
				continue;
			FUZZ_CHECK(inside(&he.h_addr_list[j], sizeof(char *), buffer, n));
			FUZZ_CHECK(inside(he.h_addr_list[j], 16, buffer, n));
			FUZZ_CHECK(memcmp(he.h_addr_list[j], &addrs[i].addr, 16) == 0);
			j++;
		}
		FUZZ_CHECK(inside(&he.h_addr_list[j], sizeof(char *), buffer, n));
		FUZZ_CHECK(he.h_addr_list[j] == NULL);
		free(base);
	}
}

static void check_conv(const struct nss_conv_result *res)
{
	struct gaih_addrtuple *pat = NULL;
	struct hostent he;
	char small[64];
	size_t off;

	FUZZ_CHECK(res->naddrs <= NSS_CONV_MAX_ADDRS);
	if (res->naddrs == 0) {
		/* The module answers NOTFOUND before converting; and if it
		 * did not, the conversion refuses. */
		FUZZ_CHECK(nss_conv_addrtuple(res->name, res->addrs, 0, &pat, small,
					      sizeof(small)) == EINVAL);
		FUZZ_CHECK(pat == NULL);
		FUZZ_CHECK(nss_conv_hostent(res->name, res->addrs, 0, &he, small,
					    sizeof(small)) == EINVAL);
		return;
	}
	FUZZ_CHECK(name_valid(res->name, res->name_len));
	FUZZ_CHECK(res->name[res->name_len] == '\0');
	for (off = 0; off < sizeof(void *); off++) {
		check_addrtuple(res, off, 0);
		check_addrtuple(res, off, 1);	/* glibc < 2.37, nscd */
		check_hostent(res->name, res->addrs, res->naddrs, off);
		check_hostent(res->name, res->addrs, 1, off);	/* reverse lookup */
	}
}

static void fuzz_response(const uint8_t *data, size_t size)
{
	struct query_response_hdr h;
	struct query_record rec;
	struct nss_conv_result res;
	uint8_t hdr[QUERY_RESP_HDR_LEN], *records, *out;
	size_t off = 0;
	uint32_t i;
	int n, ok_records = 1;

	if (query_decode_response_hdr(data, size, &h) < 0)
		return;
	FUZZ_CHECK(h.length <= QUERY_RESP_MAX);
	FUZZ_CHECK((uint64_t)h.count * (QUERY_REC_HDR_LEN + 1) <= h.length);
	/* The header encodes back, up to its reserved octets. */
	query_encode_response_hdr(&h, hdr);
	FUZZ_CHECK(hdr[0] == data[0] && hdr[1] == data[1]);
	FUZZ_CHECK(memcmp(hdr + 4, data + 4, 8) == 0);

	/* The client reads exactly h.length octets after the header. */
	if (h.length > size - QUERY_RESP_HDR_LEN)
		return;
	records = h.length ? xmemdup(data + QUERY_RESP_HDR_LEN, h.length) : NULL;

	/* linknamectl's loop: count records, each decoded where the last
	 * one ended. */
	for (i = 0; i < h.count; i++) {
		n = query_decode_record(records + off, h.length - off, &rec);
		if (n < 0) {
			ok_records = 0;
			break;
		}
		FUZZ_CHECK(n >= QUERY_REC_HDR_LEN + 1 && (size_t)n <= h.length - off);
		FUZZ_CHECK((size_t)n == query_record_len(&rec));
		FUZZ_CHECK(rec.naddrs <= WIRE_MAX_ADDRS);
		FUZZ_CHECK(name_valid(rec.name, rec.name_len) && rec.name[rec.name_len] == '\0');
		/* The record encodes back, up to its reserved octet. */
		out = malloc((size_t)n);
		FUZZ_CHECK(out != NULL);
		FUZZ_CHECK(query_encode_record(&rec, out, (size_t)n) == n);
		FUZZ_CHECK(memcmp(out, records + off, 11) == 0);
		FUZZ_CHECK(memcmp(out + 12, records + off + 12, (size_t)n - 12) == 0);
		FUZZ_CHECK(query_encode_record(&rec, out, (size_t)n - 1) == -1);
		free(out);
		off += (size_t)n;
	}

	n = nss_conv_flatten(&h, records, h.length, &res);
	FUZZ_CHECK(n == 0 || n == -EPROTO);
	if (n == 0) {
		/* Flattening is stricter than the loop: all records, no tail. */
		FUZZ_CHECK(ok_records && off == h.length);
		check_conv(&res);
	}
	free(records);
}

/* SUBSCRIBE's event records, as linknamectl monitor reads a stream: one
 * after another from an exact-size copy; what decodes must encode back to
 * the same octets, and a prefix of a record must ask for more. */
static void fuzz_events(const uint8_t *data, size_t size)
{
	uint8_t *copy = xmemdup(data, size), out[QUERY_EVENT_MAX];
	struct query_event ev, pev;
	size_t off = 0;
	int n;

	while (off < size && (n = query_decode_event(copy + off, size - off, &ev)) > 0) {
		FUZZ_CHECK((size_t)n <= size - off);
		if (ev.kind) {
			FUZZ_CHECK((size_t)n == query_event_len(&ev) && n <= QUERY_EVENT_MAX);
			FUZZ_CHECK(query_encode_event(&ev, out, sizeof(out)) == n);
			/* All but the reserved octets 17-19 (ignored, sent as 0). */
			FUZZ_CHECK(memcmp(out, copy + off, 17) == 0);
			FUZZ_CHECK(memcmp(out + 20, copy + off + 20, (size_t)n - 20) == 0);
			FUZZ_CHECK(query_decode_event(copy + off, (size_t)n - 1, &pev) == 0);
		}
		off += (size_t)n;
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request(data, size);
	fuzz_response(data, size);
	fuzz_events(data, size);
	return 0;
}
