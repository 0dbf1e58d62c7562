/* publish: the daemon's side of the snapshot. Every entry comes from the
 * engine's record builder (engine_each_name), so the snapshot and the
 * query socket give the same records with the same TTLs. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "publish.h"
#include "snap.h"

struct publish {
	struct snap_header *snap;
	int fd;
	size_t size;
	uint64_t generation;		/* of the engine, last published */
	bool published;
	uint64_t not_before;		/* ms: rebuilds are throttled to ~5 % CPU */
};

struct publish *publish_open(uint32_t nslots)
{
	struct publish *p = calloc(1, sizeof(*p));

	if (!p)
		fatalx("out of memory");
	p->size = snap_size(nslots);
	p->fd = memfd_create("linkname-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (p->fd < 0)
		fatal("memfd_create");
	if (ftruncate(p->fd, (off_t)p->size) < 0)
		fatal("ftruncate snapshot");
	p->snap = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->snap == MAP_FAILED)
		fatal("mmap snapshot");
	snap_init(p->snap, p->size, nslots);
	/* From here on only our own mapping can write: clients get the fd
	 * but can neither write, map it writable, nor resize it. */
	if (fcntl(p->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
		  F_SEAL_SEAL) < 0)
		fatal("sealing the snapshot");
	return p;
}

void publish_close(struct publish *p)
{
	munmap(p->snap, p->size);
	close(p->fd);
	free(p);
}

/* snap_add puts an entry first in its chain, so a name's records go in
 * last first, and a lookup reads them in the builder's order (the reader
 * keeps the first QUERY_MAX_RECORDS, as the builder does). */
static void publish_name(const struct engine_record *recs, size_t n, void *arg)
{
	struct publish *p = arg;

	while (n-- > 0)
		snap_add(p->snap, recs[n].r.name, recs[n].r.name_len, recs[n].r.ifindex,
			 recs[n].r.addrs, recs[n].r.naddrs, recs[n].expires, recs[n].r.flags);
}

static uint64_t publish_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void publish_heartbeat(struct publish *p, const struct engine *e, uint64_t now)
{
	snap_set_valid_until(p->snap, now + 2 * (uint64_t)engine_interval_ms(e) + 10000);
}

void publish_update(struct publish *p, struct engine *e, uint64_t now)
{
	uint64_t t0;

	if ((!p->published || engine_generation(e) != p->generation) && now >= p->not_before) {
		t0 = publish_clock_us();
		p->generation = engine_generation(e);
		snap_begin(p->snap);
		engine_each_name(e, now, publish_name, p);
		snap_publish(p->snap);
		p->published = true;
		/* A big table under a stream of changes would otherwise be
		 * copied on every wake-up: wait twenty times what this took. */
		p->not_before = now + (publish_clock_us() - t0) * 20 / 1000;
	}
	publish_heartbeat(p, e, now);
}

uint64_t publish_next(const struct publish *p, const struct engine *e)
{
	return p->published && engine_generation(e) == p->generation ? UINT64_MAX : p->not_before;
}

int publish_fd(const struct publish *p)
{
	return p->fd;
}

void publish_withdraw(struct publish *p)
{
	snap_set_valid_until(p->snap, 0);
}
