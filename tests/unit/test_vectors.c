/* The test vectors of tests/vectors/ (format: tests/vectors/README), run
 * through the engine the daemon runs: one cmocka test per file, each
 * datagram's verdict, its decoding, what a version 1 sender encodes and
 * what the receiver holds afterwards. Then: every drop reason of
 * PROTOCOL.md section 7 has a vector, and every hex dump of section 10 is
 * a datagram of the vector it names, so the document cannot drift from
 * the data. The Makefile passes the paths (VECTORS_DIR, PROTOCOL_MD). */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "engine.h"
#include "sched.h"

#ifndef VECTORS_DIR
#error "VECTORS_DIR must name tests/vectors"
#endif
#ifndef PROTOCOL_MD
#error "PROTOCOL_MD must name docs/PROTOCOL.md"
#endif

#define T0		1000000ull	/* the receiver joins its link then (ms) */
#define LINK		2		/* the joined link */
#define OTHER_LINK	3		/* one it did not join */
#define MAX_VECTORS	256
#define VEC_NAME_MAX	128		/* a file name in tests/vectors */

static uint32_t vec_rnd(void *arg)
{
	(void)arg;
	return 0;
}

/* A whole file in memory, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			char *b = realloc(buf, cap + 65536);

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The text of tests/vectors/name, or NULL. */
static char *slurp_vector(const char *name)
{
	char path[sizeof(VECTORS_DIR) + VEC_NAME_MAX + 2];

	if (strlen(name) > VEC_NAME_MAX)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", VECTORS_DIR, name);
	return slurp(path, NULL);
}

/* Pairs of hex digits, blanks between pairs, appended to out; -1 on
 * anything else. */
static int hex_append(const char *s, uint8_t *out, size_t *len, size_t cap)
{
	while (*s) {
		unsigned int v;

		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    sscanf(s, "%2x", &v) != 1 || *len == cap)
			return -1;
		out[(*len)++] = (uint8_t)v;
		s += 2;
	}
	return 0;
}

static enum engine_verdict verdict_named(const char *name, const char *where)
{
	int v;

	for (v = 0; v < ENGINE_VERDICT_COUNT; v++)
		if (v != ENGINE_WIRE_BASE && !strcmp(engine_verdict_name((enum engine_verdict)v), name))
			return (enum engine_verdict)v;
	fail_msg("%s: no such verdict \"%s\"", where, name);
	return ENGINE_VERDICT_COUNT;
}

/* One vector file being run. */
struct run {
	const char *file;
	unsigned int line;
	char where[300];
	/* the receiver */
	struct engine_config cfg;
	struct in6_addr own;
	uint64_t clock;			/* wall ms at T0 */
	struct engine *e;
	uint64_t now;			/* ms since T0 */
	/* the datagram being read */
	bool pending;
	uint8_t buf[2048];
	size_t len;
	struct in6_addr src;
	uint16_t sport;
	int hoplimit;
	unsigned int ifindex;
	uint64_t at;
	bool have_verdict;
	enum engine_verdict verdict;
	bool decode, encodes;
	unsigned int dgram_line;	/* where it starts */
	struct wire_msg want;
	unsigned int ndgrams;
};

static void run_until(struct run *r, uint64_t at)
{
	struct engine_action a;
	uint64_t t;

	while ((t = engine_next_deadline(r->e)) <= T0 + at) {
		engine_tick(r->e, t, r->clock + (t - T0));
		while (engine_next_action(r->e, &a))
			;
	}
	engine_tick(r->e, T0 + at, r->clock + at);
	while (engine_next_action(r->e, &a))
		;
	r->now = at;
}

static void receiver_start(struct run *r)
{
	struct iface_info info;
	struct engine_action a;

	if (r->e)
		return;
	r->e = engine_new(&r->cfg, vec_rnd, NULL, T0);
	if (!r->e)
		fail_msg("%s: the receiver cannot be made", r->where);
	memset(&info, 0, sizeof(info));
	info.ifindex = LINK;
	snprintf(info.name, sizeof(info.name), "link0");
	info.addrs[0] = r->own;
	info.naddrs = 1;
	engine_link(r->e, IFACE_UP, &info, T0, r->clock);
	while (engine_next_action(r->e, &a))
		;
}

static void check_decode(struct run *r)
{
	struct wire_msg m;
	unsigned int i;

	if (wire_decode(r->buf, r->len, &m) != WIRE_OK)
		fail_msg("%s: the decode lines describe a datagram that does not decode", r->where);
	if (m.type != r->want.type || m.name_len != r->want.name_len ||
	    memcmp(m.name, r->want.name, m.name_len) || m.naddrs != r->want.naddrs ||
	    m.lifetime != r->want.lifetime || m.timestamp != r->want.timestamp ||
	    m.has_mac != r->want.has_mac)
		fail_msg("%s: decoded as type %u name \"%s\" %u addresses lifetime %u timestamp %llu "
			 "mac %u", r->where, m.type, m.name, m.naddrs, m.lifetime,
			 (unsigned long long)m.timestamp, m.has_mac);
	for (i = 0; i < m.naddrs; i++)
		if (memcmp(&m.addrs[i], &r->want.addrs[i], sizeof(m.addrs[i])))
			fail_msg("%s: address %u differs", r->where, i + 1);
	if (r->encodes) {
		uint8_t out[WIRE_MAX_PACKET];
		int n = wire_encode(&m, out, sizeof(out));

		if (n > 0 && m.has_mac)
			auth_sign(&r->cfg.keys, &r->src, out, (size_t)n);
		if (n != (int)r->len || memcmp(out, r->buf, r->len))
			fail_msg("%s: a version 1 sender encodes other octets (%d)", r->where, n);
	}
}

/* The datagram just read: to the receiver, then its expectations. */
static void flush(struct run *r)
{
	struct engine_datagram g;
	enum engine_verdict v;

	if (!r->pending)
		return;
	r->pending = false;
	snprintf(r->where, sizeof(r->where), "%s:%u (datagram)", r->file, r->dgram_line);
	if (!r->have_verdict)
		fail_msg("%s: a datagram without a verdict line", r->where);
	receiver_start(r);
	if (r->at < r->now)
		fail_msg("%s: at %llu is before %llu", r->where, (unsigned long long)r->at,
			 (unsigned long long)r->now);
	run_until(r, r->at);
	memset(&g, 0, sizeof(g));
	g.buf = r->buf;
	g.len = r->len;
	g.src = r->src;
	g.sport = r->sport;
	g.ifindex = r->ifindex;
	g.hoplimit = r->hoplimit;
	v = engine_receive(r->e, &g, T0 + r->at, r->clock + r->at);
	if (v != r->verdict)
		fail_msg("%s: verdict %s, the vector says %s", r->where, engine_verdict_name(v),
			 engine_verdict_name(r->verdict));
	if (r->decode && !r->want.type)
		fail_msg("%s: decode lines without a type line", r->where);
	if (r->decode)
		check_decode(r);
	else if (r->encodes)
		fail_msg("%s: encodes without the decode lines", r->where);
	r->ndgrams++;
	snprintf(r->where, sizeof(r->where), "%s:%u", r->file, r->line);
}

struct holds {
	size_t n;
	struct query_record rec[QUERY_MAX_RECORDS];
};

static void holds_add(const struct engine_record *rec, void *arg)
{
	struct holds *h = arg;

	if (rec->r.ifindex != LINK || (rec->r.flags & QUERY_REC_SELF) || h->n == QUERY_MAX_RECORDS)
		return;
	h->rec[h->n++] = rec->r;
}

/* "holds NAME ADDR..." or "holds NAME none". */
static void check_holds(struct run *r, char *args)
{
	char *save = NULL, *name = strtok_r(args, " \t", &save), *tok;
	struct in6_addr want[WIRE_MAX_ADDRS];
	struct holds h = { 0 };
	size_t n = 0, i;
	bool none = false;

	if (!name)
		fail_msg("%s: holds without a name", r->where);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (!strcmp(tok, "none"))
			none = true;
		else if (n == WIRE_MAX_ADDRS || inet_pton(AF_INET6, tok, &want[n++]) != 1)
			fail_msg("%s: bad address \"%s\"", r->where, tok);
	}
	receiver_start(r);
	engine_resolve(r->e, name, strlen(name), T0 + r->now, holds_add, &h);
	if (none) {
		if (h.n)
			fail_msg("%s: the receiver holds %s", r->where, name);
		return;
	}
	if (h.n != 1)
		fail_msg("%s: %zu entries for %s on the link, not 1", r->where, h.n, name);
	if (h.rec[0].naddrs != n)
		fail_msg("%s: %s has %u addresses, not %zu", r->where, name, h.rec[0].naddrs, n);
	for (i = 0; i < n; i++)
		if (memcmp(&h.rec[0].addrs[i], &want[i], sizeof(want[i])))
			fail_msg("%s: %s's address %zu differs", r->where, name, i + 1);
}

static void datagram_begin(struct run *r)
{
	flush(r);
	r->pending = true;
	r->dgram_line = r->line;
	r->len = 0;
	inet_pton(AF_INET6, "fe80::2", &r->src);
	r->sport = WIRE_PORT;
	r->hoplimit = WIRE_HOPLIMIT;
	r->ifindex = LINK;
	r->at = r->now;		/* the previous datagram's time, or the last after */
	r->have_verdict = r->decode = r->encodes = false;
	memset(&r->want, 0, sizeof(r->want));
}

static unsigned long long number(const struct run *r, const char *v, unsigned long long max)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end || n > max)
		fail_msg("%s: bad number \"%s\"", r->where, v);
	return n;
}

/* One line, comment and surrounding blanks removed. */
static void line(struct run *r, char *s)
{
	char *v = s + strcspn(s, " \t");
	bool in_dgram = r->pending;

	if (*v) {
		*v++ = '\0';
		v += strspn(v, " \t");
	}
	if (!strcmp(s, "datagram")) {
		datagram_begin(r);
	} else if (!strcmp(s, "after")) {
		flush(r);
		receiver_start(r);
		run_until(r, number(r, v, UINT32_MAX));
	} else if (!strcmp(s, "holds")) {
		flush(r);
		check_holds(r, v);
	} else if (!in_dgram && !r->e && !strcmp(s, "receiver")) {
		if (!name_valid_str(v))
			fail_msg("%s: bad receiver name", r->where);
		snprintf(r->cfg.name, sizeof(r->cfg.name), "%s", v);
	} else if (!in_dgram && !r->e && !strcmp(s, "own")) {
		if (inet_pton(AF_INET6, v, &r->own) != 1)
			fail_msg("%s: bad address", r->where);
	} else if (!in_dgram && !r->e && !strcmp(s, "key")) {
		char err[80], text[160];
		struct auth_keys k;

		snprintf(text, sizeof(text), "%s", v);
		if (r->cfg.keys.n == AUTH_MAX_KEYS || auth_parse(text, strlen(text), &k, err, sizeof(err)))
			fail_msg("%s: bad key", r->where);
		memcpy(r->cfg.keys.key[r->cfg.keys.n++], k.key[0], AUTH_KEY_LEN);
	} else if (!in_dgram && !r->e && !strcmp(s, "table")) {
		r->cfg.table_size = (uint32_t)number(r, v, 65536);
	} else if (!in_dgram && !r->e && !strcmp(s, "clock")) {
		r->clock = number(r, v, UINT64_MAX / 2);
	} else if (!in_dgram) {
		fail_msg("%s: \"%s\" outside a datagram, or after the receiver started", r->where, s);
	} else if (!strcmp(s, "src")) {
		if (inet_pton(AF_INET6, v, &r->src) != 1)
			fail_msg("%s: bad address", r->where);
	} else if (!strcmp(s, "sport")) {
		r->sport = (uint16_t)number(r, v, 65535);
	} else if (!strcmp(s, "hoplimit")) {
		r->hoplimit = (int)number(r, v, 255);
	} else if (!strcmp(s, "link")) {
		if (strcmp(v, "joined") && strcmp(v, "other"))
			fail_msg("%s: link is joined or other", r->where);
		r->ifindex = strcmp(v, "other") ? LINK : OTHER_LINK;
	} else if (!strcmp(s, "at")) {
		r->at = number(r, v, UINT32_MAX);
	} else if (!strcmp(s, "hex")) {
		if (hex_append(v, r->buf, &r->len, sizeof(r->buf)))
			fail_msg("%s: bad hex", r->where);
	} else if (!strcmp(s, "verdict")) {
		r->verdict = verdict_named(v, r->where);
		r->have_verdict = true;
	} else if (!strcmp(s, "type")) {
		static const char *const types[] = { "", "ANNOUNCE", "GOODBYE", "SOLICIT" };
		uint8_t t;

		for (t = 1; t < 4 && strcmp(v, types[t]); t++)
			;
		if (t == 4)
			fail_msg("%s: bad type", r->where);
		r->want.type = t;
		r->decode = true;
	} else if (!strcmp(s, "name")) {
		if (strlen(v) > WIRE_NAME_MAX)
			fail_msg("%s: name too long", r->where);
		r->want.name_len = (uint8_t)strlen(v);
		memcpy(r->want.name, v, r->want.name_len + 1u);
		r->decode = true;
	} else if (!strcmp(s, "address")) {
		if (r->want.naddrs == WIRE_MAX_ADDRS ||
		    inet_pton(AF_INET6, v, &r->want.addrs[r->want.naddrs++]) != 1)
			fail_msg("%s: bad address", r->where);
		r->decode = true;
	} else if (!strcmp(s, "lifetime")) {
		r->want.lifetime = (uint32_t)number(r, v, UINT32_MAX);
		r->decode = true;
	} else if (!strcmp(s, "timestamp")) {
		r->want.timestamp = number(r, v, UINT64_MAX);
		r->decode = true;
	} else if (!strcmp(s, "mac")) {
		r->want.has_mac = 1;
		r->decode = true;
	} else if (!strcmp(s, "encodes")) {
		r->encodes = true;
	} else {
		fail_msg("%s: unknown keyword \"%s\"", r->where, s);
	}
}

/* Each line of text to line(), its comment and surrounding blanks cut. */
static void each_line(struct run *r, char *text)
{
	char *p = text, *nl;

	for (r->line = 1; *p; p = nl ? nl + 1 : p + strlen(p), r->line++) {
		char *end;

		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		end = p + strcspn(p, "#");
		*end = '\0';
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		p += strspn(p, " \t");
		snprintf(r->where, sizeof(r->where), "%s:%u", r->file, r->line);
		if (*p)
			line(r, p);
		if (!nl)
			break;
	}
	snprintf(r->where, sizeof(r->where), "%s: at the end", r->file);
	flush(r);
}

static char vec_names[MAX_VECTORS][VEC_NAME_MAX + 1];
static size_t nvec;

static void run_vector(void **state)
{
	const char *file = *state;
	struct run *r = calloc(1, sizeof(*r));
	char *text;

	assert_non_null(r);
	text = slurp_vector(file);
	assert_non_null(text);
	r->file = file;
	snprintf(r->cfg.name, sizeof(r->cfg.name), "h1");
	r->cfg.interval_s = 10;
	r->cfg.lifetime_s = SCHED_DEFAULT_LIFETIME_S;
	r->cfg.table_size = 1024;
	inet_pton(AF_INET6, "fe80::1", &r->own);
	r->clock = 1700000000000ull;
	each_line(r, text);
	if (!r->ndgrams)
		fail_msg("%s: no datagram", file);
	engine_free(r->e);
	free(text);
	free(r);
}

/* Every drop reason the engine has is the verdict of some vector. */
static void test_every_reason_has_a_vector(void **state)
{
	bool seen[ENGINE_VERDICT_COUNT] = { false };
	char *text, *p;
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < nvec; i++) {
		text = slurp_vector(vec_names[i]);
		assert_non_null(text);
		for (p = text; (p = strstr(p, "\nverdict ")); p++) {
			char name[40];

			if (sscanf(p + 9, "%39s", name) == 1)
				seen[verdict_named(name, vec_names[i])] = true;
		}
		free(text);
	}
	for (v = 0; v < ENGINE_VERDICT_COUNT; v++)
		if (v != ENGINE_WIRE_BASE && !seen[v])
			fail_msg("no vector has the verdict %s", engine_verdict_name((enum engine_verdict)v));
}

/* Whether the octets are a datagram of that vector file. */
static bool vector_has(const char *file, const uint8_t *b, size_t len)
{
	char *text, *p, *nl;
	uint8_t buf[2048];
	size_t n = 0;
	bool found = false, in = false;

	text = slurp_vector(file);
	if (!text)
		fail_msg("PROTOCOL.md names %s, which is not in %s", file, VECTORS_DIR);
	for (p = text; p && *p && !found; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(p, "hex", 3) && (p[3] == ' ' || !p[3])) {
			if (!in)
				n = 0;
			in = true;
			if (hex_append(p + 3, buf, &n, sizeof(buf)))
				fail_msg("%s: bad hex", file);
		} else if (in) {
			in = false;
			found = n == len && !memcmp(buf, b, len);
		}
	}
	if (in && !found)
		found = n == len && !memcmp(buf, b, len);
	free(text);
	return found;
}

/* Section 10: each "Vector: `tests/vectors/X.vec`" line names the vector
 * whose datagram the next hex dump shows, and no hex dump goes unnamed. */
static void test_protocol_md_shows_the_vectors(void **state)
{
	char *text = slurp(PROTOCOL_MD, NULL), *p, *nl;
	char named[VEC_NAME_MAX + 1] = "";
	bool in10 = false, fence = false;
	uint8_t buf[2048];
	size_t n = 0, shown = 0;
	unsigned int line = 0, fence_line = 0;

	(void)state;
	assert_non_null(text);
	for (p = text; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		if (!strncmp(p, "## ", 3))
			in10 = !strncmp(p, "## 10.", 6);
		if (!in10)
			continue;
		if (!strncmp(p, "```", 3)) {
			fence = !fence;
			if (fence) {
				n = 0;
				fence_line = line;
				continue;
			}
			if (!named[0])
				fail_msg("PROTOCOL.md:%u: a hex dump with no Vector: line before it",
					 fence_line);
			if (!vector_has(named, buf, n))
				fail_msg("PROTOCOL.md:%u: this hex dump is no datagram of %s", fence_line,
					 named);
			named[0] = '\0';
			shown++;
		} else if (fence) {
			if (hex_append(p, buf, &n, sizeof(buf)))
				fail_msg("PROTOCOL.md:%u: not hex", line);
		} else if (!strncmp(p, "Vector: ", 8)) {
			const char *f = strstr(p, "tests/vectors/");

			if (!f || sscanf(f + 14, "%120[a-z0-9-].vec", named) != 1)
				fail_msg("PROTOCOL.md:%u: Vector: line without a file", line);
			strcat(named, ".vec");
		}
	}
	free(text);
	/* 10.1 to 10.5 and the SOLICIT without a name, at least. */
	assert_true(shown >= 6);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int main(void)
{
	struct CMUnitTest tests[MAX_VECTORS + 2];
	DIR *d = opendir(VECTORS_DIR);
	struct dirent *de;
	size_t i;

	if (!d) {
		fprintf(stderr, "%s: %s\n", VECTORS_DIR, strerror(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".vec") || len > VEC_NAME_MAX)
			continue;
		if (nvec == MAX_VECTORS) {
			fprintf(stderr, "more than %d vectors\n", MAX_VECTORS);
			return 1;
		}
		memcpy(vec_names[nvec++], de->d_name, len + 1);
	}
	closedir(d);
	qsort(vec_names, nvec, sizeof(vec_names[0]), by_name);
	if (auth_init() < 0)
		return 1;
	memset(tests, 0, sizeof(tests));
	for (i = 0; i < nvec; i++) {
		tests[i].name = vec_names[i];
		tests[i].test_func = run_vector;
		tests[i].initial_state = vec_names[i];
	}
	tests[nvec].name = "every_reason_has_a_vector";
	tests[nvec].test_func = test_every_reason_has_a_vector;
	tests[nvec + 1].name = "protocol_md_shows_the_vectors";
	tests[nvec + 1].test_func = test_protocol_md_shows_the_vectors;
	return _cmocka_run_group_tests("vectors", tests, nvec + 2, NULL, NULL);
}
