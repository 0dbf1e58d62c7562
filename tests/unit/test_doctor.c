/* Unit tests for linknamectl doctor's checks (src/doctor*.c): each check
 * on the inputs that make it say ok, warn and fail. The nftables rulesets
 * are real `nft -j list ruleset` output (tests/doctor/NAME.json, made from
 * the NAME.nft beside each). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doctor.h"

#ifndef DOCTOR_FIXTURES
#define DOCTOR_FIXTURES "tests/doctor"
#endif

static void show(const struct doctor *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  %-4s %-9s %s (%s)\n", doctor_verdict_name(d->lines[i].verdict),
			      d->lines[i].check, d->lines[i].what, d->lines[i].todo);
}

/* The line of check that contains needle has verdict v. */
static void expect(const struct doctor *d, const char *check, const char *needle,
		   enum doctor_verdict v)
{
	const struct doctor_line *l = doctor_find(d, check, needle);

	if (!l || l->verdict != v) {
		show(d);
		fail_msg("no %s line '%s' for %s", doctor_verdict_name(v), needle, check);
	}
}

static int hosts(const char *line, struct doctor *d)
{
	char text[512];

	memset(d, 0, sizeof(*d));
	snprintf(text, sizeof(text), "passwd: files\nhosts: %s\nnetworks: files\n", line);
	doctor_hosts(d, "nsswitch.conf", text, strlen(text));
	return doctor_worst(d, "nsswitch");
}

static void test_hosts_line(void **state)
{
	struct doctor d;

	(void)state;
	assert_int_equal(hosts("files linkname dns", &d), DOCTOR_OK);
	expect(&d, "nsswitch", "is on the hosts line", DOCTOR_OK);
	expect(&d, "nsswitch", "goes on to dns; [NOTFOUND=return] after linkname", DOCTOR_OK);
	doctor_free(&d);

	assert_int_equal(hosts("files dns", &d), DOCTOR_FAIL);
	expect(&d, "nsswitch", "linkname is not on the hosts line", DOCTOR_FAIL);
	assert_string_equal(doctor_find(&d, "nsswitch", "not on")->todo, "linknamectl nss enable");
	doctor_free(&d);

	assert_int_equal(hosts("files dns linkname", &d), DOCTOR_WARN);
	expect(&d, "nsswitch", "'dns' comes before linkname", DOCTOR_WARN);
	doctor_free(&d);

	/* resolved's usual item ends every lookup it answers, NOTFOUND too. */
	assert_int_equal(hosts("files resolve [!UNAVAIL=return] linkname dns", &d), DOCTOR_FAIL);
	expect(&d, "nsswitch", "'resolve [!UNAVAIL=return]' comes before linkname and ends",
	       DOCTOR_FAIL);
	doctor_free(&d);

	/* mdns4_minimal answers only .local names: harmless before linkname. */
	assert_int_equal(hosts("files mdns4_minimal [NOTFOUND=return] linkname dns", &d), DOCTOR_OK);
	doctor_free(&d);
	assert_int_equal(hosts("files myhostname linkname mdns4_minimal [NOTFOUND=return] dns",
			       &d), DOCTOR_OK);
	doctor_free(&d);

	assert_int_equal(hosts("files linkname [NOTFOUND=return] dns", &d), DOCTOR_WARN);
	expect(&d, "nsswitch", "never reaches dns", DOCTOR_WARN);
	doctor_free(&d);
	assert_int_equal(hosts("files linkname [ notfound = RETURN ]", &d), DOCTOR_OK);
	expect(&d, "nsswitch", "answered 'not found' at once (nothing", DOCTOR_OK);
	doctor_free(&d);

	assert_int_equal(hosts("files linkname [UNAVAIL=return] dns", &d), DOCTOR_FAIL);
	expect(&d, "nsswitch", "UNAVAIL for every name with a dot", DOCTOR_FAIL);
	doctor_free(&d);

	assert_int_equal(hosts("files [NOTFOUND=return] linkname dns", &d), DOCTOR_FAIL);
	expect(&d, "nsswitch", "'files [NOTFOUND=return]' comes before", DOCTOR_FAIL);
	assert_string_equal(doctor_find(&d, "nsswitch", "'files")->todo,
			    "remove the action item after files");
	doctor_free(&d);

	assert_int_equal(hosts("linkname files dns", &d), DOCTOR_WARN);
	expect(&d, "nsswitch", "files comes after linkname", DOCTOR_WARN);
	doctor_free(&d);
	assert_int_equal(hosts("linkname dns", &d), DOCTOR_WARN);
	expect(&d, "nsswitch", "no files", DOCTOR_WARN);
	doctor_free(&d);
	assert_int_equal(hosts("files linkname linkname dns", &d), DOCTOR_WARN);
	expect(&d, "nsswitch", "more than once", DOCTOR_WARN);
	doctor_free(&d);

	/* Not understood: said so, not guessed at. */
	assert_int_equal(hosts("files linkname [BOGUS] dns", &d), DOCTOR_FAIL);
	expect(&d, "nsswitch", "is not understood", DOCTOR_FAIL);
	doctor_free(&d);
}

static void test_nscd(void **state)
{
	static const char yes[] = "# c\n\tenable-cache\thosts\tyes\n";
	static const char no[] = "enable-cache hosts yes\nenable-cache hosts no # later\n";
	static const char other[] = "enable-cache passwd yes\n# enable-cache hosts yes\n";
	struct doctor d = { 0 };
	struct doctor_nscd n = { 0 };

	(void)state;
	assert_int_equal(doctor_nscd_caches_hosts(yes, strlen(yes)), 1);
	assert_int_equal(doctor_nscd_caches_hosts(no, strlen(no)), 0);
	assert_int_equal(doctor_nscd_caches_hosts(other, strlen(other)), -1);

	doctor_nscd(&d, &n);
	expect(&d, "nscd", "no nscd or nsncd answers", DOCTOR_OK);
	n.answering = true;
	n.nscd = true;
	n.hosts = 1;
	doctor_nscd(&d, &n);
	expect(&d, "nscd", "nscd caches hosts", DOCTOR_FAIL);
	n.hosts = 0;
	doctor_nscd(&d, &n);
	expect(&d, "nscd", "does not cache hosts", DOCTOR_OK);
	n.hosts = -2;
	doctor_nscd(&d, &n);
	expect(&d, "nscd", "there is no /etc/nscd.conf", DOCTOR_WARN);
	n.nsncd = true;
	doctor_nscd(&d, &n);
	expect(&d, "nscd", "nsncd answers host lookups", DOCTOR_FAIL);
	assert_non_null(strstr(doctor_find(&d, "nscd", "nsncd answers host")->what, "scope id"));
	doctor_free(&d);
}

static void test_stats(void **state)
{
	static const char quiet[] = "name h1\nuptime 5\ninterfaces 1\nneighbours 2\n"
				    "conflicts-now 0\nconflicts-seen 0\ndropped 3\ndropped-own 3\n"
				    "dropped-bad-magic 0\nversion " LINKNAME_VERSION "\njoined eth0\n";
	static const char loud[] = "name h1\nconflicts-now 1\nconflicts-seen 2\ndropped 9\n"
				   "dropped-hop-limit 4\ndropped-bad-mac 1\ndropped-bad-tlv 2\n"
				   "dropped-not-joined 2\nversion 0.0.1\njoined \n";
	struct doctor d = { 0 };
	char v[32];

	(void)state;
	doctor_stats(&d, quiet, strlen(quiet));
	expect(&d, "daemon", "linknamed " LINKNAME_VERSION " answers as h1", DOCTOR_OK);
	expect(&d, "conflict", "no name conflict", DOCTOR_OK);
	expect(&d, "refused", "no datagram refused but the usual (3 in all)", DOCTOR_OK);
	expect(&d, "refused", "3 datagrams refused as own", DOCTOR_OK);
	assert_int_equal(doctor_worst(&d, NULL), DOCTOR_OK);
	doctor_free(&d);

	doctor_stats(&d, loud, strlen(loud));
	expect(&d, "daemon", "linknamed 0.0.1 answers as h1, but linknamectl is", DOCTOR_WARN);
	expect(&d, "conflict", "1 neighbour announces this host's name h1 now", DOCTOR_FAIL);
	expect(&d, "refused", "4 datagrams refused as hop-limit", DOCTOR_WARN);
	expect(&d, "refused", "1 datagram refused as bad-mac", DOCTOR_WARN);
	expect(&d, "refused", "2 datagrams refused as bad-tlv (truncated TLV", DOCTOR_WARN);
	expect(&d, "refused", "2 datagrams refused as not-joined", DOCTOR_OK);
	assert_true(doctor_stat(loud, strlen(loud), "joined", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_false(doctor_stat(loud, strlen(loud), "join", v, sizeof(v)));
	doctor_free(&d);

	/* An older daemon: no version key. */
	doctor_stats(&d, "name h1\n", 8);
	expect(&d, "daemon", "older than linknamectl", DOCTOR_WARN);
	doctor_free(&d);
}

static void base(struct doctor_iface *i, const char *name)
{
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->up = i->multicast = true;
	i->ll_ok = 1;
}

static void test_interfaces(void **state)
{
	struct doctor d = { 0 };
	struct config cfg;
	struct doctor_iface i;
	char err[128];
	static const char conf[] = "ignore-interfaces = veth*\n";

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse(conf, strlen(conf), "c", &cfg, err, sizeof(err)), 0);
	base(&i, "eth0"); i.joined = true;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth0: joined (1 link-local address)", DOCTOR_OK);
	base(&i, "lo"); i.loopback = true;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "lo: not used: loopback", DOCTOR_OK);
	base(&i, "veth3");
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "veth3: not used: excluded by", DOCTOR_OK);
	base(&i, "eth1"); i.port = true; snprintf(i.master, sizeof(i.master), "%s", "br0");
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth1: not used: a port of br0", DOCTOR_OK);
	base(&i, "eth2"); i.up = false;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth2: not joined: it is down", DOCTOR_WARN);
	base(&i, "eth3"); i.multicast = false;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth3: not joined: no MULTICAST", DOCTOR_WARN);
	base(&i, "eth4"); i.ipv6_disabled = true; i.ll_ok = 0;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth4: not joined: IPv6 is disabled", DOCTOR_WARN);
	base(&i, "eth5"); i.ll_ok = 0; i.ll_tentative = 1;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth5: not joined yet: its link-local address is tentative",
	       DOCTOR_WARN);
	base(&i, "eth6"); i.ll_ok = 0; i.ll_dadfailed = 1; i.ll_tentative = 0;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth6: not joined: duplicate address detection failed",
	       DOCTOR_FAIL);
	base(&i, "eth7"); i.ll_ok = 0;
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth7: not joined: it has no fe80::", DOCTOR_WARN);
	base(&i, "eth8");
	doctor_iface(&d, &i, &cfg, "c", true);
	expect(&d, "interface", "eth8: usable, but linknamed has not joined it", DOCTOR_FAIL);
	base(&i, "eth9");
	doctor_iface(&d, &i, &cfg, "c", false);
	expect(&d, "interface", "eth9: usable, but linknamed does not answer", DOCTOR_WARN);
	doctor_free(&d);
}

static char *fixture(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf = malloc(1 << 20);

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", DOCTOR_FIXTURES, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void nft(const char *file, const char *const *ifs, size_t n, struct doctor *d)
{
	size_t len;
	char *json = fixture(file, &len);

	memset(d, 0, sizeof(*d));
	doctor_nft(d, json, len, ifs, n);
	free(json);
}

static void test_nft(void **state)
{
	static const char *const eth0[] = { "eth0" };
	static const char *const many[] = { "eth0", "eth1", "eth2", "eth3", "eth4" };
	const struct doctor_line *l;
	struct doctor d;

	(void)state;
	/* Policy drop, only established traffic and ssh in: linkname's new
	 * datagrams are dropped, and doctor says how to let them in. */
	nft("drop-policy.json", eth0, 1, &d);
	expect(&d, "firewall", "table inet filter, chain input drops linkname's datagrams",
	       DOCTOR_FAIL);
	l = doctor_find(&d, "firewall", "drops");
	assert_non_null(strstr(l->what, "the policy of chain input is drop"));
	assert_non_null(strstr(l->todo, "nft insert rule inet filter input ip6 saddr fe80::/10 "
				  "ip6 daddr ff02::1:1 udp dport 1903 accept"));
	doctor_free(&d);

	nft("allowed.json", eth0, 1, &d);
	expect(&d, "firewall", "nftables lets UDP 1903 to ff02::1:1 in (1 base chain", DOCTOR_OK);
	doctor_free(&d);

	/* Per interface: a verdict map, a jump that returns, a rate limit, a
	 * prefix-matched name, a chain whose device nft -j does not say. */
	nft("tricky.json", many, 5, &d);
	expect(&d, "firewall", "table inet filter, chain input drops linkname's datagrams "
	       "(UDP 1903 to ff02::1:1) arriving on eth2: rule handle 9", DOCTOR_FAIL);
	expect(&d, "firewall", "table inet filter, chain input may drop linkname's datagrams "
	       "(UDP 1903 to ff02::1:1) arriving on eth3: rule handle 11", DOCTOR_WARN);
	expect(&d, "firewall", "table ip6 raw, chain pre drops linkname's datagrams "
	       "(UDP 1903 to ff02::1:1) arriving on eth4: rule handle 2", DOCTOR_FAIL);
	expect(&d, "firewall", "table netdev edge, chain ingress may drop", DOCTOR_WARN);
	assert_null(strstr(doctor_find(&d, "firewall", "chain input drops")->what, "eth1"));
	assert_null(strstr(doctor_find(&d, "firewall", "chain input drops")->what, "eth0"));
	doctor_free(&d);

	nft("firewalld.json", eth0, 1, &d);
	expect(&d, "firewall", "table inet firewalld, chain filter_INPUT drops", DOCTOR_FAIL);
	l = doctor_find(&d, "firewall", "firewalld");
	assert_non_null(strstr(l->what, "rule handle"));
	assert_non_null(strstr(l->todo, "firewall-cmd --permanent --add-rich-rule="));
	doctor_free(&d);

	/* Not a ruleset. */
	memset(&d, 0, sizeof(d));
	doctor_nft(&d, "{\"x\": 1", 7, eth0, 1);
	expect(&d, "firewall", "no ruleset doctor can read", DOCTOR_WARN);
	doctor_free(&d);
}

static void ipt(const char *text, struct doctor *d)
{
	static const char *const ifs[] = { "eth0", "eth1" };

	memset(d, 0, sizeof(*d));
	doctor_ip6tables(d, text, strlen(text), ifs, 2);
}

static void test_ip6tables(void **state)
{
	static const char dropped[] =
		"# Generated by ip6tables-save v1.8.9 (legacy)\n"
		"*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		"-A INPUT -i lo -j ACCEPT\n"
		"-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A INPUT -p ipv6-icmp -j ACCEPT\n"
		"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
		"-A INPUT -p udp -m udp --dport 1903 -j LOG --log-prefix \"linkname in \"\n"
		"COMMIT\n";
	static const char allowed[] =
		"*filter\n:INPUT DROP [0:0]\n:mine - [0:0]\n"
		"-A INPUT -i eth1 -j DROP\n"
		"[12:3456] -A INPUT -m comment --comment \"local stuff\" -j mine\n"
		"-A mine -s fe80::/10 -d ff02::1:1/128 -p udp -m udp --dport 1900:1910 -j ACCEPT\n"
		"COMMIT\n"
		"*raw\n:PREROUTING ACCEPT [0:0]\n"
		"-A PREROUTING ! -s fe80::/10 -p udp --dport 1903 -j DROP\n"
		"-A PREROUTING -m limit --limit 3/sec -j ACCEPT\n"
		"COMMIT\n";
	static const char ufw[] =
		"*filter\n:INPUT DROP [0:0]\n:ufw6-before-input - [0:0]\n"
		"-A INPUT -j ufw6-before-input\n-A ufw6-before-input -m pkttype --pkt-type "
		"multicast -p udp --dport 5353 -j ACCEPT\nCOMMIT\n";
	struct doctor d;

	(void)state;
	ipt(dropped, &d);
	expect(&d, "firewall", "ip6tables: table filter, chain INPUT drops linkname's datagrams "
	       "(UDP 1903 to ff02::1:1) arriving on eth0, eth1: the policy of chain INPUT is DROP",
	       DOCTOR_FAIL);
	assert_non_null(strstr(doctor_find(&d, "firewall", "INPUT")->todo,
			       "ip6tables -I INPUT -s fe80::/10 -d ff02::1:1 -p udp --dport 1903 -j ACCEPT"));
	doctor_free(&d);

	/* Accepted through a user chain, both in filter and raw; eth1 is
	 * dropped before it. */
	ipt(allowed, &d);
	assert_null(doctor_find(&d, "firewall", "raw"));
	expect(&d, "firewall", "table filter, chain INPUT drops linkname's datagrams (UDP 1903 "
	       "to ff02::1:1) arriving on eth1: rule 1 of chain INPUT", DOCTOR_FAIL);
	assert_null(strstr(doctor_find(&d, "firewall", "INPUT")->what, "eth0"));
	doctor_free(&d);

	ipt(ufw, &d);
	expect(&d, "firewall", "chain INPUT drops", DOCTOR_FAIL);
	assert_string_equal(doctor_find(&d, "firewall", "INPUT")->todo,
			    "ufw allow proto udp from fe80::/10 to ff02::1:1 port 1903");
	doctor_free(&d);

	ipt("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", &d);
	expect(&d, "firewall", "ip6tables lets UDP 1903 to ff02::1:1 in", DOCTOR_OK);
	doctor_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_line),
		cmocka_unit_test(test_nscd),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_ip6tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
