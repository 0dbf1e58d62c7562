/* snap: the shared-memory snapshot of the neighbour table. */
#include <errno.h>
#include <string.h>

#include "name.h"
#include "snap.h"

/* A bucket per slot at least: chains stay short. */
static uint32_t snap_buckets(uint32_t nslots)
{
	uint32_t n = 16;

	while (n < nslots && n < (1u << 30))
		n <<= 1;
	return n;
}

/* Each half's record area, in units: room for nslots of the biggest
 * record. */
static uint32_t snap_units(uint32_t nslots)
{
	return (uint32_t)(((uint64_t)nslots * SNAP_REC_MAX) / SNAP_UNIT);
}

static size_t snap_half_size(uint32_t nslots)
{
	return (size_t)snap_buckets(nslots) * sizeof(uint32_t) + (size_t)snap_units(nslots) * SNAP_UNIT;
}

size_t snap_rec_size(size_t name_len, size_t naddrs)
{
	return (SNAP_REC_HDR + name_len + naddrs * sizeof(struct in6_addr) + SNAP_UNIT - 1) &
	       ~(size_t)(SNAP_UNIT - 1);
}

uint32_t snap_slots_for(size_t n)
{
	uint32_t slots = SNAP_MIN_SLOTS;

	while (slots < n + n / 2 && slots < SNAP_MAX_SLOTS)
		slots <<= 1;
	return slots;
}

size_t snap_size(uint32_t nslots)
{
	size_t hdr = (sizeof(struct snap_header) + 63) & ~(size_t)63;
	size_t half = (snap_half_size(nslots) + 63) & ~(size_t)63;

	return hdr + 2 * half;
}

void snap_init(void *mem, size_t size, uint32_t nslots)
{
	struct snap_header *h = mem;
	size_t hdr = (sizeof(*h) + 63) & ~(size_t)63;
	size_t half = (snap_half_size(nslots) + 63) & ~(size_t)63;

	memset(h, 0, sizeof(*h));
	h->magic = SNAP_MAGIC;
	h->version = SNAP_VERSION;
	h->size = size;
	h->nslots = nslots;
	h->nbuckets = snap_buckets(nslots);
	h->half_off[0] = hdr;
	h->half_off[1] = hdr + half;
	atomic_store_explicit(&h->state, SNAP_LIVE, memory_order_release);
}

/* The writer's side: the daemon's own snapshot, geometry from its header. */
static uint32_t *snap_bucket_array(const struct snap_header *h, unsigned int half)
{
	return (uint32_t *)((char *)h + h->half_off[half]);
}

static uint8_t *snap_area(const struct snap_header *h, unsigned int half)
{
	return (uint8_t *)(snap_bucket_array(h, half) + h->nbuckets);
}

static unsigned int snap_writing_half(const struct snap_header *h)
{
	return (unsigned int)(((atomic_load_explicit(&h->seq, memory_order_relaxed) >> 1) & 1) ^ 1);
}

void snap_begin(struct snap_header *h)
{
	uint64_t s = atomic_load_explicit(&h->seq, memory_order_relaxed);
	unsigned int half;

	if (!(s & 1)) {
		atomic_store_explicit(&h->seq, s + 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
	}
	half = snap_writing_half(h);
	memset(snap_bucket_array(h, half), 0, h->nbuckets * sizeof(uint32_t));
	atomic_store_explicit(&h->count[half], 0, memory_order_relaxed);
	h->base[half] = 0;
}

/* expires as its half stores it: ms after a base set by the first record,
 * 2^31 ms (24 days) before its expiry, so that the others (within a
 * lifetime of it) fit in 32 bits. */
static uint32_t snap_rel_expiry(struct snap_header *h, unsigned int half, uint64_t expires)
{
	if (!h->base[half])
		h->base[half] = expires > ((uint64_t)1 << 31) ? expires - ((uint64_t)1 << 31) : 1;
	if (expires < h->base[half])
		return 0;
	if (expires - h->base[half] >= SNAP_NEVER)
		return SNAP_NEVER;
	return (uint32_t)(expires - h->base[half]);
}

bool snap_add(struct snap_header *h, const char *name, size_t name_len, uint32_t ifindex,
	      const struct in6_addr *addrs, size_t naddrs, uint64_t expires, uint8_t flags)
{
	unsigned int half = snap_writing_half(h);
	uint32_t used = atomic_load_explicit(&h->count[half], memory_order_relaxed);
	uint32_t *buckets = snap_bucket_array(h, half), b;
	size_t size = snap_rec_size(name_len, naddrs);
	struct snap_rec *r;
	uint8_t *p;

	if (name_len > WIRE_NAME_MAX || naddrs > WIRE_MAX_ADDRS ||
	    size / SNAP_UNIT > snap_units(h->nslots) - used)
		return false;
	p = snap_area(h, half) + (size_t)used * SNAP_UNIT;
	r = (struct snap_rec *)(void *)p;
	r->expires = snap_rel_expiry(h, half, expires);
	r->ifindex = ifindex;
	r->name_len = (uint8_t)name_len;
	r->naddrs = (uint8_t)naddrs;
	r->flags = flags;
	r->pad = 0;
	memcpy(p + SNAP_REC_HDR, name, name_len);
	memcpy(p + SNAP_REC_HDR + name_len, addrs, naddrs * sizeof(*addrs));
	/* The padding too: nothing of an earlier generation shows through. */
	memset(p + SNAP_REC_HDR + name_len + naddrs * sizeof(*addrs), 0,
	       size - SNAP_REC_HDR - name_len - naddrs * sizeof(*addrs));
	b = name_hash(name, name_len) & (h->nbuckets - 1);
	r->next = buckets[b];
	buckets[b] = used + 1;
	atomic_store_explicit(&h->count[half], used + (uint32_t)(size / SNAP_UNIT), memory_order_relaxed);
	return true;
}

void snap_publish(struct snap_header *h)
{
	uint64_t s = atomic_load_explicit(&h->seq, memory_order_relaxed);

	atomic_store_explicit(&h->seq, (s | 1) + 1, memory_order_release);
}

void snap_idle_half(const struct snap_header *h, uint64_t *off, uint64_t *len)
{
	unsigned int half = snap_writing_half(h);

	*off = h->half_off[half];
	*len = (snap_half_size(h->nslots) + 63) & ~(uint64_t)63;
}

void snap_set_state(struct snap_header *h, enum snap_state state)
{
	atomic_store_explicit(&h->state, (uint32_t)state, memory_order_release);
}

int snap_file_name(const char *link, size_t len, uint64_t *ino, char name[SNAP_NAME_MAX])
{
	char digits[20];
	uint64_t v = 0;
	size_t i, n = 0;

	if (len < 7 || len > 5 + 20 + 1 || memcmp(link, "net:[", 5) != 0 || link[len - 1] != ']')
		return -1;
	for (i = 5; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(link[i] - '0');
	}
	if (v == 0)
		return -1;
	*ino = v;
	/* By hand, not snprintf: this runs in every program's first lookup. */
	for (; v; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	memcpy(name, "net-", 4);
	for (i = 0; i < n; i++)
		name[4 + i] = digits[n - 1 - i];
	name[4 + n] = '\0';
	return 0;
}

int snap_file_trusted(const struct stat *dir, const struct stat *file)
{
	if (!S_ISDIR(dir->st_mode) || (dir->st_mode & (S_IWGRP | S_IWOTH)) ||
	    !S_ISREG(file->st_mode) || (file->st_mode & (S_IWGRP | S_IWOTH)) ||
	    (file->st_uid != 0 && file->st_uid != dir->st_uid) || file->st_dev != dir->st_dev)
		return -EPERM;
	if (file->st_size < (off_t)sizeof(struct snap_header) ||
	    (uint64_t)file->st_size > snap_size(SNAP_MAX_SLOTS))
		return -EPROTO;
	return 0;
}

bool snap_check(const void *mem, size_t size)
{
	const struct snap_header *h = mem;
	size_t i;

	if (size < sizeof(*h) || h->magic != SNAP_MAGIC || h->version != SNAP_VERSION ||
	    h->size != size || h->nslots == 0 || h->nslots > SNAP_MAX_SLOTS ||
	    h->nbuckets != snap_buckets(h->nslots) || snap_size(h->nslots) != size)
		return false;
	for (i = 0; i < 2; i++)
		if (h->half_off[i] < sizeof(*h) || h->half_off[i] % 64 || h->half_off[i] > size ||
		    size - h->half_off[i] < snap_half_size(h->nslots))
			return false;
	return true;
}

bool snap_view_init(struct snap_view *v, const void *mem, size_t size)
{
	struct snap_header copy;
	unsigned int i;

	/* Check a private copy of the header (snap_check reads only the
	 * header): what was checked is what is kept, whatever shared memory
	 * says later. */
	if (size < sizeof(copy))
		return false;
	memcpy(&copy, mem, sizeof(copy));
	if (!snap_check(&copy, size))
		return false;
	memset(v, 0, sizeof(*v));
	v->h = mem;
	v->nslots = copy.nslots;
	v->nbuckets = copy.nbuckets;
	v->units = snap_units(copy.nslots);
	for (i = 0; i < 2; i++) {
		v->buckets[i] = (const uint32_t *)((const char *)mem + copy.half_off[i]);
		v->recs[i] = (const uint8_t *)(v->buckets[i] + copy.nbuckets);
	}
	return true;
}

enum snap_state snap_view_state(const struct snap_view *v)
{
	return (enum snap_state)atomic_load_explicit(&v->h->state, memory_order_acquire);
}

/* One read of a field the writer may be rewriting: a length checked and
 * then read again could have changed in between, so the reader reads each
 * such field once, into a local, and bounds that. */
#define SNAP_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

/* A record as the reader may trust it: at unit o (from 0) of an area of
 * used units, its lengths bounded, all of it inside the used part. */
struct snap_found {
	const struct snap_rec *r;
	const uint8_t *name;
	uint8_t name_len, naddrs;
	uint32_t units;			/* its size */
};

static bool snap_at(const uint8_t *area, uint32_t used, uint32_t o, struct snap_found *f)
{
	const struct snap_rec *r;
	size_t size;

	if (o >= used || used - o < SNAP_REC_HDR / SNAP_UNIT)
		return false;
	r = (const struct snap_rec *)(const void *)(area + (size_t)o * SNAP_UNIT);
	f->r = r;
	f->name = area + (size_t)o * SNAP_UNIT + SNAP_REC_HDR;
	f->name_len = SNAP_ONCE(r->name_len);
	f->naddrs = SNAP_ONCE(r->naddrs);
	if (f->name_len > WIRE_NAME_MAX)
		f->name_len = WIRE_NAME_MAX;
	if (f->naddrs > WIRE_MAX_ADDRS)
		f->naddrs = WIRE_MAX_ADDRS;
	size = snap_rec_size(f->name_len, f->naddrs);
	f->units = (uint32_t)(size / SNAP_UNIT);
	return f->units <= used - o;
}

/* A record's expiry in ms, from its half's base (base: read once). */
static uint64_t snap_expiry(const struct snap_found *f, uint64_t base)
{
	uint32_t rel = SNAP_ONCE(f->r->expires);

	return rel == SNAP_NEVER ? UINT64_MAX : base + rel;
}

static void snap_record(const struct snap_found *f, uint64_t expires, uint64_t now,
			struct query_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ifindex = SNAP_ONCE(f->r->ifindex);
	/* Our own entries never expire while the snapshot is valid. */
	r->ttl = expires - now > (uint64_t)WIRE_LIFETIME_MAX * 1000 ? WIRE_LIFETIME_MAX :
		 (uint32_t)((expires - now + 999) / 1000);
	r->flags = SNAP_ONCE(f->r->flags);
	r->naddrs = f->naddrs;
	r->name_len = f->name_len;
	memcpy(r->name, f->name, r->name_len);
	r->name[r->name_len] = '\0';
	memcpy(r->addrs, f->name + f->name_len, r->naddrs * sizeof(r->addrs[0]));
}

/* Did the writer publish, or start to, while we read (seq s1)? Any move
 * counts: the half a reader left may be released at once. */
static bool snap_unchanged(const struct snap_header *h, uint64_t s1)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&h->seq, memory_order_relaxed) == s1;
}

/* Units in use in a half's area, as the reader may trust it. */
static uint32_t snap_used(const struct snap_view *v, unsigned int half)
{
	uint32_t used = atomic_load_explicit(&v->h->count[half], memory_order_relaxed);

	return used <= v->units ? used : v->units;
}

/* The half readers read at seq s: the last published. */
static unsigned int snap_read_half(uint64_t s)
{
	return (unsigned int)((s >> 1) & 1);
}

int snap_lookup(const struct snap_view *v, const char *name, size_t name_len, uint64_t now,
		struct query_record *out, size_t max)
{
	const struct snap_header *h = v->h;
	int tries;

	for (tries = 0; tries < SNAP_RETRIES; tries++) {
		uint64_t s1 = atomic_load_explicit(&h->seq, memory_order_acquire);
		unsigned int half = snap_read_half(s1);
		const uint8_t *area = v->recs[half];
		uint32_t used = snap_used(v, half);
		uint32_t i = SNAP_ONCE(v->buckets[half][name_hash(name, name_len) & (v->nbuckets - 1)]);
		uint64_t base = SNAP_ONCE(h->base[half]);
		uint32_t steps = 0;
		struct snap_found f;
		size_t n = 0;

		/* Every offset read from shared memory is bounded by the private
		 * geometry: a torn or forged snapshot must not walk off the map. */
		while (i && steps++ < v->nslots && snap_at(area, used, i - 1, &f)) {
			uint64_t expires = snap_expiry(&f, base);

			if (expires > now && f.name_len == name_len &&
			    name_equal((const char *)f.name, name_len, name, name_len) && n < max)
				snap_record(&f, expires, now, &out[n++]);
			i = SNAP_ONCE(f.r->next);
		}
		if (snap_unchanged(h, s1))
			return (int)n;
	}
	return -1;
}

int snap_reverse(const struct snap_view *v, const struct in6_addr *addr, uint32_t ifindex,
		 uint64_t now, struct query_record *out)
{
	const struct snap_header *h = v->h;
	int tries;

	for (tries = 0; tries < SNAP_RETRIES; tries++) {
		uint64_t s1 = atomic_load_explicit(&h->seq, memory_order_acquire);
		unsigned int half = snap_read_half(s1);
		const uint8_t *area = v->recs[half];
		uint32_t used = snap_used(v, half), o, j;
		uint64_t base = SNAP_ONCE(h->base[half]);
		struct snap_found f;
		int found = 0;

		for (o = 0; !found && snap_at(area, used, o, &f); o += f.units) {
			const uint8_t *a = f.name + f.name_len;
			uint64_t expires = snap_expiry(&f, base);

			if (expires <= now || (ifindex && SNAP_ONCE(f.r->ifindex) != ifindex))
				continue;
			for (j = 0; j < f.naddrs; j++) {
				if (!memcmp(a + j * sizeof(*addr), addr, sizeof(*addr))) {
					snap_record(&f, expires, now, out);
					found = 1;
					break;
				}
			}
		}
		if (snap_unchanged(h, s1))
			return found;
	}
	return -1;
}
