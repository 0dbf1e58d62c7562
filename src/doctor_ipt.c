/* doctor_ipt: ip6tables rules as ip6tables-save prints them, walked for
 * doctor_fw: "*TABLE" sections, ":CHAIN POLICY [p:b]" chains, "-A CHAIN
 * match... -j TARGET" rules, "COMMIT". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doctor.h"
#include "doctor_fw.h"

#define IPT_TOKENS	96
#define IPT_LINE	1024
#define IPT_MAX_BASES	8

struct ipt_ctx {
	const char *text;
	size_t len;
};

/* Splits line into words; "double quoted" words may hold blanks. */
static int ipt_split(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		char *out;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		tok[n++] = out = p;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				*out++ = *p++;
			}
			if (*p)
				p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r')
				*out++ = *p++;
			if (*p)
				p++;
		}
		*out = '\0';
	}
	return n;
}

/* Calls fn for each line of table's section; stops when fn returns true. */
static bool ipt_lines(const struct ipt_ctx *c, const char *table,
		      bool (*fn)(char *line, void *arg), void *arg)
{
	const char *p = c->text, *end = c->text + c->len;
	bool in = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[IPT_LINE];

		snprintf(line, sizeof(line), "%.*s", (int)((nl ? nl : end) - p), p);
		p = nl ? nl + 1 : end;
		if (line[0] == '*')
			in = !strcmp(line + 1, table);
		else if (in && fn(line, arg))
			return true;
	}
	return false;
}

struct ipt_find {
	const char *chain;
	size_t want, seen;
	char line[IPT_LINE];
	bool is_chain;		/* the chain exists (for targets) */
	char policy[16];
};

static bool ipt_find_rule(char *line, void *arg)
{
	struct ipt_find *f = arg;
	char *p = line;
	size_t n = strlen(f->chain);

	if (p[0] == '[')	/* ip6tables-save -c: "[packets:bytes] -A ..." */
		p = strchr(p, ']') ? strchr(p, ']') + 1 : p;
	p += strspn(p, " ");
	if (strncmp(p, "-A ", 3) || strncmp(p + 3, f->chain, n) || p[3 + n] != ' ')
		return false;
	if (f->seen++ != f->want)
		return false;
	snprintf(f->line, sizeof(f->line), "%s", p);
	return true;
}

static bool ipt_find_chain(char *line, void *arg)
{
	struct ipt_find *f = arg;
	char *tok[3];

	if (line[0] != ':' || ipt_split(line + 1, tok, 3) < 2 || strcmp(tok[0], f->chain))
		return false;
	f->is_chain = true;
	snprintf(f->policy, sizeof(f->policy), "%s", tok[1]);
	return true;
}

/* Any item of a comma-separated list matches v: ports ("1900:1910"
 * ranges when ports) or address prefixes. */
static enum tri ipt_any(const struct fw_val *v, const char *list, bool ports)
{
	char buf[512], *save = NULL;
	enum tri best = T_FALSE;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *colon = ports ? strchr(t, ':') : NULL;
		enum tri r;

		if (colon) {
			*colon = '\0';
			r = fw_in_range(v, *t ? strtoul(t, NULL, 10) : 0,
					colon[1] ? strtoul(colon + 1, NULL, 10) : 65535);
		} else {
			r = fw_eq_str(v, t);
		}
		if (r == T_TRUE)
			return T_TRUE;
		if (r == T_MAYBE)
			best = T_MAYBE;
	}
	return best;
}

static enum tri ipt_words(const char *list, const char *want)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcasecmp(t, want))
			return T_TRUE;
	return T_FALSE;
}

static bool ipt_opt(const char *t, const char *s, const char *l)
{
	return !strcmp(t, s) || (l && !strcmp(t, l));
}

/* The match of one option and its argument. */
static enum tri ipt_option(const char *t, const char *arg, const char *ifname)
{
	struct fw_val v;

	if (ipt_opt(t, "-p", "--protocol")) {
		fw_pkt_field(FF_L4PROTO, ifname, &v);
		return !strcasecmp(arg, "all") || !strcmp(arg, "0") ? T_TRUE : fw_eq_str(&v, arg);
	}
	if (ipt_opt(t, "-s", "--source")) {
		fw_pkt_field(FF_SADDR, ifname, &v);
		return ipt_any(&v, arg, false);
	}
	if (ipt_opt(t, "-d", "--destination")) {
		fw_pkt_field(FF_DADDR, ifname, &v);
		return ipt_any(&v, arg, false);
	}
	if (ipt_opt(t, "-i", "--in-interface")) {
		fw_pkt_field(FF_IIFNAME, ifname, &v);
		return fw_eq_str(&v, arg);
	}
	if (ipt_opt(t, "--dport", "--destination-port") || ipt_opt(t, "--dports", NULL) ||
	    ipt_opt(t, "--sport", "--source-port") || ipt_opt(t, "--sports", NULL)) {
		fw_pkt_field(FF_DPORT, ifname, &v);
		return ipt_any(&v, arg, true);
	}
	if (ipt_opt(t, "--state", "--ctstate"))
		return ipt_words(arg, "NEW");
	if (ipt_opt(t, "--pkt-type", NULL))
		return !strcasecmp(arg, "multicast") ? T_TRUE : T_FALSE;
	if (ipt_opt(t, "--hl-eq", NULL))
		return atoi(arg) == 255 ? T_TRUE : T_FALSE;
	return T_MAYBE;
}

static int ipt_rule(struct fw_walk *w, const char *chain, size_t idx, struct fw_alt *alts,
		    int max, char *desc, size_t desclen)
{
	const struct ipt_ctx *c = w->ctx;
	char table[32], name[64], *tok[IPT_TOKENS];
	struct ipt_find f = { .want = idx };
	enum tri m = T_TRUE;
	bool neg = false;
	int n, i;

	(void)max;
	if (sscanf(chain, "%31s %63s", table, name) != 2)
		return -1;
	f.chain = name;
	if (!ipt_lines(c, table, ipt_find_rule, &f))
		return -1;
	snprintf(desc, desclen, "rule %zu of chain %s in table %s (%.100s)", idx + 1, name, table,
		 f.line);
	n = ipt_split(f.line, tok, IPT_TOKENS);
	alts[0].m = T_TRUE;
	alts[0].v = FW_NONE;
	for (i = 2; i < n; i++) {
		const char *t = tok[i], *arg = i + 1 < n ? tok[i + 1] : "";

		if (!strcmp(t, "!")) {
			neg = true;
			continue;
		}
		if (ipt_opt(t, "-j", "--jump") || ipt_opt(t, "-g", "--goto")) {
			struct ipt_find tf = { .chain = arg };
			bool go = t[1] == 'g' || !strcmp(t, "--goto");

			alts[0].v = !strcmp(arg, "ACCEPT") ? FW_ACCEPT :
				    !strcmp(arg, "DROP") || !strcmp(arg, "REJECT") ? FW_DROP :
				    !strcmp(arg, "RETURN") ? FW_RETURN :
				    !strcmp(arg, "QUEUE") || !strcmp(arg, "NFQUEUE") ? FW_UNKNOWN :
				    FW_NONE;
			if (alts[0].v == FW_NONE && ipt_lines(c, table, ipt_find_chain, &tf)) {
				alts[0].v = go ? FW_GOTO : FW_JUMP;
				snprintf(alts[0].target, sizeof(alts[0].target), "%s %s", table, arg);
			}
			break;	/* the rest are the target's options */
		}
		if (ipt_opt(t, "-m", "--match") || ipt_opt(t, "--comment", NULL)) {
			i++;	/* the module's own options follow as options */
			continue;
		}
		if (t[0] != '-') {
			m = fw_tri_and(m, T_MAYBE);
			continue;
		}
		{
			enum tri r = ipt_option(t, arg, w->ifname);

			/* Every option this reader knows takes one argument; an
			 * unknown one is taken to, unless what follows is an option. */
			if (i + 1 < n && tok[i + 1][0] != '-' && strcmp(tok[i + 1], "!"))
				i++;
			if (neg)
				r = fw_tri_not(r);
			neg = false;
			m = fw_tri_and(m, r);
		}
	}
	alts[0].m = m;
	return m == T_FALSE ? 0 : 1;
}

void doctor_ip6tables(struct doctor *d, const char *text, size_t len,
		      const char *const *ifnames, size_t nifnames)
{
	static const struct { const char *table, *chain; } hooks[] = {
		{ "raw", "PREROUTING" }, { "mangle", "PREROUTING" }, { "mangle", "INPUT" },
		{ "filter", "INPUT" }, { "security", "INPUT" },
	};
	struct ipt_ctx c = { .text = text, .len = len };
	struct fw_walk w = { .rule = ipt_rule, .ctx = &c };
	struct fw_base bases[IPT_MAX_BASES];
	struct ipt_find ufw = { .chain = "ufw6-before-input" };
	size_t nbase = 0;
	bool is_ufw = ipt_lines(&c, "filter", ipt_find_chain, &ufw);

	memset(bases, 0, sizeof(bases));
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		struct ipt_find f = { .chain = hooks[i].chain };
		struct fw_base *b = &bases[nbase];
		bool filter = !strcmp(hooks[i].table, "filter");

		if (!ipt_lines(&c, hooks[i].table, ipt_find_chain, &f))
			continue;
		snprintf(b->chain, sizeof(b->chain), "%s %s", hooks[i].table, hooks[i].chain);
		snprintf(b->name, sizeof(b->name), "table %s, chain %s", hooks[i].table,
			 hooks[i].chain);
		b->policy_drop = !strcmp(f.policy, "DROP");
		snprintf(b->policy_desc, sizeof(b->policy_desc), "the policy of chain %s is DROP, "
			 "and no rule before accepts the datagram", hooks[i].chain);
		if (is_ufw && filter)
			snprintf(b->todo, sizeof(b->todo), "ufw allow proto udp from fe80::/10 to "
				 "ff02::1:1 port 1903");
		else
			snprintf(b->todo, sizeof(b->todo), "ip6tables%s%s -I %s -s fe80::/10 -d "
				 "ff02::1:1 -p udp --dport 1903 -j ACCEPT (and save it: "
				 "ip6tables-save > /etc/iptables/rules.v6)", filter ? "" : " -t ",
				 filter ? "" : hooks[i].table, hooks[i].chain);
		nbase++;
	}
	fw_report(d, &w, "ip6tables", nbase, bases, ifnames, nifnames);
}
