/* nss_snap: find, check and map the daemon's snapshot inside the calling
 * program, per network namespace (see nss_snap.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nss_snap.h"
#include "snap.h"

#define NSS_SNAP_MAX_RECORDS	QUERY_MAX_RECORDS	/* the one cap on records per lookup */
/* Mappings at once, live and being released: namespaces a program's
 * threads use, plus those still being read when replaced. */
#define NSS_SNAP_MAPS		16
/* How often one thread checks that the daemon behind a mapping lives. */
#define NSS_SNAP_CHECK_MS	500

_Static_assert(ATOMIC_LONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
	       "the lookup path must not take locks");

/* A mapping's life: FREE -> SETUP (one thread maps it) -> LIVE (lookups
 * use it) -> RETIRED (no new lookup takes it) -> FREEING (unmapped by the
 * thread that saw no reader left) -> FREE. */
enum { MAP_FREE, MAP_SETUP, MAP_LIVE, MAP_RETIRED, MAP_FREEING };

struct nss_snap_map {
	_Alignas(64) _Atomic unsigned int state;
	_Atomic unsigned int refs;	/* lookups reading it now */
	_Atomic uint64_t ns;		/* network namespace (its inode) */
	_Atomic uint64_t checked;	/* ms: last liveness check */
	_Atomic uint64_t used;		/* ms, coarse: which to evict */
	/* Written in SETUP only; read only while holding a reference. */
	struct snap_view view;
	size_t len;
	dev_t dev;
	ino_t ino;
};

/* No destructor, no unmapping at exit: another thread may be reading.
 * In .data, not .bss: the module's zero-filled pages then come with its
 * file mapping, and loading it needs no extra anonymous mapping (an mmap
 * less in every program's first lookup, ~1.5 us, make bench). */
static struct nss_snap_map nss_snap_maps[NSS_SNAP_MAPS] __attribute__((section(".data.nss_snap_maps")));

static uint64_t nss_snap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* This thread's network namespace (setns() is per thread) and the path of
 * its daemon's snapshot; *dirlen: the length of its directory part. The
 * main thread's is read through /proc/self, one level of /proc shorter
 * than /proc/thread-self: in a new process (a first lookup) each level of
 * /proc costs microseconds the first time. */
static int nss_snap_where(uint64_t *ns, char *path, size_t len, size_t *dirlen)
{
	char link[64], name[SNAP_NAME_MAX];
	const char *dir = secure_getenv(SNAP_DIR_ENV);
	ssize_t n = readlink(gettid() == getpid() ? "/proc/self/ns/net" : "/proc/thread-self/ns/net",
			     link, sizeof(link));
	size_t nlen;

	if (n < 0)
		return -errno;
	if (snap_file_name(link, (size_t)n, ns, name) < 0)
		return -EPROTO;
	if (!dir || dir[0] != '/')
		dir = SNAP_DIR;
	*dirlen = strlen(dir);
	nlen = strlen(name);
	if (*dirlen + 1 + nlen + 1 > len)
		return -ENAMETOOLONG;
	memcpy(path, dir, *dirlen);
	path[*dirlen] = '/';
	memcpy(path + *dirlen + 1, name, nlen + 1);
	return 0;
}

/* Does a daemon hold its lock on the file? */
static bool nss_snap_alive(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK;
}

static int nss_snap_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	/* A symbolic link in place of the file is not the daemon's. */
	return errno == ELOOP ? -EPERM : -errno;
}

/* Map path (its directory: the first dirlen octets) into m if it may be
 * trusted and its daemon lives. */
static int nss_snap_map_file(struct nss_snap_map *m, const char *path, size_t dirlen)
{
	char dir[320];
	struct stat st, dst;
	bool alive;
	void *mem;
	int fd, r = 0;

	if (dirlen >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, dirlen);
	dir[dirlen] = '\0';
	fd = nss_snap_open(path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || lstat(dirlen ? dir : "/", &dst) < 0)
		r = -errno;
	else
		r = snap_file_trusted(&dst, &st);
	if (r < 0) {
		close(fd);
		return r;
	}
	/* Not MAP_POPULATE: a lookup touches two or three pages, and faulting
	 * those costs less than populating even a one-page file. */
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		r = -errno;
		close(fd);
		return r;
	}
	alive = nss_snap_alive(fd);
	close(fd);
	/* The state is read after the lock: a daemon marks a file replaced
	 * before it lets go of its lock, so a file opened just before its
	 * replacement reads as replaced, never as a dead daemon's. */
	if (!snap_view_init(&m->view, mem, (size_t)st.st_size))
		r = -EPROTO;
	else if (snap_view_state(&m->view) == SNAP_REPLACED)
		r = -EAGAIN;			/* a new file is at the path now */
	else if (snap_view_state(&m->view) != SNAP_LIVE)
		r = -ENOENT;			/* its daemon exited */
	else if (!alive)
		r = -ESRCH;			/* a dead daemon's leftover */
	if (r < 0) {
		munmap(mem, (size_t)st.st_size);
		return r;
	}
	m->len = (size_t)st.st_size;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return 0;
}

/* Is the file at path still m's, and does its daemon live? */
static bool nss_snap_verify(const struct nss_snap_map *m, const char *path)
{
	struct stat st;
	bool ok;
	int fd = nss_snap_open(path);

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && st.st_dev == m->dev && st.st_ino == m->ino &&
	     st.st_size >= (off_t)m->len && nss_snap_alive(fd);
	close(fd);
	return ok;
}

static void nss_snap_retire(struct nss_snap_map *m)
{
	unsigned int live = MAP_LIVE;

	atomic_compare_exchange_strong(&m->state, &live, MAP_RETIRED);
}

/* Unmap a retired mapping nobody reads. Claiming it (FREEING) before
 * looking at refs pairs with a reader's taking a reference before looking
 * at state: either the reader sees FREEING and lets go, or this sees its
 * reference and leaves the mapping for the last reader to release. */
static void nss_snap_free(struct nss_snap_map *m)
{
	unsigned int retired = MAP_RETIRED;

	if (!atomic_compare_exchange_strong(&m->state, &retired, MAP_FREEING))
		return;
	if (atomic_load(&m->refs) != 0) {
		atomic_store(&m->state, MAP_RETIRED);
		return;
	}
	munmap((void *)m->view.h, m->len);
	memset(&m->view, 0, sizeof(m->view));
	atomic_store(&m->state, MAP_FREE);
}

static void nss_snap_release(struct nss_snap_map *m)
{
	if (atomic_fetch_sub(&m->refs, 1) == 1 && atomic_load(&m->state) == MAP_RETIRED)
		nss_snap_free(m);
}

/* A reference to m if it is a live mapping of namespace ns. */
static bool nss_snap_hold(struct nss_snap_map *m, uint64_t ns)
{
	if (atomic_load_explicit(&m->state, memory_order_relaxed) != MAP_LIVE ||
	    atomic_load_explicit(&m->ns, memory_order_relaxed) != ns)
		return false;
	atomic_fetch_add(&m->refs, 1);
	if (atomic_load(&m->state) == MAP_LIVE && atomic_load(&m->ns) == ns)
		return true;
	nss_snap_release(m);
	return false;
}

static struct nss_snap_map *nss_snap_find(uint64_t ns, uint64_t now)
{
	size_t i;

	for (i = 0; i < NSS_SNAP_MAPS; i++) {
		struct nss_snap_map *m = &nss_snap_maps[i];

		if (nss_snap_hold(m, ns)) {
			if (now > atomic_load_explicit(&m->used, memory_order_relaxed) + 1000)
				atomic_store_explicit(&m->used, now, memory_order_relaxed);
			return m;
		}
	}
	return NULL;
}

static void nss_snap_reap(void)
{
	size_t i;

	for (i = 0; i < NSS_SNAP_MAPS; i++)
		if (atomic_load(&nss_snap_maps[i].state) == MAP_RETIRED)
			nss_snap_free(&nss_snap_maps[i]);
}

/* A free slot, made if need be by retiring the mapping least recently
 * used (another namespace's: ns has none live). */
static struct nss_snap_map *nss_snap_claim(void)
{
	struct nss_snap_map *oldest = NULL;
	int round;
	size_t i;

	for (round = 0; round < 2; round++) {
		nss_snap_reap();
		for (i = 0; i < NSS_SNAP_MAPS; i++) {
			unsigned int free_ = MAP_FREE;

			if (atomic_compare_exchange_strong(&nss_snap_maps[i].state, &free_, MAP_SETUP))
				return &nss_snap_maps[i];
		}
		for (i = 0; i < NSS_SNAP_MAPS; i++)
			if (atomic_load(&nss_snap_maps[i].state) == MAP_LIVE &&
			    (!oldest || atomic_load(&nss_snap_maps[i].used) < atomic_load(&oldest->used)))
				oldest = &nss_snap_maps[i];
		if (oldest)
			nss_snap_retire(oldest);
	}
	return NULL;
}

/* Two threads mapped ns at once: keep one. The same file twice: the one
 * in the lower slot stays. Another file: m's was at the path just now, so
 * the other is the stale one. */
static void nss_snap_dedupe(struct nss_snap_map *m, uint64_t ns)
{
	size_t i;

	for (i = 0; i < NSS_SNAP_MAPS; i++) {
		struct nss_snap_map *o = &nss_snap_maps[i];

		if (o == m || !nss_snap_hold(o, ns))
			continue;
		if (o->dev != m->dev || o->ino != m->ino)
			nss_snap_retire(o);
		else
			nss_snap_retire(o < m ? m : o);
		nss_snap_release(o);
	}
}

/* Map namespace ns's snapshot at path: a held, live mapping, or NULL. */
static struct nss_snap_map *nss_snap_add(uint64_t ns, const char *path, size_t dirlen,
					 uint64_t now, int *err)
{
	struct nss_snap_map *m = nss_snap_claim();

	if (!m) {
		*err = EAGAIN;		/* every slot is being read right now */
		return NULL;
	}
	*err = -nss_snap_map_file(m, path, dirlen);
	if (*err) {
		atomic_store(&m->state, MAP_FREE);
		return NULL;
	}
	atomic_fetch_add(&m->refs, 1);
	atomic_store(&m->ns, ns);
	atomic_store(&m->checked, now);
	atomic_store(&m->used, now);
	atomic_store(&m->state, MAP_LIVE);
	nss_snap_dedupe(m, ns);
	return m;
}

/* Still the daemon's current table? Its state is read on every lookup (a
 * replacement or a clean exit is seen at once); one thread at a time, at
 * most every NSS_SNAP_CHECK_MS, checks that the daemon lives. */
static bool nss_snap_fresh(struct nss_snap_map *m, const char *path, uint64_t now)
{
	uint64_t last = atomic_load_explicit(&m->checked, memory_order_relaxed);

	if (snap_view_state(&m->view) != SNAP_LIVE)
		return false;
	/* (last may be a little ahead of now: another thread's clock read.) */
	if (now < last + NSS_SNAP_CHECK_MS ||
	    !atomic_compare_exchange_strong(&m->checked, &last, now))
		return true;
	nss_snap_reap();
	return nss_snap_verify(m, path);
}

int nss_snap_ask(const struct query_request *req, struct nss_conv_result *res, int *err)
{
	struct query_record recs[NSS_SNAP_MAX_RECORDS];
	struct nss_snap_map *m = NULL;
	char path[320];
	uint64_t ns, now;
	size_t dirlen = 0;
	int n, i, tries, saved_errno = errno;

	*err = -nss_snap_where(&ns, path, sizeof(path), &dirlen);
	if (*err)
		goto out;
	now = nss_snap_now();
	/* A file replaced while we mapped it is mapped again, twice at most. */
	for (tries = 0; tries < 3 && !m; tries++) {
		m = nss_snap_find(ns, now);
		if (m && !nss_snap_fresh(m, path, now)) {
			nss_snap_retire(m);
			nss_snap_release(m);
			m = NULL;
		}
		if (!m)
			m = nss_snap_add(ns, path, dirlen, now, err);
		if (!m && *err != EAGAIN)
			break;
	}
	if (!m)
		goto out;
	*err = 0;
	if (req->op == QUERY_RESOLVE)
		n = snap_lookup(&m->view, req->name, req->name_len, now, recs, NSS_SNAP_MAX_RECORDS);
	else
		n = snap_reverse(&m->view, &req->addr, req->ifindex, now, recs);
	nss_snap_release(m);
	if (n < 0)
		*err = EAGAIN;			/* rewritten under us every time */
	memset(res, 0, sizeof(*res));
	for (i = 0; i < n && !*err; i++)
		if (nss_conv_add_record(res, &recs[i]) < 0)
			*err = EPROTO;
out:
	errno = saved_errno;
	if (*err)
		return -1;
	return res->naddrs > 0 ? 1 : 0;
}
