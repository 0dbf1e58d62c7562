/* nss_conv: turn a linknamed response into what glibc's NSS wants, inside
 * the caller's buffer. Pure code (no syscalls, no globals), so the buffer
 * arithmetic that runs inside every program on the system is unit-tested. */
#ifndef LINKNAME_NSS_CONV_H
#define LINKNAME_NSS_CONV_H

#include <netdb.h>
#include <netinet/in.h>
#include <nss.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "query.h"

/* At most this many (address, scope) pairs per answer; the rest is dropped. */
#define NSS_CONV_MAX_ADDRS 64

struct nss_conv_addr {
	struct in6_addr addr;
	uint32_t scope;		/* ifindex for fe80::/10, else 0 */
};

struct nss_conv_result {
	char name[NAME_MAX_LEN + 1];	/* canonical: as announced, first record */
	size_t name_len;
	uint32_t ttl;			/* smallest record ttl */
	size_t naddrs;			/* 0: the daemon knows nothing */
	struct nss_conv_addr addrs[NSS_CONV_MAX_ADDRS];
};

/* Add one record: the first record added names the result (as announced),
 * every address gets its scope. -EPROTO for an invalid record. */
int nss_conv_add_record(struct nss_conv_result *out, const struct query_record *rec);

/* Flatten hdr + its records (len octets) into out. Every record must decode,
 * exactly hdr->count of them must fill exactly len octets, and each must
 * carry a valid name. Returns 0, or -EPROTO. A status other than QUERY_OK
 * is -EPROTO too: the caller handles NOTFOUND before flattening. */
int nss_conv_flatten(const struct query_response_hdr *hdr, const uint8_t *records,
		     size_t len, struct nss_conv_result *out);

/* Octets of buffer that nss_conv_addrtuple needs; depends on the buffer's
 * alignment and on whether *pat already holds a tuple to fill first. */
size_t nss_conv_addrtuple_size(const char *buffer, const char *name, size_t naddrs,
			       int have_first);
/* Build the gethostbyname4_r chain: AF_INET6 tuples with scope ids, every
 * tuple naming the canonical name copied into buffer. If *pat is non-NULL
 * the caller (older glibc, nscd) preallocated the first tuple: it is filled
 * first. Returns 0; ERANGE if buflen is too small, EINVAL if naddrs is 0 —
 * in both cases neither buffer nor *pat is touched. */
int nss_conv_addrtuple(const char *name, const struct nss_conv_addr *addrs, size_t naddrs,
		       struct gaih_addrtuple **pat, char *buffer, size_t buflen);

/* Octets of buffer that nss_conv_hostent needs for these addresses. */
size_t nss_conv_hostent_size(const char *buffer, const char *name,
			     const struct nss_conv_addr *addrs, size_t naddrs);
/* Fill an AF_INET6 hostent (no aliases; one entry per distinct address, as
 * a hostent has no room for scope ids). Returns 0; ERANGE if buflen is too
 * small, EINVAL if naddrs is 0 — then nothing is written. */
int nss_conv_hostent(const char *name, const struct nss_conv_addr *addrs, size_t naddrs,
		     struct hostent *he, char *buffer, size_t buflen);

#endif
