/* doctor_nft: the nftables ruleset, as `nft -j list ruleset` prints it
 * (libnftables' JSON schema 1), read with jansson and walked for
 * doctor_fw. Tables of family ip6, inet and netdev can see an IPv6
 * datagram; their base chains at prerouting, input and ingress are
 * followed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "doctor.h"
#include "doctor_fw.h"

#define NFT_MAX_BASES	64

struct nft_ctx {
	json_t *items;		/* the "nftables" array */
};

static const char *nft_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The "rule" objects of chain "family table name", in order. */
static const json_t *nft_rule_at(const struct nft_ctx *c, const char *chain, size_t idx)
{
	size_t i, n = 0;
	json_t *it;

	json_array_foreach(c->items, i, it) {
		const json_t *r = json_object_get(it, "rule");
		char key[200];

		if (!r)
			continue;
		snprintf(key, sizeof(key), "%s %s %s", nft_str(r, "family") ?: "", nft_str(r, "table") ?: "",
			 nft_str(r, "chain") ?: "");
		if (!strcmp(key, chain) && n++ == idx)
			return r;
	}
	return NULL;
}

static const json_t *nft_set(const struct nft_ctx *c, const char *family, const char *table,
			     const char *name)
{
	size_t i;
	json_t *it;

	json_array_foreach(c->items, i, it) {
		const json_t *s = json_object_get(it, "set");

		if (!s)
			s = json_object_get(it, "map");
		if (s && !strcmp(nft_str(s, "family") ?: "", family) &&
		    !strcmp(nft_str(s, "table") ?: "", table) && !strcmp(nft_str(s, "name") ?: "", name))
			return s;
	}
	return NULL;
}

/* What the left side of a match reads from the datagram. */
static void nft_left(const json_t *l, const char *ifname, struct fw_val *v)
{
	static const char *const absent[] = { "tcp", "udplite", "sctp", "dccp", "icmp", "icmpv6",
					      "igmp", "ip", "esp", "ah", "comp", "arp", "gre" };
	const json_t *p = json_object_get(l, "payload"), *m = json_object_get(l, "meta");
	const json_t *ct = json_object_get(l, "ct"), *fib = json_object_get(l, "fib");
	enum fw_field f = FF_UNKNOWN;

	if (p && nft_str(p, "protocol")) {
		const char *proto = nft_str(p, "protocol"), *field = nft_str(p, "field") ?: "";

		for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
			if (!strcmp(proto, absent[i]))
				f = FF_ABSENT;
		if (!strcmp(proto, "udp") || !strcmp(proto, "th"))
			f = !strcmp(field, "dport") ? FF_DPORT : !strcmp(field, "sport") ? FF_SPORT :
			    FF_UNKNOWN;
		else if (!strcmp(proto, "ip6"))
			f = !strcmp(field, "daddr") ? FF_DADDR : !strcmp(field, "saddr") ? FF_SADDR :
			    !strcmp(field, "hoplimit") ? FF_HOPLIMIT : !strcmp(field, "nexthdr") ?
			    FF_L4PROTO : !strcmp(field, "version") ? FF_VERSION : FF_UNKNOWN;
	} else if (m) {
		const char *k = nft_str(m, "key") ?: "";

		f = !strcmp(k, "l4proto") ? FF_L4PROTO : !strcmp(k, "nfproto") ? FF_NFPROTO :
		    !strcmp(k, "protocol") ? FF_ETHERTYPE : !strcmp(k, "pkttype") ? FF_PKTTYPE :
		    !strcmp(k, "iifname") || !strcmp(k, "iif") ? FF_IIFNAME : FF_UNKNOWN;
	} else if (ct) {
		const char *k = nft_str(ct, "key") ?: "";

		f = !strcmp(k, "state") ? FF_CTSTATE : !strcmp(k, "direction") ? FF_CTDIR :
		    FF_UNKNOWN;
	} else if (fib && !strcmp(nft_str(fib, "result") ?: "", "type")) {
		const json_t *fl = json_object_get(fib, "flags");
		size_t i;
		json_t *x;

		json_array_foreach(fl, i, x)
			if (!strcmp(json_string_value(x) ?: "", "daddr"))
				f = FF_DADDR_TYPE;
	}
	fw_pkt_field(f, ifname, v);
}

/* Is v one of what r names (a value, a set, a range, a prefix, @set)? */
static enum tri nft_in(const struct nft_ctx *c, const json_t *rule, const struct fw_val *v,
		       const json_t *r, int depth)
{
	const json_t *x;
	size_t i;
	json_t *e;

	if (depth > 4)
		return T_MAYBE;
	if (json_is_integer(r))
		return fw_in_range(v, (unsigned long)json_integer_value(r),
				   (unsigned long)json_integer_value(r));
	if (json_is_string(r)) {
		const char *s = json_string_value(r);
		const json_t *set;

		if (s[0] != '@')
			return fw_eq_str(v, s);
		set = nft_set(c, nft_str(rule, "family") ?: "", nft_str(rule, "table") ?: "", s + 1);
		return set ? nft_in(c, rule, v, json_object_get(set, "elem"), depth + 1) : T_MAYBE;
	}
	if (json_is_array(r) || (x = json_object_get(r, "set"))) {
		enum tri best = T_FALSE;

		if (json_is_array(r))
			x = r;
		if (json_is_object(x) || json_is_string(x) || json_is_integer(x))
			return nft_in(c, rule, v, x, depth + 1);
		json_array_foreach(x, i, e) {
			enum tri t = nft_in(c, rule, v, e, depth + 1);

			if (t == T_TRUE)
				return T_TRUE;
			if (t == T_MAYBE)
				best = T_MAYBE;
		}
		return best;
	}
	if ((x = json_object_get(r, "elem")))	/* a set element with options */
		return nft_in(c, rule, v, json_object_get(x, "val"), depth + 1);
	if ((x = json_object_get(r, "range")) && json_array_size(x) == 2) {
		const json_t *lo = json_array_get(x, 0), *hi = json_array_get(x, 1);

		if (json_is_integer(lo) && json_is_integer(hi))
			return fw_in_range(v, (unsigned long)json_integer_value(lo),
					   (unsigned long)json_integer_value(hi));
		return v->kind == FV_ABSENT ? T_FALSE : T_MAYBE;
	}
	if ((x = json_object_get(r, "prefix")) && nft_str(x, "addr"))
		return fw_eq_prefix(v, nft_str(x, "addr"),
				    (unsigned int)json_integer_value(json_object_get(x, "len")));
	return v->kind == FV_ABSENT ? T_FALSE : T_MAYBE;
}

static enum tri nft_match(const struct nft_ctx *c, const json_t *rule, const json_t *m,
			  const char *ifname)
{
	const char *op = nft_str(m, "op") ?: "==";
	struct fw_val v;
	enum tri t;

	nft_left(json_object_get(m, "left"), ifname, &v);
	if (v.kind == FV_ABSENT)
		return T_FALSE;	/* its protocol is not in the datagram: no match either way */
	if (v.kind == FV_UNKNOWN)
		return T_MAYBE;
	if (!strcmp(op, "==") || !strcmp(op, "in"))
		return nft_in(c, rule, &v, json_object_get(m, "right"), 0);
	if (!strcmp(op, "!="))
		return fw_tri_not(nft_in(c, rule, &v, json_object_get(m, "right"), 0));
	t = T_MAYBE;
	if (v.kind == FV_NUM && json_is_integer(json_object_get(m, "right"))) {
		unsigned long r = (unsigned long)json_integer_value(json_object_get(m, "right"));

		t = !strcmp(op, "<") ? (v.num < r ? T_TRUE : T_FALSE) :
		    !strcmp(op, ">") ? (v.num > r ? T_TRUE : T_FALSE) :
		    !strcmp(op, "<=") ? (v.num <= r ? T_TRUE : T_FALSE) :
		    !strcmp(op, ">=") ? (v.num >= r ? T_TRUE : T_FALSE) : T_MAYBE;
	}
	return t;
}

/* A verdict object ({"accept": null}, {"jump": {"target": ...}}), or FW_NONE. */
static enum fw_vkind nft_verdict(const json_t *st, const char *family, const char *table,
				 char *target, size_t tlen)
{
	const json_t *j;

	if (json_object_get(st, "accept"))
		return FW_ACCEPT;
	if (json_object_get(st, "drop") || json_object_get(st, "reject"))
		return FW_DROP;
	if (json_object_get(st, "return"))
		return FW_RETURN;
	if ((j = json_object_get(st, "jump")) || (j = json_object_get(st, "goto"))) {
		snprintf(target, tlen, "%s %s %s", family, table, nft_str(j, "target") ?: "");
		return json_object_get(st, "jump") ? FW_JUMP : FW_GOTO;
	}
	if (json_object_get(st, "queue"))
		return FW_UNKNOWN;
	return FW_NONE;
}

static int nft_rule(struct fw_walk *w, const char *chain, size_t idx, struct fw_alt *alts,
		    int max, char *desc, size_t desclen)
{
	const struct nft_ctx *c = w->ctx;
	const json_t *r = nft_rule_at(c, chain, idx), *st;
	const char *family, *table, *comment;
	enum tri m = T_TRUE;
	size_t i;
	int n = 0;

	if (!r)
		return -1;
	family = nft_str(r, "family") ?: "";
	table = nft_str(r, "table") ?: "";
	comment = nft_str(r, "comment");
	snprintf(desc, desclen, "rule handle %lld in table %s %s, chain %s%s%s%s",
		 (long long)json_integer_value(json_object_get(r, "handle")), family, table,
		 nft_str(r, "chain") ?: "", comment ? " (" : "", comment ? comment : "",
		 comment ? ")" : "");
	json_array_foreach(json_object_get(r, "expr"), i, st) {
		const json_t *x;
		enum fw_vkind v;

		if ((x = json_object_get(st, "match"))) {
			m = fw_tri_and(m, nft_match(c, r, x, w->ifname));
			if (m == T_FALSE)
				return 0;
			continue;
		}
		if (json_object_get(st, "limit") || json_object_get(st, "quota") ||
		    json_object_get(st, "xt")) {
			m = fw_tri_and(m, T_MAYBE);	/* matches some datagrams, not others */
			continue;
		}
		if ((x = json_object_get(st, "vmap"))) {
			struct fw_val key;
			const json_t *data = json_object_get(x, "data"), *pairs, *e;
			size_t k;

			nft_left(json_object_get(x, "key"), w->ifname, &key);
			if (json_is_string(data)) {	/* a named map: its elements */
				const json_t *map = nft_set(c, family, table, json_string_value(data) + 1);

				pairs = map ? json_object_get(map, "elem") : NULL;
			} else {
				pairs = json_object_get(data, "set");
			}
			if (!pairs) {
				alts[n++] = (struct fw_alt){ .m = T_MAYBE, .v = FW_UNKNOWN };
				return n;
			}
			json_array_foreach(pairs, k, e) {
				if (n == max || !json_is_array(e) || json_array_size(e) != 2)
					continue;
				alts[n].v = nft_verdict(json_array_get(e, 1), family, table,
							alts[n].target, sizeof(alts[n].target));
				alts[n].m = key.kind == FV_UNKNOWN ? T_MAYBE :
					    fw_tri_and(m, nft_in(c, r, &key, json_array_get(e, 0), 0));
				n++;
			}
			return n;
		}
		v = nft_verdict(st, family, table, alts[0].target, sizeof(alts[0].target));
		if (v != FW_NONE) {
			alts[0].m = m;
			alts[0].v = v;
			return 1;
		}
	}
	return 0;	/* no verdict: counters, logging, marks */
}

void doctor_nft(struct doctor *d, const char *json, size_t len, const char *const *ifnames,
		size_t nifnames)
{
	struct fw_base *bases = calloc(NFT_MAX_BASES, sizeof(*bases));
	struct nft_ctx c = { 0 };
	struct fw_walk w = { .rule = nft_rule, .ctx = &c };
	json_error_t err;
	json_t *root = json_loadb(json, len, 0, &err), *it;
	size_t i, nbase = 0;

	c.items = json_object_get(root, "nftables");
	if (!bases || !json_is_array(c.items)) {
		doctor_add(d, DOCTOR_WARN, "firewall", "run: nft -j list ruleset",
			   "nft -j list ruleset gave no ruleset doctor can read%s%s",
			   root ? "" : ": ", root ? "" : err.text);
		goto out;
	}
	json_array_foreach(c.items, i, it) {
		const json_t *ch = json_object_get(it, "chain");
		const char *fam = nft_str(ch, "family") ?: "", *hook = nft_str(ch, "hook") ?: "";
		const char *table = nft_str(ch, "table") ?: "", *name = nft_str(ch, "name") ?: "";
		struct fw_base *b = &bases[nbase];
		bool firewalld = !strcmp(table, "firewalld");

		if (!ch || nbase == NFT_MAX_BASES)
			continue;
		if (!((!strcmp(fam, "inet") || !strcmp(fam, "ip6")) &&
		      (!strcmp(hook, "input") || !strcmp(hook, "prerouting"))) &&
		    !(!strcmp(fam, "netdev") && !strcmp(hook, "ingress")))
			continue;
		snprintf(b->chain, sizeof(b->chain), "%s %s %s", fam, table, name);
		/* A netdev chain sees only its device's datagrams; nft -j
		 * (1.0.6) does not say which device. */
		snprintf(b->dev, sizeof(b->dev), "%s", nft_str(ch, "dev") ?: "");
		b->some_devs = !strcmp(fam, "netdev") && !b->dev[0];
		snprintf(b->name, sizeof(b->name), "table %s %s, chain %s", fam, table, name);
		b->policy_drop = !strcmp(nft_str(ch, "policy") ?: "accept", "drop");
		snprintf(b->policy_desc, sizeof(b->policy_desc), "the policy of chain %s is drop, "
			 "and no rule before accepts the datagram", name);
		if (firewalld)
			snprintf(b->todo, sizeof(b->todo), "firewall-cmd --permanent --add-rich-rule="
				 "'rule family=\"ipv6\" source address=\"fe80::/10\" destination "
				 "address=\"ff02::1:1\" port port=\"1903\" protocol=\"udp\" accept' && "
				 "firewall-cmd --reload");
		else
			snprintf(b->todo, sizeof(b->todo), "nft insert rule %s %s %s ip6 saddr "
				 "fe80::/10 ip6 daddr ff02::1:1 udp dport 1903 accept (and add it to "
				 "/etc/nftables.conf to keep it)", fam, table, name);
		nbase++;
	}
	fw_report(d, &w, "nftables", nbase, bases, ifnames, nifnames);
out:
	json_decref(root);
	free(bases);
}
