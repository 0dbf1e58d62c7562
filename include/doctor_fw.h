/* doctor_fw: the firewall check's walk through chains, shared by the
 * nftables reader (doctor_nft.c) and the ip6tables-save reader
 * (doctor_ipt.c). Internal to linknamectl doctor. */
#ifndef LINKNAME_DOCTOR_FW_H
#define LINKNAME_DOCTOR_FW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "doctor.h"

enum tri { T_FALSE, T_TRUE, T_MAYBE };

enum fw_vkind { FW_NONE, FW_ACCEPT, FW_DROP, FW_RETURN, FW_JUMP, FW_GOTO, FW_UNKNOWN };

/* One way a rule may end: if m, verdict v (target for jumps). */
struct fw_alt {
	enum tri m;
	enum fw_vkind v;
	char target[64];
};

struct fw_walk;
/* Rule idx of chain, for the datagram arriving on w->ifname: its
 * alternatives (at most max), and a description for messages; -1 past the
 * chain's last rule. */
typedef int (*fw_rule_fn)(struct fw_walk *w, const char *chain, size_t idx,
			  struct fw_alt *alts, int max, char *desc, size_t desclen);

struct fw_walk {
	fw_rule_fn rule;
	void *ctx;
	const char *ifname;
	char why[200];		/* the rule that drops, or may */
	bool why_sure;
};

/* A base chain the datagram goes through. */
struct fw_base {
	char chain[160];	/* as the reader names it to rule() */
	char name[160];		/* for people: "table inet filter, chain input" */
	bool policy_drop;
	char policy_desc[200];
	char todo[400];		/* how to let linkname through */
	char dev[16];		/* only datagrams from this interface ("" all) */
	bool some_devs;		/* only some interfaces', and which is not known:
				 * a drop there is only a "maybe" */
};

/* The outcomes (1 accept, 2 drop, 4 falls off the end) of chain. */
unsigned int fw_walk_chain(struct fw_walk *w, const char *chain, int depth);
/* One line per base chain that drops (fail) or may drop (warn) on any of
 * ifnames, or one ok line. */
void fw_report(struct doctor *d, struct fw_walk *w, const char *source, size_t nbase,
	       const struct fw_base *bases, const char *const *ifnames, size_t nif);

/* What the datagram carries in a field a rule may look at. */
enum fw_field {
	FF_UNKNOWN, FF_ABSENT, FF_DPORT, FF_SPORT, FF_L4PROTO, FF_NFPROTO, FF_ETHERTYPE,
	FF_HOPLIMIT, FF_VERSION, FF_PKTTYPE, FF_CTSTATE, FF_CTDIR, FF_DADDR, FF_DADDR_TYPE,
	FF_SADDR, FF_IIFNAME,
};
enum fw_vtype { FV_UNKNOWN, FV_ABSENT, FV_NUM, FV_STR, FV_ADDR, FV_LINKLOCAL };
struct fw_val {
	enum fw_vtype kind;
	unsigned long num;
	const char *str;	/* the name a rule may use instead of num */
	struct in6_addr addr;
};
void fw_pkt_field(enum fw_field f, const char *ifname, struct fw_val *v);
enum tri fw_eq_str(const struct fw_val *v, const char *s);
enum tri fw_eq_prefix(const struct fw_val *v, const char *addr, unsigned int len);
enum tri fw_in_range(const struct fw_val *v, unsigned long lo, unsigned long hi);
enum tri fw_tri_not(enum tri t);
enum tri fw_tri_and(enum tri a, enum tri b);

#endif
