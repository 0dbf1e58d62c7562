/* forge: the attacker of the namespace tests. Puts crafted linkname
 * datagrams on a link, from any source address and with any hop limit.
 *
 *   forge -i IFACE [BUILD] [SEND]      build one datagram and send it
 *   forge -i IFACE --hex HEX [SEND]    send these octets as they are
 *   forge -i IFACE --file FILE [SEND]  send the octets of FILE
 *   forge -i IFACE --flood N [--random-src] [--lifetime S] [SEND]
 *                                      N ANNOUNCEs of random names, as fast
 *                                      as the kernel takes them
 *   forge -i IFACE --file FILE --spoof N [--pace US]
 *                                      the octets of FILE N times, each from
 *                                      its own random fe80:: source
 *   forge -i IFACE --capture [MATCH] [--save FILE] [--replay-after MS]
 *                                      wait for one datagram on the link,
 *                                      then (optionally) send it again,
 *                                      verbatim, from its own source
 *
 * BUILD: the header, then TLVs in the order given on the command line:
 *   -t, --type T        announce, goodbye, solicit or a number (0-255)
 *   -n, --name NAME     a NAME TLV (as text)      --name-hex HEX (any octets)
 *   -a, --addr ADDR     an ADDRESS TLV; "src" is the source address
 *   -l, --lifetime N    a LIFETIME TLV (u32)
 *       --tlv T:HEX     any TLV (T decimal or 0x..; 0x8000 is the critical bit)
 *       --append HEX    raw octets (e.g. a TLV header with a lying length)
 *       --magic HEX4, --version N, --reserved N
 *       --length N      the header's length field (default: the real length)
 *       --pad N         grow to N octets with an unknown optional TLV
 *       --timestamp T   a TIMESTAMP TLV: ms since the epoch, "now", "now-MS"
 *                       or "now+MS"
 *       --sign KEYHEX   end with a MAC TLV: HMAC-SHA-512 cut to 32 octets (as
 *                       linknamed) with this 32-octet key over the source
 *                       address (16 octets) and every octet before the MAC
 *                       value (docs/PROTOCOL.md section 4)
 *       --truncate N    send only the first N octets (length field unchanged)
 *       --fix-length    after truncating, make the length field match
 *       --poke OFF:HEX  overwrite octets at OFF after all the above (also
 *                       with --hex, --file and a captured datagram)
 * SEND:
 *   -s, --src ADDR      source address (default: IFACE's first link-local);
 *                       need not be ours: IPV6_FREEBIND lets the kernel use it
 *       --hops N        hop limit (default 255)
 *       --sport N       UDP source port (default 1903, as linknamed sends)
 *   -d, --dst ADDR      destination (default ff02::1:1)
 *   -c, --count N       send N times
 *       --spoof N       send N times, each from a new random fe80:: source
 *       --pace US       wait US microseconds between sends (default 0)
 *       --dump          print each datagram built, in hex
 * MATCH (capture): --match-type T, --match-name NAME, --match-src ADDR,
 *   --timeout S (default 10). Prints "ready" once it has joined the group.
 *
 * Exit status: 0 sent (or captured), 1 error, 3 capture timed out, 64 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define FORGE_PORT	1903
#define FORGE_GROUP	"ff02::1:1"
#define FORGE_BUF	65536	/* room for any UDP payload the user asks for */
#define FORGE_MAX_TLVS	64
#define EXIT_TIMEOUT	3
#define EXIT_USAGE	64

struct tlv {
	uint16_t type;
	uint16_t len;
	uint8_t *val;		/* NULL with len 16 and type 2: "the source" */
	int raw;		/* --append: val is put as is, no TLV header */
};

static struct {
	const char *ifname;
	unsigned int ifindex;
	struct in6_addr src, dst;
	int have_src;
	int hops;
	uint16_t sport;
	unsigned long count;
	unsigned long spoof;	/* 0: from src */
	unsigned long pace_us;
	int dump;

	/* building */
	uint8_t magic[2], version, type;
	long length;		/* -1: the real length */
	uint16_t reserved;
	struct tlv tlvs[FORGE_MAX_TLVS];
	size_t ntlvs;
	long pad, truncate;	/* -1: not asked */
	int fix_length;
	uint8_t key[crypto_auth_KEYBYTES];
	int sign;
	struct { size_t off, len; uint8_t *val; } pokes[FORGE_MAX_TLVS];
	size_t npokes;

	/* capture */
	int match_type;		/* -1: any */
	const char *match_name;
	struct in6_addr match_src;
	int have_match_src;
	long timeout_s;
	const char *save;
	long replay_after;	/* ms; -1: do not replay */
} o = {
	.hops = 255, .sport = FORGE_PORT, .count = 1, .magic = { 0x4c, 0x4e }, .version = 1, .type = 1,
	.length = -1, .pad = -1, .truncate = -1, .match_type = -1, .timeout_s = 10,
	.replay_after = -1,
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("forge: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage_die(const char *what, const char *arg)
{
	fprintf(stderr, "forge: %s '%s' (see the comment at the top of tests/tools/forge.c)\n",
		what, arg);
	exit(EXIT_USAGE);
}

static unsigned long parse_num(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		usage_die(what, s);
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex digits, with optional spaces or colons between octets. Returns the
 * octet count; *out is malloc'd (never NULL). */
static size_t parse_hex(const char *s, uint8_t **out)
{
	size_t n = 0;
	uint8_t *p = malloc(strlen(s) / 2 + 1);

	if (!p)
		die("out of memory");
	while (*s) {
		int hi, lo;

		if (*s == ' ' || *s == ':' || *s == '\n') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			usage_die("bad hex at", s);
		p[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*out = p;
	return n;
}

static void parse_addr(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		usage_die("bad IPv6 address", s);
}

static uint8_t parse_type(const char *s)
{
	if (!strcasecmp(s, "announce"))
		return 1;
	if (!strcasecmp(s, "goodbye"))
		return 2;
	if (!strcasecmp(s, "solicit"))
		return 3;
	return (uint8_t)parse_num(s, 255, "bad type");
}

static struct tlv *tlv_add(uint16_t type, const void *val, size_t len)
{
	struct tlv *t;

	if (o.ntlvs == FORGE_MAX_TLVS)
		die("at most %d TLVs", FORGE_MAX_TLVS);
	if (len > UINT16_MAX)
		die("TLV value too long (%zu octets)", len);
	t = &o.tlvs[o.ntlvs++];
	t->type = type;
	t->len = (uint16_t)len;
	t->val = malloc(len ? len : 1);
	if (!t->val)
		die("out of memory");
	if (len)
		memcpy(t->val, val, len);
	return t;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Build the datagram from the options; returns its length (what is sent). */
static size_t build(uint8_t *buf, size_t cap)
{
	size_t len = 8, i;

	for (i = 0; i < o.ntlvs; i++) {
		const struct tlv *t = &o.tlvs[i];
		size_t need = (t->raw ? 0 : 4) + t->len;

		if (len + need > cap)
			die("datagram over %zu octets", cap);
		if (!t->raw) {
			put16(buf + len, t->type);
			put16(buf + len + 2, t->len);
			len += 4;
		}
		if (t->val)
			memcpy(buf + len, t->val, t->len);
		else
			memcpy(buf + len, &o.src, 16);
		len += t->len;
	}
	if (o.pad >= 0 && (size_t)o.pad > len) {
		/* One unknown optional TLV (type 0x7ff0) fills the gap. */
		size_t v;

		if ((size_t)o.pad - len < 4 || (size_t)o.pad > cap || (size_t)o.pad - len - 4 > UINT16_MAX)
			die("cannot pad %zu octets to %ld", len, o.pad);
		v = (size_t)o.pad - len - 4;
		put16(buf + len, 0x7ff0);
		put16(buf + len + 2, (unsigned int)v);
		memset(buf + len + 4, 0xa5, v);
		len = (size_t)o.pad;
	}
	if (o.sign) {
		if (len + 4 + crypto_auth_BYTES > cap)
			die("no room for the MAC");
		put16(buf + len, 5);
		put16(buf + len + 2, crypto_auth_BYTES);
		len += 4 + crypto_auth_BYTES;
	}
	buf[0] = o.magic[0];
	buf[1] = o.magic[1];
	buf[2] = o.version;
	buf[3] = o.type;
	put16(buf + 4, o.length >= 0 ? (unsigned int)o.length : (unsigned int)len);
	put16(buf + 6, o.reserved);
	/* The MAC covers the source address, then every octet before its
	 * value, header included. */
	if (o.sign) {
		crypto_auth_hmacsha512256_state st;

		crypto_auth_hmacsha512256_init(&st, o.key, sizeof(o.key));
		crypto_auth_hmacsha512256_update(&st, o.src.s6_addr, 16);
		crypto_auth_hmacsha512256_update(&st, buf, len - crypto_auth_BYTES);
		crypto_auth_hmacsha512256_final(&st, buf + len - crypto_auth_BYTES);
	}
	if (o.truncate >= 0 && (size_t)o.truncate < len) {
		len = (size_t)o.truncate;
		if (o.fix_length && len >= 6)
			put16(buf + 4, (unsigned int)len);
	}
	return len;
}

static void poke(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < o.npokes; i++) {
		if (o.pokes[i].off + o.pokes[i].len > len)
			die("--poke at %zu: the datagram has %zu octets", o.pokes[i].off, len);
		memcpy(buf + o.pokes[i].off, o.pokes[i].val, o.pokes[i].len);
	}
}

static void dump(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x%s", buf[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
	if (len == 0)
		printf("(empty)\n");
}

/* IFACE's first link-local address that has finished DAD. */
static int iface_linklocal(struct in6_addr *out)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa) < 0)
		die("getifaddrs: %s", strerror(errno));
	for (i = ifa; i && !found; i = i->ifa_next) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)i->ifa_addr;

		if (!s6 || s6->sin6_family != AF_INET6 || strcmp(i->ifa_name, o.ifname) ||
		    !IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			continue;
		*out = s6->sin6_addr;
		found = 1;
	}
	freeifaddrs(ifa);
	return found ? 0 : -1;
}

static void setint(int fd, int level, int opt, int val, const char *what)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0)
		die("setsockopt %s: %s", what, strerror(errno));
}

static int open_send_socket(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(o.sport) };
	int fd, one = 1;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* A source address that is not ours: FREEBIND makes the kernel accept
	 * it in IPV6_PKTINFO (TRANSPARENT does too, but needs CAP_NET_ADMIN). */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) < 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)) < 0)
		die("neither IPV6_FREEBIND nor IPV6_TRANSPARENT: %s", strerror(errno));
	setint(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
	setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, o.hops, "IPV6_MULTICAST_HOPS");
	setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, o.hops, "IPV6_UNICAST_HOPS");
	setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
	setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)o.ifindex, "IPV6_MULTICAST_IF");
	/* Port 1903 as linknamed sends from; any port if a daemon holds it
	 * without SO_REUSEADDR (not when another port was asked for). */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (o.sport != FORGE_PORT)
			die("bind port %u: %s", o.sport, strerror(errno));
		sa.sin6_port = 0;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("bind: %s", strerror(errno));
	}
	return fd;
}

static int send_from(int fd, const struct in6_addr *src, const void *buf, size_t len)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_port = htons(FORGE_PORT),
				    .sin6_addr = o.dst, .sin6_scope_id = o.ifindex };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_name = &dst, .msg_namelen = sizeof(dst),
			      .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	struct in6_pktinfo pi = { .ipi6_addr = *src, .ipi6_ifindex = o.ifindex };
	struct cmsghdr *cm;

	memset(&cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	for (;;) {
		if (sendmsg(fd, &msg, 0) >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static void pace(void)
{
	struct timespec ts = { .tv_sec = (time_t)(o.pace_us / 1000000),
			       .tv_nsec = (long)(o.pace_us % 1000000) * 1000 };

	if (o.pace_us)
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
}

static uint64_t rnd(void);
static void rnd_seed(void);

/* A random fe80::/64 address (the interface identifier is random). */
static void random_linklocal(struct in6_addr *a)
{
	uint64_t iid = rnd();

	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	memcpy(&a->s6_addr[8], &iid, 8);
}

static void send_count(int fd, const struct in6_addr *src, const uint8_t *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	struct in6_addr from = *src;
	unsigned long i, n = o.spoof ? o.spoof : o.count;

	if (o.spoof)
		rnd_seed();
	for (i = 0; i < n; i++) {
		if (i)
			pace();
		if (o.spoof)
			random_linklocal(&from);
		if (send_from(fd, &from, buf, len) < 0)
			die("send %zu octets from %s on %s: %s", len,
			    inet_ntop(AF_INET6, &from, a, sizeof(a)), o.ifname, strerror(errno));
	}
	if (o.spoof)
		printf("sent %lu x %zu octets, each from its own random source, on %s, hop limit %d\n",
		       n, len, o.ifname, o.hops);
	else
		printf("sent %lu x %zu octets from %s on %s, hop limit %d\n", n, len,
		       inet_ntop(AF_INET6, src, a, sizeof(a)), o.ifname, o.hops);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: fast, and good enough to make names and addresses unique. */
static uint64_t rnd_state;

static void rnd_seed(void)
{
	if (getrandom(&rnd_state, sizeof(rnd_state), 0) != sizeof(rnd_state) || !rnd_state)
		rnd_state = (uint64_t)time(NULL) | 1;
}

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ull;
}

/* N ANNOUNCEs, each a new random name at the source address: with
 * random_src every one comes from its own random fe80:: address. */
static void flood(int fd, unsigned long n, int random_src, uint32_t lifetime)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t buf[64];
	struct in6_addr src = o.src;
	unsigned long i, errors = 0;
	double t0, secs;

	rnd_seed();
	/* Fixed layout: NAME (12 octets: "f" + 11 random), ADDRESS, LIFETIME. */
	memcpy(buf, "\x4c\x4e\x01\x01\x00\x34\x00\x00", 8);
	memcpy(buf + 8, "\x00\x01\x00\x0c", 4);
	memcpy(buf + 24, "\x00\x02\x00\x10", 4);
	memcpy(buf + 44, "\x00\x03\x00\x04", 4);
	buf[48] = (uint8_t)(lifetime >> 24);
	buf[49] = (uint8_t)(lifetime >> 16);
	buf[50] = (uint8_t)(lifetime >> 8);
	buf[51] = (uint8_t)lifetime;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		int k;

		buf[12] = 'f';
		for (k = 0; k < 11; k++) {
			buf[13 + k] = (uint8_t)abc[r % 36];
			r /= 36;
		}
		if (random_src)
			random_linklocal(&src);
		memcpy(buf + 28, &src, 16);
		if (send_from(fd, &src, buf, 52) < 0)
			errors++;
	}
	secs = now_s() - t0;
	printf("flood: sent=%lu errors=%lu seconds=%.3f rate=%.0f\n", n - errors, errors, secs,
	       secs > 0 ? (double)(n - errors) / secs : 0.0);
	if (errors == n)
		die("every send failed: %s", strerror(errno));
}

/* The NAME TLV of a datagram, if it is well formed enough to find one. */
static int find_name(const uint8_t *buf, size_t len, char *name, size_t cap)
{
	size_t off = 8;

	while (off < len && len - off >= 4) {
		unsigned int type = (unsigned int)(buf[off] << 8 | buf[off + 1]) & 0x7fff;
		size_t vlen = (size_t)(buf[off + 2] << 8 | buf[off + 3]);

		off += 4;
		if (len - off < vlen)
			return -1;
		if (type == 1 && vlen < cap) {
			memcpy(name, buf + off, vlen);
			name[vlen] = '\0';
			return 0;
		}
		off += vlen;
	}
	return -1;
}

static int matches(const uint8_t *buf, size_t len, const struct in6_addr *from)
{
	char name[256];

	if (len < 8 || buf[0] != 0x4c || buf[1] != 0x4e)
		return 0;
	if (o.match_type >= 0 && buf[3] != o.match_type)
		return 0;
	if (o.have_match_src && memcmp(from, &o.match_src, sizeof(*from)))
		return 0;
	if (o.match_name && (find_name(buf, len, name, sizeof(name)) < 0 ||
			     strcasecmp(name, o.match_name)))
		return 0;
	return 1;
}

static int capture(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(FORGE_PORT) };
	struct ipv6_mreq mr = { .ipv6mr_interface = o.ifindex };
	static uint8_t buf[FORGE_BUF];
	char a[INET6_ADDRSTRLEN];
	double deadline = now_s() + (double)o.timeout_s;
	struct sockaddr_in6 from;
	ssize_t n;
	int fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* linknamed binds the port with SO_REUSEADDR too: both get every datagram. */
	setint(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind [::]:%d: %s", FORGE_PORT, strerror(errno));
	inet_pton(AF_INET6, FORGE_GROUP, &mr.ipv6mr_multiaddr);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		die("join %s on %s: %s", FORGE_GROUP, o.ifname, strerror(errno));
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		socklen_t flen = sizeof(from);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now_s();

		if (left <= 0) {
			fprintf(stderr, "forge: nothing captured on %s within %lds\n", o.ifname,
				o.timeout_s);
			return EXIT_TIMEOUT;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvfrom: %s", strerror(errno));
		}
		/* Only what arrived on IFACE (the socket hears every link). */
		if (from.sin6_scope_id && from.sin6_scope_id != o.ifindex)
			continue;
		if (matches(buf, (size_t)n, &from.sin6_addr))
			break;
	}
	close(fd);
	printf("captured %zd octets from %s\n", n, inet_ntop(AF_INET6, &from.sin6_addr, a, sizeof(a)));
	poke(buf, (size_t)n);
	if (o.dump)
		dump(buf, (size_t)n);
	fflush(stdout);
	if (o.save) {
		FILE *f = fopen(o.save, "we");

		if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0)
			die("write %s: %s", o.save, strerror(errno));
	}
	if (o.replay_after >= 0) {
		struct timespec ts = { .tv_sec = o.replay_after / 1000,
				       .tv_nsec = (o.replay_after % 1000) * 1000000 };
		int sfd;

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		sfd = open_send_socket();
		/* Verbatim, and from the address it came from unless --src. */
		send_count(sfd, o.have_src ? &o.src : &from.sin6_addr, buf, (size_t)n);
		close(sfd);
	}
	return 0;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		die("%s: %s", path, strerror(errno));
	n = fread(buf, 1, cap, f);
	if (ferror(f))
		die("read %s: %s", path, strerror(errno));
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	enum {
		OPT_NAMEHEX = 256, OPT_TLV, OPT_APPEND, OPT_MAGIC, OPT_VERSION, OPT_RESERVED, OPT_LENGTH,
		OPT_PAD, OPT_TRUNC, OPT_FIXLEN, OPT_HOPS, OPT_DUMP, OPT_HEX, OPT_FILE, OPT_FLOOD, OPT_RANDSRC,
		OPT_CAPTURE, OPT_MTYPE, OPT_MNAME, OPT_MSRC, OPT_TIMEOUT, OPT_SAVE, OPT_REPLAY,
		OPT_TIMESTAMP, OPT_SIGN, OPT_POKE, OPT_SPOOF, OPT_PACE, OPT_SPORT,
	};
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "name-hex", required_argument, NULL, OPT_NAMEHEX },
		{ "addr", required_argument, NULL, 'a' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "tlv", required_argument, NULL, OPT_TLV },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "magic", required_argument, NULL, OPT_MAGIC },
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "reserved", required_argument, NULL, OPT_RESERVED },
		{ "length", required_argument, NULL, OPT_LENGTH },
		{ "pad", required_argument, NULL, OPT_PAD },
		{ "truncate", required_argument, NULL, OPT_TRUNC },
		{ "fix-length", no_argument, NULL, OPT_FIXLEN },
		{ "src", required_argument, NULL, 's' },
		{ "hops", required_argument, NULL, OPT_HOPS },
		{ "sport", required_argument, NULL, OPT_SPORT },
		{ "dst", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "dump", no_argument, NULL, OPT_DUMP },
		{ "hex", required_argument, NULL, OPT_HEX },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "flood", required_argument, NULL, OPT_FLOOD },
		{ "random-src", no_argument, NULL, OPT_RANDSRC },
		{ "capture", no_argument, NULL, OPT_CAPTURE },
		{ "match-type", required_argument, NULL, OPT_MTYPE },
		{ "match-name", required_argument, NULL, OPT_MNAME },
		{ "match-src", required_argument, NULL, OPT_MSRC },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "replay-after", required_argument, NULL, OPT_REPLAY },
		{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "poke", required_argument, NULL, OPT_POKE },
		{ "spoof", required_argument, NULL, OPT_SPOOF },
		{ "pace", required_argument, NULL, OPT_PACE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t buf[FORGE_BUF];
	const char *hex = NULL, *file = NULL;
	unsigned long flood_n = 0;
	uint32_t lifetime = 120;
	int random_src = 0, do_capture = 0, c, fd;
	size_t len;
	uint8_t *v;
	struct tlv *t;

	inet_pton(AF_INET6, FORGE_GROUP, &o.dst);
	while ((c = getopt_long(argc, argv, "i:t:n:a:l:s:d:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.ifname = optarg;
			break;
		case 't':
			o.type = parse_type(optarg);
			break;
		case 'n':
			tlv_add(1, optarg, strlen(optarg));
			break;
		case OPT_NAMEHEX:
			len = parse_hex(optarg, &v);
			tlv_add(1, v, len);
			free(v);
			break;
		case 'a':
			if (!strcmp(optarg, "src")) {
				t = tlv_add(2, NULL, 0);
				free(t->val);
				t->val = NULL;	/* filled with the source when built */
				t->len = 16;
			} else {
				struct in6_addr a;

				parse_addr(optarg, &a);
				tlv_add(2, &a, 16);
			}
			break;
		case 'l': {
			unsigned long lt = parse_num(optarg, UINT32_MAX, "bad lifetime");
			uint8_t b[4] = { (uint8_t)(lt >> 24), (uint8_t)(lt >> 16),
					 (uint8_t)(lt >> 8), (uint8_t)lt };

			lifetime = (uint32_t)lt;
			tlv_add(3, b, 4);
			break;
		}
		case OPT_TLV: {
			char *colon = strchr(optarg, ':');
			unsigned long type;

			if (!colon)
				usage_die("--tlv wants TYPE:HEX, not", optarg);
			*colon = '\0';
			type = parse_num(optarg, 0xffff, "bad TLV type");
			len = parse_hex(colon + 1, &v);
			tlv_add((uint16_t)type, v, len);
			free(v);
			break;
		}
		case OPT_APPEND:
			len = parse_hex(optarg, &v);
			t = tlv_add(0, v, len);
			t->raw = 1;
			free(v);
			break;
		case OPT_MAGIC:
			len = parse_hex(optarg, &v);
			if (len != 2)
				usage_die("--magic wants 2 octets, not", optarg);
			memcpy(o.magic, v, 2);
			free(v);
			break;
		case OPT_VERSION:
			o.version = (uint8_t)parse_num(optarg, 255, "bad version");
			break;
		case OPT_RESERVED:
			o.reserved = (uint16_t)parse_num(optarg, 0xffff, "bad reserved value");
			break;
		case OPT_LENGTH:
			o.length = (long)parse_num(optarg, 0xffff, "bad length");
			break;
		case OPT_PAD:
			o.pad = (long)parse_num(optarg, FORGE_BUF, "bad pad length");
			break;
		case OPT_TRUNC:
			o.truncate = (long)parse_num(optarg, FORGE_BUF, "bad truncation");
			break;
		case OPT_FIXLEN:
			o.fix_length = 1;
			break;
		case 's':
			parse_addr(optarg, &o.src);
			o.have_src = 1;
			break;
		case OPT_HOPS:
			o.hops = (int)parse_num(optarg, 255, "bad hop limit");
			break;
		case OPT_SPORT:
			o.sport = (uint16_t)parse_num(optarg, 65535, "bad source port");
			break;
		case 'd':
			parse_addr(optarg, &o.dst);
			break;
		case 'c':
			o.count = parse_num(optarg, ULONG_MAX, "bad count");
			break;
		case OPT_DUMP:
			o.dump = 1;
			break;
		case OPT_HEX:
			hex = optarg;
			break;
		case OPT_FILE:
			file = optarg;
			break;
		case OPT_FLOOD:
			flood_n = parse_num(optarg, ULONG_MAX, "bad flood count");
			break;
		case OPT_RANDSRC:
			random_src = 1;
			break;
		case OPT_CAPTURE:
			do_capture = 1;
			break;
		case OPT_MTYPE:
			o.match_type = parse_type(optarg);
			break;
		case OPT_MNAME:
			o.match_name = optarg;
			break;
		case OPT_MSRC:
			parse_addr(optarg, &o.match_src);
			o.have_match_src = 1;
			break;
		case OPT_TIMEOUT:
			o.timeout_s = (long)parse_num(optarg, 86400, "bad timeout");
			break;
		case OPT_SAVE:
			o.save = optarg;
			break;
		case OPT_REPLAY:
			o.replay_after = (long)parse_num(optarg, 3600000, "bad replay delay");
			break;
		case OPT_TIMESTAMP: {
			struct timespec ts;
			uint64_t ms;
			uint8_t b[8];
			int k;

			clock_gettime(CLOCK_REALTIME, &ts);
			ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
			if (!strcmp(optarg, "now"))
				;
			else if (!strncmp(optarg, "now-", 4))
				ms -= parse_num(optarg + 4, ULONG_MAX, "bad timestamp");
			else if (!strncmp(optarg, "now+", 4))
				ms += parse_num(optarg + 4, ULONG_MAX, "bad timestamp");
			else
				ms = parse_num(optarg, ULONG_MAX, "bad timestamp");
			for (k = 0; k < 8; k++)
				b[k] = (uint8_t)(ms >> (56 - 8 * k));
			tlv_add(4, b, 8);
			break;
		}
		case OPT_SIGN:
			len = parse_hex(optarg, &v);
			if (len != sizeof(o.key))
				usage_die("--sign wants a 32-octet key (64 hex digits), not", optarg);
			memcpy(o.key, v, len);
			o.sign = 1;
			free(v);
			break;
		case OPT_POKE: {
			char *colon = strchr(optarg, ':');

			if (!colon || o.npokes == FORGE_MAX_TLVS)
				usage_die("--poke wants OFFSET:HEX, not", optarg);
			*colon = '\0';
			o.pokes[o.npokes].off = parse_num(optarg, FORGE_BUF, "bad offset");
			o.pokes[o.npokes].len = parse_hex(colon + 1, &o.pokes[o.npokes].val);
			o.npokes++;
			break;
		}
		case OPT_SPOOF:
			o.spoof = parse_num(optarg, 10000000, "bad spoof count");
			break;
		case OPT_PACE:
			o.pace_us = parse_num(optarg, 10000000, "bad pace");
			break;
		case 'h':
			printf("usage: forge -i IFACE [options]; see tests/tools/forge.c\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (!o.ifname || optind != argc)
		usage_die("usage: forge -i IFACE [options]; unexpected or missing argument",
			  optind < argc ? argv[optind] : "-i");
	o.ifindex = if_nametoindex(o.ifname);
	if (!o.ifindex)
		die("no interface %s", o.ifname);
	if (!o.have_src && iface_linklocal(&o.src) < 0)
		die("%s has no link-local address (give --src)", o.ifname);

	if (sodium_init() < 0)
		die("sodium_init failed");
	if (do_capture)
		return capture();
	fd = open_send_socket();
	if (flood_n) {
		flood(fd, flood_n, random_src, lifetime);
		return 0;
	}
	if (hex) {
		len = parse_hex(hex, &v);
		if (len > sizeof(buf))
			die("--hex: over %zu octets", sizeof(buf));
		memcpy(buf, v, len);
		free(v);
	} else if (file) {
		len = read_file(file, buf, sizeof(buf));
	} else {
		len = build(buf, sizeof(buf));
	}
	poke(buf, len);
	if (o.dump)
		dump(buf, len);
	send_count(fd, &o.src, buf, len);
	close(fd);
	return 0;
}
