/* nss_snap: map and read the daemon's snapshot inside the calling program. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "nss_snap.h"
#include "snap.h"

#define NSS_SNAP_MAX_RECORDS QUERY_MAX_RECORDS	/* the one cap on records per lookup */
/* Seals that make the mapping trustworthy: nobody but the daemon's own
 * mapping can change it, and it cannot shrink under us (SIGBUS). */
#define NSS_SNAP_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE)

struct nss_snap_map {
	const struct snap_header *h;
	dev_t dev;
	ino_t ino;
};

/* The current mapping. A replaced one is never unmapped: another thread
 * may still be reading it. That leaks one mapping per daemon restart seen
 * by a long-lived process, and nothing otherwise. */
static struct nss_snap_map *_Atomic nss_snap_cur;

static uint64_t nss_snap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool nss_snap_valid(const struct nss_snap_map *m, uint64_t now)
{
	return m && atomic_load_explicit(&m->h->valid_until, memory_order_acquire) > now;
}

/* Ask the daemon for its snapshot and map it. *err is the client's error
 * when the daemon could not be asked at all, else 0. */
static struct nss_snap_map *nss_snap_fetch(int *err)
{
	struct query_request req = { .op = QUERY_SNAPSHOT };
	struct nss_snap_map *m = NULL, *cur;
	struct client_response resp;
	struct stat st;
	void *mem;
	int fd, seals;

	*err = client_query(NULL, &req, CLIENT_TIMEOUT_MS, &resp);
	if (*err < 0) {
		*err = -*err;
		return NULL;
	}
	fd = resp.fd;
	resp.fd = -1;
	if (resp.hdr.status != QUERY_OK || fd < 0)
		goto out;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & NSS_SNAP_SEALS) != NSS_SNAP_SEALS || fstat(fd, &st) < 0 ||
	    st.st_size < (off_t)sizeof(struct snap_header))
		goto out;
	/* The same memfd as we already map: the daemon is alive, keep it. */
	cur = atomic_load(&nss_snap_cur);
	if (cur && cur->dev == st.st_dev && cur->ino == st.st_ino) {
		m = cur;
		goto out;
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		goto out;
	if (!snap_check(mem, (size_t)st.st_size)) {
		munmap(mem, (size_t)st.st_size);
		goto out;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		munmap(mem, (size_t)st.st_size);
		goto out;
	}
	m->h = mem;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	if (!atomic_compare_exchange_strong(&nss_snap_cur, &cur, m)) {
		/* Another thread installed one first: use it, drop ours. */
		munmap(mem, (size_t)st.st_size);
		free(m);
		m = cur;
	}
out:
	close(fd);
	client_response_free(&resp);
	return m;
}

int nss_snap_ask(const struct query_request *req, struct nss_conv_result *res, int *err)
{
	struct query_record recs[NSS_SNAP_MAX_RECORDS];
	uint64_t now = nss_snap_now();
	struct nss_snap_map *m = atomic_load(&nss_snap_cur);
	int n, i;

	*err = 0;
	if (!nss_snap_valid(m, now)) {
		m = nss_snap_fetch(err);
		if (!nss_snap_valid(m, now))
			return -1;
	}
	if (req->op == QUERY_RESOLVE)
		n = snap_lookup(m->h, req->name, req->name_len, now, recs, NSS_SNAP_MAX_RECORDS);
	else if (req->op == QUERY_REVERSE)
		n = snap_reverse(m->h, &req->addr, req->ifindex, now, recs);
	else
		return -1;
	if (n < 0)
		return -1;
	memset(res, 0, sizeof(*res));
	for (i = 0; i < n; i++)
		if (nss_conv_add_record(res, &recs[i]) < 0)
			return -1;
	return res->naddrs > 0 ? 1 : 0;
}

/* glibc unloads NSS modules only at exit under __libc_freeres (valgrind):
 * release the current mapping then so leak checkers see a clean exit. */
__attribute__((destructor)) static void nss_snap_unload(void)
{
	struct nss_snap_map *m = atomic_exchange(&nss_snap_cur, NULL);

	if (!m)
		return;
	munmap((void *)m->h, m->h->size);
	free(m);
}
