/* doctor_fw: would the firewall drop linkname's datagrams? It follows the
 * rules as the kernel would for one datagram, UDP 1903 to ff02::1:1 from
 * a fe80::/10 source with hop limit 255, conntrack state new, arriving on
 * each interface in turn, through every base chain at prerouting and
 * input: a match on something it cannot know (another address, a mark, a
 * rate limit) makes the outcome "maybe". The readers of the rulesets are
 * doctor_nft.c and doctor_ipt.c. */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doctor.h"
#include "doctor_fw.h"
#include "wire.h"

#define FW_DEPTH	16	/* jumps followed; deeper is "maybe" */
#define FW_ALTS		64	/* alternatives of one rule (a verdict map's entries) */
#define FW_PORT		WIRE_PORT

enum { O_ACCEPT = 1, O_DROP = 2, O_CONT = 4 };

static enum tri tri_and(enum tri a, enum tri b)
{
	if (a == T_FALSE || b == T_FALSE)
		return T_FALSE;
	return a == T_MAYBE || b == T_MAYBE ? T_MAYBE : T_TRUE;
}

static enum tri tri_not(enum tri a)
{
	return a == T_MAYBE ? T_MAYBE : a == T_TRUE ? T_FALSE : T_TRUE;
}

/* The first rule that may drop the datagram, for the message. */
static void fw_note(struct fw_walk *w, const char *desc, bool sure)
{
	if (w->why[0] && (w->why_sure || !sure))
		return;
	snprintf(w->why, sizeof(w->why), "%s", desc);
	w->why_sure = sure;
}

unsigned int fw_walk_chain(struct fw_walk *w, const char *chain, int depth)
{
	struct fw_alt alts[FW_ALTS];
	unsigned int out = 0;
	char desc[200];

	if (depth > FW_DEPTH)
		return O_ACCEPT | O_DROP;
	for (size_t i = 0;; i++) {
		int n = w->rule(w, chain, i, alts, FW_ALTS, desc, sizeof(desc));
		bool ends = false;

		if (n < 0)
			break;
		for (int k = 0; k < n; k++) {
			const struct fw_alt *a = &alts[k];
			unsigned int r;

			if (a->m == T_FALSE || a->v == FW_NONE)
				continue;
			switch (a->v) {
			case FW_ACCEPT:
				r = O_ACCEPT;
				break;
			case FW_DROP:
				r = O_DROP;
				fw_note(w, desc, a->m == T_TRUE);
				break;
			case FW_RETURN:
				r = O_CONT;
				break;
			case FW_JUMP:
				/* Coming back from it goes on with the next rule here. */
				r = fw_walk_chain(w, a->target, depth + 1);
				out |= r & ~(unsigned int)O_CONT;
				if (a->m == T_TRUE && !(r & O_CONT))
					ends = true;
				continue;
			case FW_GOTO:
				/* Coming back from it ends this chain. */
				r = fw_walk_chain(w, a->target, depth + 1);
				break;
			default:
				r = O_ACCEPT | O_DROP;
				fw_note(w, desc, false);
				break;
			}
			out |= r;
			if (a->m == T_TRUE)
				ends = true;
		}
		if (ends)
			return out;
	}
	return out | O_CONT;
}

/* ---- reporting, for both sources ---- */

/* Outcome of one base chain for one interface: chain's outcomes with its
 * policy in place of falling off the end. */
static unsigned int fw_base(struct fw_walk *w, const char *chain, bool policy_drop,
			    const char *policy_desc)
{
	unsigned int o;

	w->why[0] = '\0';
	w->why_sure = false;
	o = fw_walk_chain(w, chain, 0);
	if (o & O_CONT) {
		o &= ~(unsigned int)O_CONT;
		o |= policy_drop ? O_DROP : O_ACCEPT;
		if (policy_drop)
			fw_note(w, policy_desc, true);
	}
	return o;
}

void fw_report(struct doctor *d, struct fw_walk *w, const char *source, size_t nbase,
	       const struct fw_base *bases, const char *const *ifnames, size_t nif)
{
	bool any = false;

	for (size_t b = 0; b < nbase; b++) {
		char sure[160] = "", maybe[160] = "", why_sure[200] = "", why_maybe[200] = "";

		for (size_t i = 0; i < nif; i++) {
			unsigned int o;
			char *list;

			if (bases[b].dev[0] && strcmp(bases[b].dev, ifnames[i]))
				continue;
			w->ifname = ifnames[i];
			o = fw_base(w, bases[b].chain, bases[b].policy_drop, bases[b].policy_desc);
			if (!(o & O_DROP))
				continue;
			if (bases[b].some_devs)
				o |= O_ACCEPT;
			list = o == O_DROP ? sure : maybe;
			snprintf(list + strlen(list), 160 - strlen(list), "%s%s", list[0] ? ", " : "",
				 ifnames[i]);
			snprintf(o == O_DROP ? why_sure : why_maybe, 200, "%s", w->why);
		}
		if (sure[0]) {
			doctor_add(d, DOCTOR_FAIL, "firewall", bases[b].todo, "%s: %s drops linkname's "
				   "datagrams (UDP %d to ff02::1:1) arriving on %s: %s", source,
				   bases[b].name, FW_PORT, sure, why_sure);
			any = true;
		}
		if (maybe[0]) {
			doctor_add(d, DOCTOR_WARN, "firewall", bases[b].todo, "%s: %s may drop "
				   "linkname's datagrams (UDP %d to ff02::1:1) arriving on %s: %s, "
				   "depending on what doctor cannot tell", source, bases[b].name, FW_PORT,
				   maybe, why_maybe);
			any = true;
		}
	}
	if (!any && !nbase)
		doctor_add(d, DOCTOR_OK, "firewall", NULL, "%s: no chain filters incoming IPv6 "
			   "datagrams", source);
	else if (!any)
		doctor_add(d, DOCTOR_OK, "firewall", NULL, "%s lets UDP %d to ff02::1:1 in (%zu "
			   "base chain%s at prerouting or input read)", source, FW_PORT, nbase,
			   nbase == 1 ? "" : "s");
}

/* ---- values, shared by both readers ---- */

/* The datagram's numeric fields, with the names rules may use for them. */
static const struct {
	enum fw_field f;
	unsigned long num;
	const char *str;
} fw_nums[] = {
	{ FF_DPORT, FW_PORT, NULL }, { FF_SPORT, FW_PORT, NULL },
	{ FF_L4PROTO, IPPROTO_UDP, "udp" }, { FF_NFPROTO, 10, "ipv6" },
	{ FF_ETHERTYPE, 0x86dd, "ip6" }, { FF_HOPLIMIT, 255, NULL }, { FF_VERSION, 6, NULL },
	{ FF_PKTTYPE, 2, "multicast" }, { FF_CTSTATE, 8, "new" }, { FF_CTDIR, 0, "original" },
};

void fw_pkt_field(enum fw_field f, const char *ifname, struct fw_val *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sizeof(fw_nums) / sizeof(fw_nums[0]); i++) {
		if (fw_nums[i].f == f) {
			v->kind = FV_NUM;
			v->num = fw_nums[i].num;
			v->str = fw_nums[i].str;
			return;
		}
	}
	switch (f) {
	case FF_DADDR:
		v->kind = FV_ADDR;
		inet_pton(AF_INET6, "ff02::1:1", &v->addr);
		break;
	case FF_DADDR_TYPE:
		v->kind = FV_STR;
		v->str = "multicast";
		break;
	case FF_SADDR:
		v->kind = FV_LINKLOCAL;
		break;
	case FF_IIFNAME:
		v->kind = FV_STR;
		v->str = ifname;
		break;
	case FF_ABSENT:
		v->kind = FV_ABSENT;
		break;
	default:
		v->kind = FV_UNKNOWN;
		break;
	}
}

/* a/len contains the datagram's source (some fe80::/10 address)? */
static enum tri fw_ll_in(const struct in6_addr *a, unsigned int len)
{
	static const struct in6_addr ll = { .s6_addr = { 0xfe, 0x80 } };
	unsigned int n = len < 10 ? len : 10, i;

	for (i = 0; i < n; i++)
		if (((a->s6_addr[i / 8] ^ ll.s6_addr[i / 8]) >> (7 - i % 8)) & 1)
			return T_FALSE;
	return len <= 10 ? T_TRUE : T_MAYBE;
}

static bool fw_prefix_has(const struct in6_addr *p, unsigned int len, const struct in6_addr *a)
{
	for (unsigned int i = 0; i < len && i < 128; i++)
		if (((p->s6_addr[i / 8] ^ a->s6_addr[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

enum tri fw_eq_prefix(const struct fw_val *v, const char *addr, unsigned int len)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, addr, &a) != 1)
		return v->kind == FV_ADDR || v->kind == FV_LINKLOCAL ? T_FALSE : T_MAYBE;
	if (v->kind == FV_LINKLOCAL)
		return fw_ll_in(&a, len);
	if (v->kind == FV_ADDR)
		return fw_prefix_has(&a, len, &v->addr) ? T_TRUE : T_FALSE;
	return T_MAYBE;
}

/* v == s, where s is how a rule writes a value: a number, a name (udp,
 * new, multicast, a service), an address, an interface pattern. */
enum tri fw_eq_str(const struct fw_val *v, const char *s)
{
	char *end;
	unsigned long n;

	switch (v->kind) {
	case FV_ABSENT:
		return T_FALSE;
	case FV_STR:
		if (!v->str)
			return T_MAYBE;
		/* nft's "eth*" and iptables' "eth+" are prefixes. */
		if (s[0] && (s[strlen(s) - 1] == '*' || s[strlen(s) - 1] == '+'))
			return !strncmp(v->str, s, strlen(s) - 1) ? T_TRUE : T_FALSE;
		return fnmatch(s, v->str, 0) == 0 || !strcasecmp(s, v->str) ? T_TRUE : T_FALSE;
	case FV_ADDR:
	case FV_LINKLOCAL: {
		char a[64];
		const char *slash = strchr(s, '/');

		snprintf(a, sizeof(a), "%.*s", (int)(slash ? slash - s : (ptrdiff_t)strlen(s)), s);
		return fw_eq_prefix(v, a, slash ? (unsigned int)atoi(slash + 1) : 128);
	}
	case FV_NUM:
		n = strtoul(s, &end, 0);
		if (*s && !*end)
			return n == v->num ? T_TRUE : T_FALSE;
		if (v->str)
			return !strcasecmp(s, v->str) ? T_TRUE : T_FALSE;
		if (v->num == FW_PORT) {
			struct servent se, *sp = NULL;
			char buf[1024];

			if (getservbyname_r(s, "udp", &se, buf, sizeof(buf), &sp) == 0 && sp)
				return ntohs((uint16_t)sp->s_port) == FW_PORT ? T_TRUE : T_FALSE;
		}
		return T_MAYBE;
	default:
		return T_MAYBE;
	}
}

enum tri fw_in_range(const struct fw_val *v, unsigned long lo, unsigned long hi)
{
	if (v->kind == FV_ABSENT)
		return T_FALSE;
	if (v->kind != FV_NUM)
		return T_MAYBE;
	return v->num >= lo && v->num <= hi ? T_TRUE : T_FALSE;
}

enum tri fw_tri_not(enum tri t)
{
	return tri_not(t);
}

enum tri fw_tri_and(enum tri a, enum tri b)
{
	return tri_and(a, b);
}
