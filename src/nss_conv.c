/* nss_conv: daemon answers to glibc's NSS result types. Everything is sized
 * before the first byte is written, so a short buffer (ERANGE: glibc
 * retries with a bigger one) leaves the caller's memory untouched. */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "name.h"
#include "nss_conv.h"

/* Octets from buffer up to the next multiple of align. */
static size_t
pad_for(const char *buffer, size_t align)
{
	return (size_t)(-(uintptr_t)buffer % align);
}

static int
same_addr(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Append (addr, scope) unless already there or the list is full. */
static void
add_addr(struct nss_conv_result *out, const struct in6_addr *addr, uint32_t ifindex)
{
	struct nss_conv_addr a;
	size_t i;

	memset(&a, 0, sizeof(a));
	a.addr = *addr;
	/* A scope id only means something for link-local addresses (the
	 * daemon only learns those, but a scope on anything else would be
	 * wrong, so follow nss-mdns and give it 0). */
	a.scope = IN6_IS_ADDR_LINKLOCAL(addr) ? ifindex : 0;

	for (i = 0; i < out->naddrs; i++)
		if (out->addrs[i].scope == a.scope && same_addr(&out->addrs[i].addr, &a.addr))
			return;
	if (out->naddrs < NSS_CONV_MAX_ADDRS)
		out->addrs[out->naddrs++] = a;
}

int
nss_conv_add_record(struct nss_conv_result *out, const struct query_record *rec)
{
	uint8_t j;

	if (rec->name_len == 0 || rec->name_len > NAME_MAX_LEN ||
	    !name_valid(rec->name, rec->name_len) || rec->naddrs > WIRE_MAX_ADDRS)
		return -EPROTO;
	if (out->name_len == 0) {
		memcpy(out->name, rec->name, rec->name_len);
		out->name[rec->name_len] = '\0';
		out->name_len = rec->name_len;
		out->ttl = rec->ttl;
	} else if (rec->ttl < out->ttl) {
		out->ttl = rec->ttl;
	}
	for (j = 0; j < rec->naddrs; j++)
		add_addr(out, &rec->addrs[j], rec->ifindex);
	return 0;
}

int
nss_conv_flatten(const struct query_response_hdr *hdr, const uint8_t *records,
		 size_t len, struct nss_conv_result *out)
{
	struct query_record rec;
	size_t off = 0;
	uint32_t i;
	int n;

	memset(out, 0, sizeof(*out));
	if (hdr->status != QUERY_OK || hdr->length != len)
		return -EPROTO;
	if (len > 0 && records == NULL)
		return -EPROTO;

	for (i = 0; i < hdr->count; i++) {
		if (off >= len)
			return -EPROTO;		/* fewer records than announced */
		n = query_decode_record(records + off, len - off, &rec);
		if (n <= 0 || (size_t)n > len - off)
			return -EPROTO;
		off += (size_t)n;

		if (nss_conv_add_record(out, &rec) < 0)
			return -EPROTO;
	}
	if (off != len)
		return -EPROTO;			/* bytes after the last record */
	return 0;
}

size_t
nss_conv_addrtuple_size(const char *buffer, const char *name, size_t naddrs, int have_first)
{
	size_t ntuples = naddrs;

	if (have_first && ntuples > 0)
		ntuples--;
	/* Tuples first (aligned), then the name, which needs no alignment. */
	return pad_for(buffer, alignof(struct gaih_addrtuple)) +
	       ntuples * sizeof(struct gaih_addrtuple) + strlen(name) + 1;
}

int
nss_conv_addrtuple(const char *name, const struct nss_conv_addr *addrs, size_t naddrs,
		   struct gaih_addrtuple **pat, char *buffer, size_t buflen)
{
	struct gaih_addrtuple *first = *pat, *t, *prev = NULL;
	size_t need, namelen, i;
	char *p, *bname;

	if (naddrs == 0 || naddrs > NSS_CONV_MAX_ADDRS)
		return EINVAL;
	need = nss_conv_addrtuple_size(buffer, name, naddrs, first != NULL);
	if (buflen < need)
		return ERANGE;

	namelen = strlen(name);
	p = buffer + pad_for(buffer, alignof(struct gaih_addrtuple));
	t = (struct gaih_addrtuple *)(void *)p;
	bname = p + (first != NULL ? naddrs - 1 : naddrs) * sizeof(struct gaih_addrtuple);
	memcpy(bname, name, namelen + 1);

	for (i = 0; i < naddrs; i++) {
		struct gaih_addrtuple *cur;

		/* glibc before 2.37 and nscd hand in one tuple of their own in
		 * *pat and expect it used before the buffer (as nss_files and
		 * nss_dns do); newer glibc passes *pat == NULL. */
		if (i == 0 && first != NULL)
			cur = first;
		else
			cur = t++;
		memset(cur, 0, sizeof(*cur));
		cur->name = bname;
		cur->family = AF_INET6;
		memcpy(cur->addr, &addrs[i].addr, sizeof(cur->addr));
		cur->scopeid = addrs[i].scope;
		if (prev != NULL)
			prev->next = cur;
		else
			*pat = cur;
		prev = cur;
	}
	return 0;
}

/* Addresses not seen earlier in the list: a hostent has no scope ids, so the
 * same address on two links is one entry. */
static size_t
count_distinct(const struct nss_conv_addr *addrs, size_t naddrs)
{
	size_t i, j, n = 0;

	for (i = 0; i < naddrs; i++) {
		for (j = 0; j < i; j++)
			if (same_addr(&addrs[i].addr, &addrs[j].addr))
				break;
		if (j == i)
			n++;
	}
	return n;
}

size_t
nss_conv_hostent_size(const char *buffer, const char *name,
		      const struct nss_conv_addr *addrs, size_t naddrs)
{
	size_t n = count_distinct(addrs, naddrs);

	/* aliases[1] and addr_list[n + 1] (pointer-aligned), then the
	 * addresses, then the name. */
	return pad_for(buffer, alignof(char *)) + (n + 2) * sizeof(char *) +
	       n * sizeof(struct in6_addr) + strlen(name) + 1;
}

int
nss_conv_hostent(const char *name, const struct nss_conv_addr *addrs, size_t naddrs,
		 struct hostent *he, char *buffer, size_t buflen)
{
	char **aliases, **list, *a, *bname;
	size_t n, namelen, i, j, k;

	if (naddrs == 0 || naddrs > NSS_CONV_MAX_ADDRS)
		return EINVAL;
	if (buflen < nss_conv_hostent_size(buffer, name, addrs, naddrs))
		return ERANGE;

	n = count_distinct(addrs, naddrs);
	namelen = strlen(name);
	aliases = (char **)(void *)(buffer + pad_for(buffer, alignof(char *)));
	list = aliases + 1;
	a = (char *)(list + n + 1);
	bname = a + n * sizeof(struct in6_addr);

	aliases[0] = NULL;
	for (i = 0, k = 0; i < naddrs; i++) {
		for (j = 0; j < i; j++)
			if (same_addr(&addrs[i].addr, &addrs[j].addr))
				break;
		if (j < i)
			continue;
		memcpy(a, &addrs[i].addr, sizeof(struct in6_addr));
		list[k++] = a;
		a += sizeof(struct in6_addr);
	}
	list[k] = NULL;
	memcpy(bname, name, namelen + 1);

	he->h_name = bname;
	he->h_aliases = aliases;
	he->h_addrtype = AF_INET6;
	he->h_length = sizeof(struct in6_addr);
	he->h_addr_list = list;
	return 0;
}
