/* nss: glibc's hosts entry points for libnss_linkname.so.2. Thin: read the
 * snapshot of this thread's network namespace's daemon (nss_snap) and
 * convert the answer (nss_conv). This code runs inside every program that
 * resolves a name, from any thread: no locks, no sockets, nothing that
 * blocks, errno only changed through errnop.
 *
 * Statuses and error codes, chosen so that dns is still asked whatever the
 * nsswitch.conf actions say (with "[NOTFOUND=return]" a NOTFOUND would end
 * the lookup; UNAVAIL only does so under an explicit [UNAVAIL=return]):
 *   not ours (a name that is not one label, AF_INET, not fe80::/10):
 *	UNAVAIL, errno ENOENT, h_errno HOST_NOT_FOUND, nothing read;
 *   no daemon (none published in this namespace, or it exited), a dead
 *   daemon's leftover file, a file not to be trusted or malformed:
 *	UNAVAIL, errno ENOENT, ESRCH, EPERM, EPROTO (nss_snap.h),
 *	h_errno NO_RECOVERY;
 *   the daemon does not know the name: NOTFOUND, ENOENT, HOST_NOT_FOUND;
 *   buffer too small: TRYAGAIN, ERANGE, NETDB_INTERNAL (glibc grows the
 *	buffer and calls again).
 * NETDB_INTERNAL is never used otherwise: glibc's getaddrinfo turns it into
 * EAI_SYSTEM and stops, and NO_DATA would claim the name exists. */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <string.h>
#include <sys/socket.h>

#include "name.h"
#include "nss_conv.h"
#include "nss_snap.h"
#include "query.h"

#define NSS_EXPORT __attribute__((visibility("default")))

/* The typedefs from <nss.h> make the compiler check glibc's prototypes. */
NSS_EXPORT nss_gethostbyname4_r _nss_linkname_gethostbyname4_r;
NSS_EXPORT nss_gethostbyname3_r _nss_linkname_gethostbyname3_r;
NSS_EXPORT nss_gethostbyname2_r _nss_linkname_gethostbyname2_r;
NSS_EXPORT nss_gethostbyname_r _nss_linkname_gethostbyname_r;
NSS_EXPORT nss_gethostbyaddr2_r _nss_linkname_gethostbyaddr2_r;
NSS_EXPORT nss_gethostbyaddr_r _nss_linkname_gethostbyaddr_r;

static enum nss_status
not_ours(int *errnop, int *h_errnop)
{
	*errnop = ENOENT;
	*h_errnop = HOST_NOT_FOUND;
	return NSS_STATUS_UNAVAIL;
}

static enum nss_status
too_small(int *errnop, int *h_errnop)
{
	*errnop = ERANGE;
	*h_errnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

/* The daemon's answer, from its snapshot, into res. */
static enum nss_status
ask(const struct query_request *req, struct nss_conv_result *res, int *errnop, int *h_errnop)
{
	int err, r = nss_snap_ask(req, res, &err);

	if (r == 1)
		return NSS_STATUS_SUCCESS;
	if (r == 0) {
		*errnop = ENOENT;
		*h_errnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	}
	*errnop = err;
	*h_errnop = NO_RECOVERY;
	return NSS_STATUS_UNAVAIL;
}

/* Resolve a name that passed name_valid_str. The label goes as given: the
 * daemon compares case-insensitively and answers with the announced case. */
static enum nss_status
resolve(const char *name, struct nss_conv_result *res, int *errnop, int *h_errnop)
{
	struct query_request req;
	size_t len = strlen(name);

	memset(&req, 0, sizeof(req));
	req.op = QUERY_RESOLVE;
	req.name_len = (uint8_t)len;
	memcpy(req.name, name, len + 1);
	return ask(&req, res, errnop, h_errnop);
}

enum nss_status
_nss_linkname_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
			       char *buffer, size_t buflen, int *errnop,
			       int *h_errnop, int32_t *ttlp)
{
	struct nss_conv_result res;
	enum nss_status st;
	int saved_errno = errno;

	if (name == NULL || !name_valid_str(name))
		return not_ours(errnop, h_errnop);
	st = resolve(name, &res, errnop, h_errnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	if (nss_conv_addrtuple(res.name, res.addrs, res.naddrs, pat, buffer, buflen) != 0)
		return too_small(errnop, h_errnop);
	if (ttlp != NULL)
		*ttlp = (int32_t)(res.ttl > INT32_MAX ? INT32_MAX : res.ttl);
	errno = saved_errno;
	return NSS_STATUS_SUCCESS;
}

/* A hostent has no scope ids, so an AF_INET6 answer here carries bare
 * fe80:: addresses (a glibc limitation; getaddrinfo with AF_UNSPEC goes
 * through gethostbyname4_r and gets them). They are still returned. */
enum nss_status
_nss_linkname_gethostbyname3_r(const char *name, int af, struct hostent *host,
			       char *buffer, size_t buflen, int *errnop,
			       int *h_errnop, int32_t *ttlp, char **canonp)
{
	struct nss_conv_result res;
	enum nss_status st;
	int saved_errno = errno;

	if (af != AF_INET6 || name == NULL || !name_valid_str(name))
		return not_ours(errnop, h_errnop);
	st = resolve(name, &res, errnop, h_errnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	if (nss_conv_hostent(res.name, res.addrs, res.naddrs, host, buffer, buflen) != 0)
		return too_small(errnop, h_errnop);
	if (ttlp != NULL)
		*ttlp = (int32_t)(res.ttl > INT32_MAX ? INT32_MAX : res.ttl);
	if (canonp != NULL)
		*canonp = host->h_name;
	errno = saved_errno;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_linkname_gethostbyname2_r(const char *name, int af, struct hostent *host,
			       char *buffer, size_t buflen, int *errnop, int *h_errnop)
{
	return _nss_linkname_gethostbyname3_r(name, af, host, buffer, buflen,
					      errnop, h_errnop, NULL, NULL);
}

/* gethostbyname() means IPv4 (glibc's own modules use AF_INET here unless
 * the deprecated RES_USE_INET6 is set); legacy callers copy h_length 4
 * octets without looking, so an IPv6-only source has nothing to say. */
enum nss_status
_nss_linkname_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
			      size_t buflen, int *errnop, int *h_errnop)
{
	return _nss_linkname_gethostbyname3_r(name, AF_INET, host, buffer, buflen,
					      errnop, h_errnop, NULL, NULL);
}

enum nss_status
_nss_linkname_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
			       struct hostent *host, char *buffer, size_t buflen,
			       int *errnop, int *h_errnop, int32_t *ttlp)
{
	struct query_request req;
	struct nss_conv_result res;
	struct nss_conv_addr a;
	enum nss_status st;
	int saved_errno = errno;

	if (addr == NULL || af != AF_INET6 || len != sizeof(struct in6_addr))
		return not_ours(errnop, h_errnop);
	memset(&req, 0, sizeof(req));
	memcpy(&req.addr, addr, sizeof(req.addr));
	if (!IN6_IS_ADDR_LINKLOCAL(&req.addr))
		return not_ours(errnop, h_errnop);

	/* No scope id comes with the address: any interface will do. */
	req.op = QUERY_REVERSE;
	req.ifindex = 0;
	st = ask(&req, &res, errnop, h_errnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;

	/* The hostent names the address asked about, as glibc's modules do. */
	memset(&a, 0, sizeof(a));
	a.addr = req.addr;
	if (nss_conv_hostent(res.name, &a, 1, host, buffer, buflen) != 0)
		return too_small(errnop, h_errnop);
	if (ttlp != NULL)
		*ttlp = (int32_t)(res.ttl > INT32_MAX ? INT32_MAX : res.ttl);
	errno = saved_errno;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_linkname_gethostbyaddr_r(const void *addr, socklen_t len, int af,
			      struct hostent *host, char *buffer, size_t buflen,
			      int *errnop, int *h_errnop)
{
	return _nss_linkname_gethostbyaddr2_r(addr, len, af, host, buffer, buflen,
					      errnop, h_errnop, NULL);
}
