/* publish: the daemon's side of the snapshot. Every entry comes from the
 * engine's record builder (engine_each_name), so the snapshot and the
 * query socket give the same records with the same TTLs; snapfile keeps
 * the file readers map. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "publish.h"
#include "snapfile.h"

struct publish {
	struct snapfile *sf;		/* NULL: no snapshot (logged) */
	struct snap_header *h;		/* the generation being built */
	size_t nrecords;		/* counted before building */
	uint64_t generation;		/* of the engine, last published */
	bool published;
	bool failing;			/* the last publication failed (logged once) */
	uint64_t not_before;		/* ms: rebuilds are throttled to ~5 % CPU */
};

/* For atexit: a fatal exit must withdraw what readers trust too. */
static struct publish *publish_current;

static void publish_withdraw(void)
{
	if (publish_current && publish_current->sf) {
		snapfile_close(publish_current->sf);
		publish_current->sf = NULL;
	}
}

struct publish *publish_open(uid_t owner, size_t max_entries)
{
	struct publish *p = calloc(1, sizeof(*p));
	char err[512];
	int r;

	if (!p)
		fatalx("out of memory");
	r = snapfile_open(&p->sf, snapfile_dir(), owner, max_entries, err, sizeof(err));
	if (r == -EBUSY)
		fatalx("%s", err);
	if (r < 0) {
		p->sf = NULL;
		log_warnx("%s: programs in this network namespace will not resolve through linkname",
			  err);
	}
	publish_current = p;
	atexit(publish_withdraw);
	return p;
}

void publish_close(struct publish *p)
{
	publish_withdraw();
	publish_current = NULL;
	free(p);
}

static void publish_count(const struct engine_record *recs, size_t n, void *arg)
{
	(void)recs;
	*(size_t *)arg += n;
}

/* snap_add puts an entry first in its chain, so a name's records go in
 * last first, and a lookup reads them in the builder's order (the reader
 * keeps the first QUERY_MAX_RECORDS, as the builder does). */
static void publish_name(const struct engine_record *recs, size_t n, void *arg)
{
	struct publish *p = arg;

	while (n-- > 0)
		snap_add(p->h, recs[n].r.name, recs[n].r.name_len, recs[n].r.ifindex,
			 recs[n].r.addrs, recs[n].r.naddrs, recs[n].expires, recs[n].r.flags);
}

static uint64_t publish_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void publish_update(struct publish *p, struct engine *e, uint64_t now)
{
	char err[512];
	uint64_t t0;

	if (!p->sf || (p->published && engine_generation(e) == p->generation) ||
	    now < p->not_before)
		return;
	t0 = publish_clock_us();
	p->generation = engine_generation(e);
	/* Counted first: the file is sized to what it will hold. */
	p->nrecords = 0;
	engine_each_name(e, now, publish_count, &p->nrecords);
	p->h = snapfile_begin(p->sf, p->nrecords);
	engine_each_name(e, now, publish_name, p);
	if (snapfile_publish(p->sf, err, sizeof(err)) < 0) {
		if (!p->failing)
			log_warnx("%s: programs see the last table until a change succeeds", err);
		p->failing = true;
	} else if (p->failing) {
		log_info("snapshot published again");
		p->failing = false;
	}
	p->published = true;
	/* A big table under a stream of changes would otherwise be copied on
	 * every wake-up: wait twenty times what this took. */
	p->not_before = now + (publish_clock_us() - t0) * 20 / 1000;
}

uint64_t publish_next(const struct publish *p, const struct engine *e)
{
	if (!p->sf || (p->published && engine_generation(e) == p->generation))
		return UINT64_MAX;
	return p->not_before;
}
