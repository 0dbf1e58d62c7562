/* snap: the shared-memory snapshot of the neighbour table. */
#include <string.h>

#include "name.h"
#include "snap.h"

static uint32_t snap_buckets(uint32_t nslots)
{
	uint32_t n = 16;

	/* At least twice the slots: chains stay short. */
	while (n < 2 * nslots && n < (1u << 30))
		n <<= 1;
	return n;
}

static size_t snap_half_size(uint32_t nslots)
{
	return (size_t)snap_buckets(nslots) * sizeof(uint32_t) +
	       (size_t)nslots * sizeof(struct snap_entry);
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

	memset(mem, 0, size);
	h->magic = SNAP_MAGIC;
	h->version = SNAP_VERSION;
	h->size = size;
	h->nslots = nslots;
	h->nbuckets = snap_buckets(nslots);
	h->half_off[0] = hdr;
	h->half_off[1] = hdr + half;
}

static uint32_t *snap_bucket_array(const struct snap_header *h, unsigned int half)
{
	return (uint32_t *)((char *)h + h->half_off[half]);
}

static struct snap_entry *snap_entries(const struct snap_header *h, unsigned int half)
{
	return (struct snap_entry *)(snap_bucket_array(h, half) + h->nbuckets);
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
}

bool snap_add(struct snap_header *h, const char *name, size_t name_len, uint32_t ifindex,
	      const struct in6_addr *addrs, size_t naddrs, uint64_t expires, uint8_t flags)
{
	unsigned int half = snap_writing_half(h);
	uint32_t n = atomic_load_explicit(&h->count[half], memory_order_relaxed);
	uint32_t *buckets = snap_bucket_array(h, half), b;
	struct snap_entry *e;

	if (n >= h->nslots || name_len > WIRE_NAME_MAX || naddrs > WIRE_MAX_ADDRS)
		return false;
	e = &snap_entries(h, half)[n];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, name_len);
	e->name_len = (uint8_t)name_len;
	e->ifindex = ifindex;
	e->expires = expires;
	e->flags = flags;
	e->naddrs = (uint8_t)naddrs;
	memcpy(e->addrs, addrs, naddrs * sizeof(*addrs));
	b = name_hash(name, name_len) & (h->nbuckets - 1);
	e->next = buckets[b];
	buckets[b] = n + 1;
	atomic_store_explicit(&h->count[half], n + 1, memory_order_relaxed);
	return true;
}

void snap_publish(struct snap_header *h)
{
	uint64_t s = atomic_load_explicit(&h->seq, memory_order_relaxed);

	atomic_store_explicit(&h->seq, (s | 1) + 1, memory_order_release);
}

void snap_set_valid_until(struct snap_header *h, uint64_t t)
{
	atomic_store_explicit(&h->valid_until, t, memory_order_release);
}

bool snap_check(const void *mem, size_t size)
{
	const struct snap_header *h = mem;
	size_t i;

	if (size < sizeof(*h) || h->magic != SNAP_MAGIC || h->version != SNAP_VERSION ||
	    h->size != size || h->nslots == 0 || h->nslots > (1u << 24) ||
	    h->nbuckets != snap_buckets(h->nslots) || snap_size(h->nslots) != size)
		return false;
	for (i = 0; i < 2; i++)
		if (h->half_off[i] < sizeof(*h) ||
		    h->half_off[i] + snap_half_size(h->nslots) > size)
			return false;
	return true;
}

static void snap_record(const struct snap_entry *e, uint64_t now, struct query_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ifindex = e->ifindex;
	/* Our own entries never expire while the snapshot is valid. */
	r->ttl = e->expires - now > (uint64_t)WIRE_LIFETIME_MAX * 1000 ? WIRE_LIFETIME_MAX :
		 (uint32_t)((e->expires - now + 999) / 1000);
	r->flags = e->flags;
	r->naddrs = e->naddrs <= WIRE_MAX_ADDRS ? e->naddrs : WIRE_MAX_ADDRS;
	r->name_len = e->name_len <= WIRE_NAME_MAX ? e->name_len : WIRE_NAME_MAX;
	memcpy(r->name, e->name, r->name_len);
	r->name[r->name_len] = '\0';
	memcpy(r->addrs, e->addrs, r->naddrs * sizeof(r->addrs[0]));
}

/* Did the writer touch the half we read (seq s1) while we read it? It
 * writes half (gen & 1) only in generation gen + 1 while seq is odd. */
static bool snap_unchanged(const struct snap_header *h, uint64_t s1)
{
	uint64_t s2;

	atomic_thread_fence(memory_order_acquire);
	s2 = atomic_load_explicit(&h->seq, memory_order_relaxed);
	return s2 - (s1 & ~(uint64_t)1) <= 2;
}

int snap_lookup(const struct snap_header *h, const char *name, size_t name_len, uint64_t now,
		struct query_record *out, size_t max)
{
	int tries;

	for (tries = 0; tries < SNAP_RETRIES; tries++) {
		uint64_t s1 = atomic_load_explicit(&h->seq, memory_order_acquire);
		unsigned int half = (unsigned int)((s1 >> 1) & 1);
		const uint32_t *buckets = snap_bucket_array(h, half);
		const struct snap_entry *ents = snap_entries(h, half);
		uint32_t count = atomic_load_explicit(&h->count[half], memory_order_relaxed);
		uint32_t i = buckets[name_hash(name, name_len) & (h->nbuckets - 1)];
		uint32_t steps = 0;
		size_t n = 0;

		/* Indices are checked: a torn read must not walk off the map. */
		while (i && i <= count && i <= h->nslots && steps++ < h->nslots) {
			const struct snap_entry *e = &ents[i - 1];

			if (e->expires > now && e->name_len == name_len &&
			    name_equal(e->name, e->name_len, name, name_len) && n < max)
				snap_record(e, now, &out[n++]);
			i = e->next;
		}
		if (snap_unchanged(h, s1))
			return (int)n;
	}
	return -1;
}

int snap_reverse(const struct snap_header *h, const struct in6_addr *addr, uint32_t ifindex,
		 uint64_t now, struct query_record *out)
{
	int tries;

	for (tries = 0; tries < SNAP_RETRIES; tries++) {
		uint64_t s1 = atomic_load_explicit(&h->seq, memory_order_acquire);
		unsigned int half = (unsigned int)((s1 >> 1) & 1);
		const struct snap_entry *ents = snap_entries(h, half);
		uint32_t count = atomic_load_explicit(&h->count[half], memory_order_relaxed);
		uint32_t i, j;
		int found = 0;

		if (count > h->nslots)
			count = h->nslots;
		for (i = 0; i < count && !found; i++) {
			const struct snap_entry *e = &ents[i];

			if (e->expires <= now || (ifindex && e->ifindex != ifindex))
				continue;
			for (j = 0; j < e->naddrs && j < WIRE_MAX_ADDRS; j++) {
				if (!memcmp(&e->addrs[j], addr, sizeof(*addr))) {
					snap_record(e, now, out);
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
