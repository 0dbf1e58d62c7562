/* doctor: the pure checks of "linknamectl doctor" (see doctor.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doctor.h"
#include "nssconf.h"
#include "wire.h"

void doctor_add(struct doctor *d, enum doctor_verdict v, const char *check, const char *todo,
		const char *fmt, ...)
{
	struct doctor_line *l;
	va_list ap;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct doctor_line *p = realloc(d->lines, cap * sizeof(*p));

		if (!p) {
			d->oom = true;
			return;
		}
		d->lines = p;
		d->cap = cap;
	}
	l = &d->lines[d->n++];
	l->verdict = v;
	snprintf(l->check, sizeof(l->check), "%s", check);
	snprintf(l->todo, sizeof(l->todo), "%s", todo ? todo : "");
	va_start(ap, fmt);
	vsnprintf(l->what, sizeof(l->what), fmt, ap);
	va_end(ap);
}

void doctor_free(struct doctor *d)
{
	free(d->lines);
	memset(d, 0, sizeof(*d));
}

const char *doctor_verdict_name(enum doctor_verdict v)
{
	return v == DOCTOR_OK ? "ok" : v == DOCTOR_WARN ? "warn" : "fail";
}

int doctor_worst(const struct doctor *d, const char *check)
{
	int worst = -1;

	for (size_t i = 0; i < d->n; i++)
		if ((!check || !strcmp(d->lines[i].check, check)) && (int)d->lines[i].verdict > worst)
			worst = (int)d->lines[i].verdict;
	return worst;
}

const struct doctor_line *doctor_find(const struct doctor *d, const char *check,
				      const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->lines[i].check, check) && strstr(d->lines[i].what, needle))
			return &d->lines[i];
	return NULL;
}

/* ---- the hosts line ---- */

enum { ST_SUCCESS, ST_NOTFOUND, ST_UNAVAIL, ST_TRYAGAIN, ST_COUNT };
enum { ACT_CONTINUE, ACT_RETURN, ACT_MERGE };

/* What glibc does after each status of a service with this action item
 * (its grammar was checked by nssconf): SUCCESS returns, the rest go on,
 * unless the item says otherwise; "!S=A" sets A for every status but S. */
static void doctor_actions(const char *item, int act[ST_COUNT])
{
	static const char *const st[ST_COUNT] = { "SUCCESS", "NOTFOUND", "UNAVAIL", "TRYAGAIN" };
	char buf[128], *save = NULL, *tok;

	act[ST_SUCCESS] = ACT_RETURN;
	act[ST_NOTFOUND] = act[ST_UNAVAIL] = act[ST_TRYAGAIN] = ACT_CONTINUE;
	snprintf(buf, sizeof(buf), "%s", item);
	/* "a = b" and "a=b" alike: split on blanks and '=' and read pairs. */
	for (tok = strtok_r(buf, " \t=", &save); tok; tok = strtok_r(NULL, " \t=", &save)) {
		bool neg = tok[0] == '!';
		const char *a = strtok_r(NULL, " \t=", &save);
		int s, v;

		if (!a)
			break;
		for (s = 0; s < ST_COUNT && strcasecmp(tok + neg, st[s]); s++)
			;
		v = !strcasecmp(a, "return") ? ACT_RETURN : !strcasecmp(a, "merge") ? ACT_MERGE :
		    ACT_CONTINUE;
		for (int k = 0; k < ST_COUNT && s < ST_COUNT; k++)
			if (neg ? k != s : k == s)
				act[k] = v;
	}
}

static bool doctor_is(const struct nssconf_service *s, const char *name)
{
	return !strcmp(s->name, name);
}

/* Services that ask the network for a name. */
static bool doctor_network(const struct nssconf_service *s)
{
	static const char *const net[] = { "dns", "resolve", "wins", "nis", "nisplus", "ldap",
					   "hesiod", "sss" };

	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (doctor_is(s, net[i]))
			return true;
	return !strncmp(s->name, "mdns", 4);
}

/* nss-mdns's minimal modules answer only names ending in .local and are
 * UNAVAIL for the rest, so a NOTFOUND=return after them never stops a
 * single label. */
static bool doctor_local_only(const struct nssconf_service *s)
{
	size_t n = strlen(s->name);

	return !strncmp(s->name, "mdns", 4) && n > 8 && !strcmp(s->name + n - 8, "_minimal");
}

static void doctor_entry(char *buf, size_t len, const struct nssconf_service *s)
{
	snprintf(buf, len, "%.63s%s%.127s%s", s->name, s->action[0] ? " [" : "", s->action,
		 s->action[0] ? "]" : "");
}

/* Where linkname stands relative to what comes before it. */
static void doctor_hosts_before(struct doctor *d, const struct nssconf_service *s, size_t at)
{
	char e[200], todo[400];
	bool said = false;

	for (size_t i = 0; i < at; i++) {
		int act[ST_COUNT];

		doctor_actions(s[i].action, act);
		doctor_entry(e, sizeof(e), &s[i]);
		if (doctor_is(&s[i], "files"))
			snprintf(todo, sizeof(todo), "remove the action item after files");
		else
			snprintf(todo, sizeof(todo), "linknamectl nss disable && linknamectl nss "
				 "enable (puts linkname after files, before what asks the network)");
		if (act[ST_NOTFOUND] == ACT_RETURN && !doctor_local_only(&s[i])) {
			doctor_add(d, DOCTOR_FAIL, "nsswitch", todo,
				   "'%s' comes before linkname and ends the lookup of every name it "
				   "does not know: linkname is never asked for a neighbour", e);
			said = true;
		} else if (doctor_network(&s[i]) && !doctor_local_only(&s[i])) {
			doctor_add(d, DOCTOR_WARN, "nsswitch", todo,
				   "'%s' comes before linkname: every lookup of a neighbour asks it "
				   "first (on the network: slow, or a wait when it is unreachable), "
				   "and its answer for the same name wins", e);
			said = true;
		}
	}
	if (!said)
		doctor_add(d, DOCTOR_OK, "nsswitch", NULL, "nothing before linkname keeps a "
			   "neighbour's name from it (files, myhostname and mdns*_minimal may come first)");
}

/* What linkname's own action item does, and what [NOTFOUND=return] would. */
static void doctor_hosts_after(struct doctor *d, const struct nssconf_service *s, size_t n,
			       size_t at)
{
	const struct nssconf_service *net = NULL;
	int act[ST_COUNT];

	for (size_t i = at + 1; i < n && !net; i++)
		if (doctor_network(&s[i]) && !doctor_local_only(&s[i]))
			net = &s[i];
	doctor_actions(s[at].action, act);
	if (act[ST_UNAVAIL] == ACT_RETURN && net)
		doctor_add(d, DOCTOR_FAIL, "nsswitch", "remove the UNAVAIL=return after linkname",
			   "'linkname [%s]': linkname answers UNAVAIL for every name with a dot and "
			   "whenever linknamed is not running, so those never reach %s", s[at].action,
			   net->name);
	if (act[ST_NOTFOUND] == ACT_RETURN && net)
		doctor_add(d, DOCTOR_WARN, "nsswitch",
			   "remove [NOTFOUND=return] after linkname unless that is what you want",
			   "'linkname [%s]': a single label no neighbour has is answered "
			   "'not found' at once and never reaches %s: a short name your DNS search "
			   "list used to complete (printer for printer.example.com) no longer "
			   "resolves", s[at].action, net->name);
	else if (act[ST_NOTFOUND] == ACT_RETURN)
		doctor_add(d, DOCTOR_OK, "nsswitch", NULL,
			   "'linkname [%s]': a single label no neighbour has is answered 'not "
			   "found' at once (nothing that asks the network comes after it)",
			   s[at].action);
	else if (net)
		doctor_add(d, DOCTOR_OK, "nsswitch", NULL,
			   "a name no neighbour has goes on to %s; [NOTFOUND=return] after linkname "
			   "would answer it 'not found' at once instead, but short names your DNS "
			   "search list completes (printer for printer.example.com) would stop "
			   "resolving", net->name);
	else
		doctor_add(d, DOCTOR_OK, "nsswitch", NULL,
			   "nothing that asks the network comes after linkname");
}

void doctor_hosts(struct doctor *d, const char *path, const char *text, size_t len)
{
	struct nssconf_service s[NSSCONF_MAX_ENTRIES];
	size_t lineno = 0, at = 0, count = 0, files = 0;
	char line[256];
	bool has_files = false;
	int n = nssconf_services(text, len, s, NSSCONF_MAX_ENTRIES, &lineno, line, sizeof(line));

	if (n < 0) {
		doctor_add(d, DOCTOR_FAIL, "nsswitch", "fix the hosts line by hand",
			   "%s is not understood: %s", path, line);
		return;
	}
	for (size_t i = 0; i < (size_t)n; i++) {
		if (doctor_is(&s[i], NSSCONF_SERVICE) && !count++)
			at = i;
		if (doctor_is(&s[i], "files") && !has_files) {
			has_files = true;
			files = i;
		}
	}
	if (!count) {
		doctor_add(d, DOCTOR_FAIL, "nsswitch", "linknamectl nss enable",
			   "linkname is not on the hosts line of %s (%s): programs do not ask it",
			   path, line);
		return;
	}
	doctor_add(d, count > 1 ? DOCTOR_WARN : DOCTOR_OK, "nsswitch",
		   count > 1 ? "linknamectl nss disable && linknamectl nss enable" : NULL,
		   "linkname is on the hosts line of %s%s (%s)", path,
		   count > 1 ? " more than once" : "", line);
	if (!has_files)
		doctor_add(d, DOCTOR_WARN, "nsswitch", "put files first on the hosts line",
			   "no files on the hosts line: /etc/hosts is not read");
	else if (files > at)
		doctor_add(d, DOCTOR_WARN, "nsswitch", "put files before linkname",
			   "files comes after linkname: a neighbour announcing a name of "
			   "/etc/hosts (localhost too) is answered before /etc/hosts is read");
	doctor_hosts_before(d, s, at);
	doctor_hosts_after(d, s, (size_t)n, at);
}

/* ---- nscd, nsncd ---- */

int doctor_nscd_caches_hosts(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int said = -1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[256], w1[64], w2[64], w3[64];

		snprintf(line, sizeof(line), "%.*s", (int)((nl ? nl : end) - p), p);
		p = nl ? nl + 1 : end;
		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		if (sscanf(line, "%63s %63s %63s", w1, w2, w3) == 3 && !strcmp(w1, "enable-cache") &&
		    !strcmp(w2, "hosts"))
			said = !strcasecmp(w3, "yes");
	}
	return said;
}

void doctor_nscd(struct doctor *d, const struct doctor_nscd *n)
{
	static const char why[] = "glibc asks it before NSS, and its answers carry no scope "
				  "id: getaddrinfo gives a neighbour's fe80:: address without "
				  "its interface, and connecting to it fails";

	if (!n->answering) {
		doctor_add(d, DOCTOR_OK, "nscd", NULL, "no nscd or nsncd answers on "
			   "/var/run/nscd/socket: lookups go to the NSS modules directly");
	} else if (n->nsncd) {
		doctor_add(d, DOCTOR_FAIL, "nscd", "stop and disable nsncd (systemctl disable "
			   "--now nsncd)", "nsncd answers host lookups: %s", why);
	} else if (n->hosts == 1) {
		doctor_add(d, DOCTOR_FAIL, "nscd", "set 'enable-cache hosts no' in /etc/nscd.conf, "
			   "then systemctl restart nscd", "nscd caches hosts (enable-cache hosts "
			   "yes): %s", why);
	} else if (n->hosts == 0) {
		doctor_add(d, DOCTOR_OK, "nscd", NULL, "nscd runs but does not cache hosts "
			   "(enable-cache hosts no)");
	} else {
		doctor_add(d, DOCTOR_WARN, "nscd", "set 'enable-cache hosts no' in /etc/nscd.conf "
			   "and restart it", "a name-service cache%s answers on "
			   "/var/run/nscd/socket and %s: if it caches hosts, %s",
			   n->nscd ? " (nscd)" : "", n->hosts == -2 ? "there is no /etc/nscd.conf" :
			   "/etc/nscd.conf does not say whether it caches hosts", why);
	}
}

/* ---- the daemon's STATS ---- */

bool doctor_stat(const char *stats, size_t len, const char *key, char *buf, size_t buflen)
{
	const char *p = stats, *end = stats + len;
	size_t klen = strlen(key);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > klen && !memcmp(p, key, klen) && p[klen] == ' ') {
			snprintf(buf, buflen, "%.*s", (int)(le - p - (ptrdiff_t)klen - 1), p + klen + 1);
			return true;
		}
		if ((size_t)(le - p) == klen && !memcmp(p, key, klen)) {
			buf[0] = '\0';
			return true;
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}

static unsigned long long doctor_num(const char *stats, size_t len, const char *key)
{
	char v[32];

	return doctor_stat(stats, len, key, v, sizeof(v)) ? strtoull(v, NULL, 10) : 0;
}

/* What each refused-datagram counter means, and what to do about it. */
static const struct {
	const char *reason;
	enum doctor_verdict v;
	const char *means, *todo;
} doctor_reasons[] = {
	{ "hop-limit", DOCTOR_WARN, "a hop limit other than 255: sent from off the link (routed "
	  "or forged), or by a program that does not set 255", "look for the sender with "
	  "linknamectl monitor" },
	{ "not-link-local", DOCTOR_WARN, "a source outside fe80::/10: not a neighbour on the link",
	  "look for the sender with linknamectl monitor" },
	{ "not-joined", DOCTOR_OK, "arrived on an interface linknamed has not joined (usual "
	  "while a link comes up)", NULL },
	{ "own", DOCTOR_OK, "our own datagrams, looped back (usual)", NULL },
	{ "addr-mismatch", DOCTOR_WARN, "a GOODBYE or change for a name sent from an address its "
	  "holder does not have: an attempt to remove or move a neighbour's name", "look for the "
	  "sender with linknamectl monitor; a shared key (key-file) stops it" },
	{ "table-full", DOCTOR_WARN, "the neighbour table was full: a flood of names, or more "
	  "hosts on the links than table-size", "raise table-size in /etc/linkname.conf if the "
	  "links really have that many hosts" },
	{ "claimed", DOCTOR_WARN, "a claim on a name whose holder answered: an impostor, or a "
	  "host that took a name already in use", "look for the claimant with linknamectl monitor" },
	{ "rate-limited", DOCTOR_WARN, "more new names from one source than 4, then 1 per 10 s: "
	  "a flood", "look for the sender with linknamectl monitor" },
	{ "no-mac", DOCTOR_WARN, "unsigned while a key is set: a host without the key",
	  "give every host the same key-file" },
	{ "bad-mac", DOCTOR_WARN, "a MAC that does not verify: another key, or a forgery",
	  "check that every host has the same key-file" },
	{ "stale", DOCTOR_WARN, "signed, but its time is outside the window: clocks that differ",
	  "synchronise the clocks (NTP)" },
	{ "replay", DOCTOR_WARN, "a signed datagram seen before: a replay", "look for the sender "
	  "with linknamectl monitor" },
};

static void doctor_refused(struct doctor *d, const char *stats, size_t len)
{
	unsigned long long total = doctor_num(stats, len, "dropped"), n;
	char key[64];
	bool said = false;

	for (size_t i = 0; i < sizeof(doctor_reasons) / sizeof(doctor_reasons[0]); i++) {
		snprintf(key, sizeof(key), "dropped-%s", doctor_reasons[i].reason);
		if (!(n = doctor_num(stats, len, key)))
			continue;
		doctor_add(d, doctor_reasons[i].v, "refused", doctor_reasons[i].todo,
			   "%llu datagram%s refused as %s: %s", n, n == 1 ? "" : "s",
			   doctor_reasons[i].reason, doctor_reasons[i].means);
		said |= doctor_reasons[i].v != DOCTOR_OK;
	}
	for (int e = WIRE_ERR_SHORT; e < WIRE_ERR_COUNT; e++) {
		snprintf(key, sizeof(key), "dropped-%s", wire_errname((enum wire_err)e));
		if (!(n = doctor_num(stats, len, key)))
			continue;
		doctor_add(d, DOCTOR_WARN, "refused", "look for the sender with linknamectl monitor",
			   "%llu datagram%s refused as %s (%s): malformed, from another program on "
			   "UDP 1903, a broken or newer linkname, or a forgery", n, n == 1 ? "" : "s",
			   wire_errname((enum wire_err)e), wire_strerror((enum wire_err)e));
		said = true;
	}
	if (!said)
		doctor_add(d, DOCTOR_OK, "refused", NULL, "no datagram refused but the usual "
			   "(%llu in all)", total);
}

void doctor_stats(struct doctor *d, const char *stats, size_t len)
{
	char version[64], name[80];
	unsigned long long now, seen;

	if (!doctor_stat(stats, len, "name", name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	if (!doctor_stat(stats, len, "version", version, sizeof(version)))
		doctor_add(d, DOCTOR_WARN, "daemon", "restart linknamed (systemctl restart linknamed)",
			   "linknamed answers as %s but is older than linknamectl %s", name,
			   LINKNAME_VERSION);
	else if (strcmp(version, LINKNAME_VERSION))
		doctor_add(d, DOCTOR_WARN, "daemon", "restart linknamed after an upgrade",
			   "linknamed %s answers as %s, but linknamectl is %s", version, name,
			   LINKNAME_VERSION);
	else
		doctor_add(d, DOCTOR_OK, "daemon", NULL, "linknamed %s answers as %s (up %llu s, "
			   "%llu neighbours, %llu interfaces)", version, name,
			   doctor_num(stats, len, "uptime"), doctor_num(stats, len, "neighbours"),
			   doctor_num(stats, len, "interfaces"));
	now = doctor_num(stats, len, "conflicts-now");
	seen = doctor_num(stats, len, "conflicts-seen");
	if (now)
		doctor_add(d, DOCTOR_FAIL, "conflict", "give one of them another name (name = in "
			   "/etc/linkname.conf, then systemctl reload linknamed)",
			   "%llu neighbour%s announce%s this host's name %s now: lookups of %s "
			   "get both", now, now == 1 ? "" : "s", now == 1 ? "s" : "", name, name);
	else if (seen)
		doctor_add(d, DOCTOR_WARN, "conflict", "see linknamed's log for who it was",
			   "%llu name conflict%s since linknamed started, none now", seen,
			   seen == 1 ? "" : "s");
	else
		doctor_add(d, DOCTOR_OK, "conflict", NULL, "no name conflict");
	doctor_refused(d, stats, len);
}

/* ---- interfaces ---- */

void doctor_iface(struct doctor *d, const struct doctor_iface *i, const struct config *cfg,
		  const char *cfg_path, bool known)
{
	char todo[400];

	if (i->joined) {
		doctor_add(d, DOCTOR_OK, "interface", NULL, "%s: joined (%u link-local address%s)",
			   i->name, i->ll_ok, i->ll_ok == 1 ? "" : "es");
	} else if (i->loopback) {
		doctor_add(d, DOCTOR_OK, "interface", NULL, "%s: not used: loopback", i->name);
	} else if (!config_iface_wanted(cfg, i->name)) {
		doctor_add(d, DOCTOR_OK, "interface", NULL, "%s: not used: excluded by "
			   "interfaces/ignore-interfaces in %s", i->name, cfg_path);
	} else if (i->port) {
		doctor_add(d, DOCTOR_OK, "interface", NULL, "%s: not used: a port of %s, whose own "
			   "address linknamed uses", i->name, i->master);
	} else if (!i->up) {
		snprintf(todo, sizeof(todo), "ip link set %s up", i->name);
		doctor_add(d, DOCTOR_WARN, "interface", todo, "%s: not joined: it is down", i->name);
	} else if (!i->multicast) {
		snprintf(todo, sizeof(todo), "ip link set %s multicast on", i->name);
		doctor_add(d, DOCTOR_WARN, "interface", todo, "%s: not joined: no MULTICAST flag",
			   i->name);
	} else if (i->ipv6_disabled) {
		snprintf(todo, sizeof(todo), "sysctl -w net.ipv6.conf.%s.disable_ipv6=0 (and take "
			 "it out of /etc/sysctl.d)", i->name);
		doctor_add(d, DOCTOR_WARN, "interface", todo, "%s: not joined: IPv6 is disabled on "
			   "it (net.ipv6.conf.%s.disable_ipv6 = 1)", i->name, i->name);
	} else if (!i->ll_ok && i->ll_dadfailed) {
		snprintf(todo, sizeof(todo), "find the host with the same address (ip -6 neigh "
			 "show dev %s), then give %s a new one (ip link set %s down; ip link set %s "
			 "up, with addrgenmode stable-privacy)", i->name, i->name, i->name, i->name);
		doctor_add(d, DOCTOR_FAIL, "interface", todo, "%s: not joined: duplicate address "
			   "detection failed for its link-local address: another host on the link "
			   "has the same one", i->name);
	} else if (!i->ll_ok && i->ll_tentative) {
		doctor_add(d, DOCTOR_WARN, "interface", "wait: linknamed joins once DAD is done "
			   "(about a second)", "%s: not joined yet: its link-local address is "
			   "tentative (duplicate address detection is running)", i->name);
	} else if (!i->ll_ok) {
		snprintf(todo, sizeof(todo), "ip link set %s addrgenmode stable-privacy (or eui64), "
			 "or ip -6 addr add fe80::N/64 dev %s", i->name, i->name);
		doctor_add(d, DOCTOR_WARN, "interface", todo, "%s: not joined: it has no fe80:: "
			   "address", i->name);
	} else if (!known) {
		doctor_add(d, DOCTOR_WARN, "interface", "start linknamed", "%s: usable, but "
			   "linknamed does not answer to say whether it joined it", i->name);
	} else {
		doctor_add(d, DOCTOR_FAIL, "interface", "see linknamed's log (journalctl -u "
			   "linknamed) and its --interface options", "%s: usable, but linknamed "
			   "has not joined it", i->name);
	}
}
