/* rssfloor: the floor under the daemon's idle RSS, for `make bench`. It is
 * linked with the daemon's libraries (the Makefile gives it linknamed's
 * link line) and does only what any daemon built on them must: load them,
 * and follow links and addresses with libnl's cache manager, as iface.c
 * does. Then it waits, so that its VmRSS can be read beside an idle
 * linknamed's: what is left between the two is the daemon's own.
 *
 *   rssfloor
 *
 * Prints "ready pid=PID" once set up, then sleeps until it is signalled. */
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sodium.h>
#include <stdio.h>
#include <unistd.h>

static void changed(struct nl_cache *c, struct nl_object *o, int action, void *arg)
{
	(void)c;
	(void)o;
	(void)action;
	(void)arg;
}

int main(void)
{
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs;
	unsigned char key[32];

	/* libsodium is loaded, as in a daemon without keys: never set up. */
	sodium_memzero(key, sizeof(key));
	if (nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &mngr) < 0 ||
	    nl_cache_mngr_add(mngr, "route/link", changed, NULL, &links) < 0 ||
	    nl_cache_mngr_add(mngr, "route/addr", changed, NULL, &addrs) < 0) {
		fprintf(stderr, "rssfloor: cannot set up libnl's cache manager\n");
		return 1;
	}
	/* A libnl-route call, so the library is linked whatever the flags. */
	if (nl_cache_nitems(links) > 0)
		(void)rtnl_link_get_ifindex((struct rtnl_link *)nl_cache_get_first(links));
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	pause();
	nl_cache_mngr_free(mngr);
	return 0;
}
