/* linknamectl: ask linknamed what it knows. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "nssconf_cli.h"
#include "name.h"
#include "query.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: linknamectl [OPTIONS] COMMAND\n"
		"Ask linknamed about the names it has learned on the local links.\n\n"
		"Commands:\n"
		"  list                 every neighbour known, per interface\n"
		"  resolve [--format=F] NAME\n"
		"                       the addresses of NAME, one per line, as F says:\n"
		"                       addr%%if (default: fe80::1%%eth0), addr (fe80::1),\n"
		"                       addr%%index (fe80::1%%2) or uri ([fe80::1%%25eth0])\n"
		"  reverse ADDRESS      the name holding a link-local ADDRESS\n"
		"  stats                packets, drops by reason, table size, interfaces, uptime\n"
		"  announce             make linknamed announce now on every link\n"
		"  monitor [-p] [-t]    events as they happen, after the current table\n"
		"                       (-p: ';'-separated fields; -t: the table, then exit)\n"
		"  doctor [--config PATH]\n"
		"                       check nsswitch.conf, nscd, IPv6, the daemon, the\n"
		"                       interfaces, the firewall: ok|warn|fail, what to do\n"
		"  nss enable|disable|status [--file PATH] [--dry-run]\n"
		"                       add or remove linkname in nsswitch.conf's hosts line\n\n"
		"Options:\n"
		"  -s, --socket PATH    linknamed's query socket (default %s)\n"
		"  -j, --json           print JSON\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n\n"
		"Exit status: 0 found, 1 not found, 2 usage error, 3 linknamed not reachable;\n"
		"doctor: 0 nothing failed, 1 something failed; monitor: 0 on SIGINT/SIGTERM.\n",
		QUERY_DEFAULT_SOCKET);
}

const char *ctl_ifname(uint32_t ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

void ctl_unreachable(const char *path, int err)
{
	fprintf(stderr, "linknamectl: cannot reach linknamed at %s: %s%s\n",
		client_socket_path(path), strerror(-err),
		err == -ECONNREFUSED || err == -ENOENT ? " (is linknamed running?)" : "");
}

static void print_json_string(const char *s)
{
	/* Names are labels (letters, digits, hyphen) and interface names
	 * have no quotes in practice; escape anyway. */
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* resolve --format: how an address is written, for programs that do not
 * go through NSS (static Go binaries, musl) and scripts. */
enum addr_format { FMT_ADDR_IF, FMT_ADDR, FMT_ADDR_INDEX, FMT_URI };
static const char *const addr_formats[] = {
	[FMT_ADDR_IF] = "addr%if", [FMT_ADDR] = "addr", [FMT_ADDR_INDEX] = "addr%index",
	[FMT_URI] = "uri",
};
static enum addr_format resolve_format = FMT_ADDR_IF;

static int parse_format(const char *s)
{
	for (size_t i = 0; i < sizeof(addr_formats) / sizeof(addr_formats[0]); i++)
		if (!strcmp(s, addr_formats[i]))
			return (int)i;
	fprintf(stderr, "linknamectl: unknown --format '%s' (addr%%if, addr, addr%%index or uri)\n",
		s);
	return -1;
}

/* One address as --format says; uri is RFC 6874's "[fe80::1%25eth0]". */
static void print_addr(const char *a, const char *ifn, uint32_t ifindex)
{
	switch (resolve_format) {
	case FMT_ADDR:
		printf("%s\n", a);
		break;
	case FMT_ADDR_INDEX:
		printf("%s%%%u\n", a, ifindex);
		break;
	case FMT_URI:
		printf("[%s%%25%s]\n", a, ifn);
		break;
	default:
		printf("%s%%%s\n", a, ifn);
		break;
	}
}

static void print_record(const struct query_record *r, bool json, bool first, bool list)
{
	char ifn[IF_NAMESIZE], a[INET6_ADDRSTRLEN];
	unsigned int i;

	ctl_ifname(r->ifindex, ifn);
	if (json) {
		printf("%s\n  {\"name\": ", first ? "" : ",");
		print_json_string(r->name);
		printf(", \"interface\": ");
		print_json_string(ifn);
		printf(", \"ifindex\": %u, \"addresses\": [", r->ifindex);
		for (i = 0; i < r->naddrs; i++) {
			inet_ntop(AF_INET6, &r->addrs[i], a, sizeof(a));
			printf("%s\"%s%%%s\"", i ? ", " : "", a, ifn);
		}
		printf("], \"ttl\": %u, \"self\": %s, \"conflict\": %s}", r->ttl,
		       r->flags & QUERY_REC_SELF ? "true" : "false",
		       r->flags & QUERY_REC_CONFLICT ? "true" : "false");
		return;
	}
	for (i = 0; i < r->naddrs; i++) {
		inet_ntop(AF_INET6, &r->addrs[i], a, sizeof(a));
		if (list)
			printf("%-24s %-10s %-32s %6us%s%s\n", r->name, ifn, a, r->ttl,
			       r->flags & QUERY_REC_SELF ? "  self" : "",
			       r->flags & QUERY_REC_CONFLICT ? "  CONFLICT" : "");
		else
			print_addr(a, ifn, r->ifindex);
	}
}

/* Stats arrive as "key value" lines; numbers stay numbers in JSON. */
static void print_stats(const char *text, size_t len, bool json)
{
	const char *p = text, *end = text + len;
	bool first = true;

	if (json)
		printf("{");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp = memchr(p, ' ', (size_t)((nl ? nl : end) - p));
		int klen, vlen;
		bool number = true;

		if (!nl || !sp)
			break;
		klen = (int)(sp - p);
		vlen = (int)(nl - sp - 1);
		number = vlen > 0;	/* "joined " with nothing joined is a string */
		for (int i = 0; i < vlen; i++)
			if (sp[1 + i] < '0' || sp[1 + i] > '9')
				number = false;
		if (json)
			printf("%s\n  \"%.*s\": %s%.*s%s", first ? "" : ",", klen, p,
			       number ? "" : "\"", vlen, sp + 1, number ? "" : "\"");
		else
			printf("%-28.*s %.*s\n", klen, p, vlen, sp + 1);
		first = false;
		p = nl + 1;
	}
	if (json)
		printf("\n}\n");
}

static int run(const char *path, const struct query_request *req, bool json, const char *what)
{
	struct client_response resp;
	struct query_record r;
	size_t off = 0;
	uint8_t status;
	uint32_t i;
	int err;

	err = client_query(path, req, CTL_TIMEOUT_MS, &resp);
	if (err < 0) {
		ctl_unreachable(path, err);
		return EXIT_NODAEMON;
	}
	if (resp.hdr.status == QUERY_BADREQ || resp.hdr.status == QUERY_DENIED) {
		fprintf(stderr, "linknamectl: linknamed refused the request%s\n",
			resp.hdr.status == QUERY_DENIED ? " (permission denied: run as root)" : "");
		client_response_free(&resp);
		return EXIT_USAGE;
	}
	if (req->op == QUERY_STATS || req->op == QUERY_ANNOUNCE) {
		if (req->op == QUERY_STATS)
			print_stats((const char *)resp.records, resp.hdr.length, json);
		else
			printf("linknamed is announcing now\n");
		client_response_free(&resp);
		return EXIT_FOUND;
	}
	if (json)
		printf("[");
	else if (req->op == QUERY_LIST)
		printf("%-24s %-10s %-32s %7s\n", "NAME", "INTERFACE", "ADDRESS", "TTL");
	for (i = 0; i < resp.hdr.count; i++) {
		int n = query_decode_record(resp.records + off, resp.hdr.length - off, &r);

		if (n < 0) {
			fprintf(stderr, "linknamectl: malformed answer from linknamed\n");
			client_response_free(&resp);
			return EXIT_NODAEMON;
		}
		off += (size_t)n;
		print_record(&r, json, i == 0, req->op == QUERY_LIST);
	}
	if (json)
		printf("%s]\n", resp.hdr.count ? "\n" : "");
	status = resp.hdr.status;
	client_response_free(&resp);
	if (status == QUERY_NOTFOUND) {
		if (!json)
			fprintf(stderr, "linknamectl: %s: not found on any link\n", what);
		return EXIT_NOTFOUND;
	}
	return EXIT_FOUND;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct query_request req = { 0 };
	const char *path = NULL, *cmd, *what = "";
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_FOUND;
		case 'V':
			printf("linknamectl %s\n", LINKNAME_VERSION);
			return EXIT_FOUND;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (!strcmp(cmd, "nss"))
		return nssconf_cli(argc - optind + 1, argv + optind - 1);
	if (!strcmp(cmd, "monitor"))
		return ctl_monitor(path, json, argc - optind + 1, argv + optind - 1);
	if (!strcmp(cmd, "doctor"))
		return ctl_doctor(path, json, argc - optind + 1, argv + optind - 1);
	if (!strcmp(cmd, "list") && optind == argc) {
		req.op = QUERY_LIST;
	} else if (!strcmp(cmd, "resolve") && optind < argc) {
		for (; optind + 1 < argc; optind++) {
			const char *v = argv[optind];
			int f;

			if (!strncmp(v, "--format=", 9))
				v += 9;
			else if (!strcmp(v, "--format") && optind + 2 < argc)
				v = argv[++optind];
			else
				break;
			if ((f = parse_format(v)) < 0)
				return EXIT_USAGE;
			resolve_format = (enum addr_format)f;
		}
		if (optind + 1 != argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		what = argv[optind];
		if (!name_valid_str(what)) {
			fprintf(stderr, "linknamectl: '%s' is not a linkname name (one label: "
				"letters, digits, inner hyphens, 1-63 characters)\n", what);
			return EXIT_USAGE;
		}
		req.op = QUERY_RESOLVE;
		req.name_len = (uint8_t)strlen(what);
		memcpy(req.name, what, req.name_len);
	} else if (!strcmp(cmd, "stats") && optind == argc) {
		req.op = QUERY_STATS;
	} else if (!strcmp(cmd, "announce") && optind == argc) {
		req.op = QUERY_ANNOUNCE;
	} else if (!strcmp(cmd, "reverse") && optind + 1 == argc) {
		char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], *pct;

		what = argv[optind];
		snprintf(buf, sizeof(buf), "%s", what);
		pct = strchr(buf, '%');
		if (pct) {
			*pct++ = '\0';
			req.ifindex = if_nametoindex(pct);
			if (!req.ifindex) {
				fprintf(stderr, "linknamectl: no interface '%s'\n", pct);
				return EXIT_USAGE;
			}
		}
		if (inet_pton(AF_INET6, buf, &req.addr) != 1) {
			fprintf(stderr, "linknamectl: '%s' is not an IPv6 address\n", what);
			return EXIT_USAGE;
		}
		req.op = QUERY_REVERSE;
	} else {
		fprintf(stderr, "linknamectl: unknown command or wrong arguments: %s\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	return run(path, &req, json, what);
}
