/* doctor: the checks of "linknamectl doctor", each a line "ok|warn|fail
 * what (what to do)". The checks here are pure: they take the text of a
 * file, the daemon's STATS, the facts about an interface, a firewall
 * ruleset, and add lines to a report; src/ctl_doctor.c gathers the facts
 * and prints the report. */
#ifndef LINKNAME_DOCTOR_H
#define LINKNAME_DOCTOR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum doctor_verdict { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor_line {
	enum doctor_verdict verdict;
	char check[16];		/* nsswitch, nscd, ipv6, daemon, interface, firewall, ... */
	char what[400];
	char todo[400];		/* "" if nothing to do */
};

struct doctor {
	struct doctor_line *lines;
	size_t n, cap;
	bool oom;
};

void doctor_add(struct doctor *d, enum doctor_verdict v, const char *check, const char *todo,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void doctor_free(struct doctor *d);
const char *doctor_verdict_name(enum doctor_verdict v);
/* The worst verdict of a check (every check if check is NULL); -1 if none. */
int doctor_worst(const struct doctor *d, const char *check);
/* The first line of check whose text contains needle, or NULL. */
const struct doctor_line *doctor_find(const struct doctor *d, const char *check,
				      const char *needle);

/* The hosts line of an nsswitch.conf text (path for messages). */
void doctor_hosts(struct doctor *d, const char *path, const char *text, size_t len);

/* nscd.conf: 1 if it caches hosts, 0 if it says it does not, -1 if it
 * does not say ("enable-cache hosts yes|no"; the last one counts). */
int doctor_nscd_caches_hosts(const char *text, size_t len);
/* What a name-service cache answering on nscd's socket means. */
struct doctor_nscd {
	bool answering;		/* something accepts on /var/run/nscd/socket */
	bool nscd, nsncd;	/* a process of that name runs */
	int hosts;		/* doctor_nscd_caches_hosts of nscd.conf; -2 no file */
};
void doctor_nscd(struct doctor *d, const struct doctor_nscd *n);

/* The daemon's STATS text: version, uptime, conflicts, refused datagrams. */
void doctor_stats(struct doctor *d, const char *stats, size_t len);
/* The value of key in STATS text into buf; false if absent. */
bool doctor_stat(const char *stats, size_t len, const char *key, char *buf, size_t buflen);

/* One interface as /sys/class/net and /proc/net/if_inet6 show it. */
struct doctor_iface {
	char name[16];
	bool up, multicast, loopback;
	char master[16];	/* "" if none */
	bool port;		/* a bridge or bond port (not a VRF member) */
	bool ipv6_disabled;	/* net.ipv6.conf.NAME.disable_ipv6 = 1 */
	unsigned int ll_ok, ll_tentative, ll_dadfailed;	/* fe80:: addresses */
	bool joined;		/* the daemon says so (STATS "joined") */
};
/* known: whether the daemon answered (else nobody knows what it joined). */
void doctor_iface(struct doctor *d, const struct doctor_iface *i, const struct config *cfg,
		  const char *cfg_path, bool known);

/* Firewall rules that would drop UDP 1903 to ff02::1:1 arriving on any of
 * ifnames. nft: the output of `nft -j list ruleset`; ip6tables: of
 * ip6tables-save. Each adds one line or more, "firewall". */
void doctor_nft(struct doctor *d, const char *json, size_t len, const char *const *ifnames,
		size_t nifnames);
void doctor_ip6tables(struct doctor *d, const char *text, size_t len,
		      const char *const *ifnames, size_t nifnames);

#endif
