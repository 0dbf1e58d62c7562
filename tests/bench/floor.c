/* floor: libnss_lnfloor.so.2, an NSS module that answers every name with
 * fe80::1 on interface 1 and does nothing else: no system call, no memory
 * of its own. `make bench` times a fresh process's first lookup through it
 * ("hosts: files lnfloor") beside linkname's: what glibc's loading and
 * calling any NSS module costs on this machine, the floor under
 * linkname's first-lookup figure. Built and linked as the real module is
 * (Makefile), so the two differ only in what their first call does. */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define FLOOR_EXPORT __attribute__((visibility("default")))

FLOOR_EXPORT nss_gethostbyname4_r _nss_lnfloor_gethostbyname4_r;

enum nss_status _nss_lnfloor_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
					      char *buffer, size_t buflen, int *errnop,
					      int *h_errnop, int32_t *ttlp)
{
	uintptr_t at = ((uintptr_t)buffer + 7) & ~(uintptr_t)7;
	struct gaih_addrtuple *t = (struct gaih_addrtuple *)at;

	if (at + sizeof(*t) > (uintptr_t)buffer + buflen) {
		*errnop = ERANGE;
		*h_errnop = NETDB_INTERNAL;
		return NSS_STATUS_TRYAGAIN;
	}
	memset(t, 0, sizeof(*t));
	t->name = (char *)name;
	t->family = AF_INET6;
	t->addr[0] = 0x80fe;		/* fe80::1, in network order */
	t->addr[3] = 0x01000000;
	t->scopeid = 1;
	*pat = t;
	if (ttlp)
		*ttlp = 0;
	return NSS_STATUS_SUCCESS;
}
