/* ctl_monitor: "linknamectl monitor": linknamed's events as they happen,
 * one line each, over a SUBSCRIBE connection (docs/PROTOCOL.md 11.8).
 * It starts with the table as it is, each entry marked "present", as
 * avahi-browse lists what is already there before what comes: the daemon
 * sends both on one connection, so nothing falls in between. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "ctl.h"
#include "query.h"
#include "server.h"

/* Room for the largest record any version 1 daemon may send: a kind this
 * reader does not know may be up to 4 + 65535 octets long. */
#define MONITOR_BUF	(QUERY_EVENT_HDR_LEN + 65535 + 1)
#define MONITOR_PRESENT	0	/* not a wire kind: an entry of the first table */

enum monitor_style { MONITOR_TEXT, MONITOR_JSON, MONITOR_PARSABLE };

static const char *const monitor_kind_names[] = {
	[MONITOR_PRESENT]   = "present",
	[QUERY_EV_NEW]      = "new",
	[QUERY_EV_CHANGED]  = "changed",
	[QUERY_EV_GOODBYE]  = "goodbye",
	[QUERY_EV_EXPIRED]  = "expired",
	[QUERY_EV_CONFLICT] = "conflict",
	[QUERY_EV_REFUSED]  = "refused",
	[QUERY_EV_LOST]     = "lost",
};

static void monitor_usage(FILE *f)
{
	fprintf(f,
		"Usage: linknamectl [-s SOCKET] monitor [-j | -p] [-t]\n"
		"Print linknamed's events as they happen, one line each: the current\n"
		"table first (\"present\"), then new, changed, goodbye, expired,\n"
		"conflict and refused.\n\n"
		"  -j, --json        one JSON object per line\n"
		"  -p, --parsable    ';'-separated fields for scripts:\n"
		"                    EVENT;NAME;INTERFACE;ADDRESSES;TTL;SOURCE;DETAIL\n"
		"  -t, --terminate   print the current table and exit\n"
		"  -h, --help        show this help\n\n"
		"Exit status: 0 on SIGINT or SIGTERM (or after -t), 2 usage error,\n"
		"3 linknamed not reachable, gone, or it dropped this monitor.\n");
}

/* What the detail column says, for people. */
static void monitor_detail(const struct query_event *ev, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &ev->src, src, sizeof(src));
	buf[0] = '\0';
	switch (ev->kind) {
	case QUERY_EV_CHANGED:
		if (ev->flags & QUERY_EVF_TAKEN_OVER)
			snprintf(buf, len, "claim by %s taken: the old holder did not answer", src);
		break;
	case QUERY_EV_CONFLICT:
		snprintf(buf, len, "%s %s", src, ev->flags & QUERY_EVF_OURS ?
			 "announces our own name" : "claims a name another host holds");
		break;
	case QUERY_EV_REFUSED:
		snprintf(buf, len, "from %s: %s", src, ev->reason);
		break;
	case QUERY_EV_GOODBYE:
		snprintf(buf, len, "from %s", src);
		break;
	case MONITOR_PRESENT:
		if (ev->flags & QUERY_EVF_OURS)
			snprintf(buf, len, "CONFLICT: also our name");
		break;
	}
}

/* A -p field: ';' and '\' escaped as avahi-browse -p does ("\059"). */
static void monitor_field(const char *s, bool last)
{
	for (; *s; s++) {
		if (*s == ';' || *s == '\\')
			printf("\\%03d", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar(last ? '\n' : ';');
}

static void monitor_time(char *buf, size_t len, bool utc)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (utc)
		gmtime_r(&ts.tv_sec, &tm);
	else
		localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, utc ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ld%s", ts.tv_nsec / 1000000, utc ? "Z" : "");
}

/* Interface names are bytes; JSON strings must be UTF-8. */
static json_t *monitor_jstr(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : json_string("?");
}

static void monitor_json(const struct query_event *ev, const char *ifn, const char *kind)
{
	char t[40], a[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], src[INET6_ADDRSTRLEN];
	json_t *o = json_object(), *addrs = json_array();
	char *text;

	monitor_time(t, sizeof(t), true);
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "event", json_string(kind));
	json_object_set_new(o, "name", ev->name_len ? json_string(ev->name) : json_null());
	json_object_set_new(o, "interface", monitor_jstr(ifn));
	json_object_set_new(o, "ifindex", json_integer(ev->ifindex));
	for (unsigned int i = 0; i < ev->naddrs; i++) {
		size_t n;

		inet_ntop(AF_INET6, &ev->addrs[i], a, INET6_ADDRSTRLEN);
		n = strlen(a);
		snprintf(a + n, sizeof(a) - n, "%%%s", ifn);
		json_array_append_new(addrs, monitor_jstr(a));
	}
	json_object_set_new(o, "addresses", addrs);
	if (ev->kind == QUERY_EV_NEW || ev->kind == QUERY_EV_CHANGED || ev->kind == MONITOR_PRESENT)
		json_object_set_new(o, "ttl", json_integer(ev->ttl));
	if (ev->kind != MONITOR_PRESENT && !IN6_IS_ADDR_UNSPECIFIED(&ev->src)) {
		inet_ntop(AF_INET6, &ev->src, src, sizeof(src));
		json_object_set_new(o, "source", json_string(src));
	}
	if (ev->kind == QUERY_EV_REFUSED)
		json_object_set_new(o, "reason", json_string(ev->reason));
	if (ev->kind == QUERY_EV_CONFLICT)
		json_object_set_new(o, "conflict",
				    json_string(ev->flags & QUERY_EVF_OURS ? "ours" : "held"));
	if (ev->kind == QUERY_EV_CHANGED)
		json_object_set_new(o, "taken_over", json_boolean(ev->flags & QUERY_EVF_TAKEN_OVER));
	if (ev->kind == MONITOR_PRESENT)
		json_object_set_new(o, "conflict", json_boolean(ev->flags & QUERY_EVF_OURS));
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text)
		puts(text);
	free(text);
	json_decref(o);
}

static void monitor_print(const struct query_event *ev, enum monitor_style style)
{
	const char *kind = monitor_kind_names[ev->kind];
	char ifn[IF_NAMESIZE], addrs[WIRE_MAX_ADDRS * (INET6_ADDRSTRLEN + 1)] = "";
	char ttl[16] = "", detail[160], t[40], src[INET6_ADDRSTRLEN] = "";
	size_t off = 0;

	if (ev->ifname_len)
		snprintf(ifn, sizeof(ifn), "%s", ev->ifname);
	else if (ev->ifindex)
		ctl_ifname(ev->ifindex, ifn);
	else
		snprintf(ifn, sizeof(ifn), "-");
	if (style == MONITOR_JSON) {
		monitor_json(ev, ifn, kind);
		fflush(stdout);
		return;
	}
	for (unsigned int i = 0; i < ev->naddrs; i++) {
		if (i)
			addrs[off++] = ',';
		inet_ntop(AF_INET6, &ev->addrs[i], addrs + off, sizeof(addrs) - off);
		off += strlen(addrs + off);
	}
	if (ev->kind == QUERY_EV_NEW || ev->kind == QUERY_EV_CHANGED || ev->kind == MONITOR_PRESENT)
		snprintf(ttl, sizeof(ttl), style == MONITOR_PARSABLE ? "%u" : "%us", ev->ttl);
	if (style == MONITOR_PARSABLE) {
		if (ev->kind != MONITOR_PRESENT && !IN6_IS_ADDR_UNSPECIFIED(&ev->src))
			inet_ntop(AF_INET6, &ev->src, src, sizeof(src));
		detail[0] = '\0';
		if (ev->kind == QUERY_EV_REFUSED)
			snprintf(detail, sizeof(detail), "%s", ev->reason);
		else if (ev->kind == QUERY_EV_CONFLICT)
			snprintf(detail, sizeof(detail), "%s", ev->flags & QUERY_EVF_OURS ? "ours" : "held");
		else if (ev->flags & (QUERY_EVF_TAKEN_OVER | QUERY_EVF_OURS))
			snprintf(detail, sizeof(detail), "%s",
				 ev->kind == MONITOR_PRESENT ? "conflict" : "taken-over");
		monitor_field(kind, false);
		monitor_field(ev->name, false);
		monitor_field(ifn, false);
		monitor_field(addrs, false);
		monitor_field(ttl, false);
		monitor_field(src, false);
		monitor_field(detail, true);
	} else {
		monitor_time(t, sizeof(t), false);
		monitor_detail(ev, detail, sizeof(detail));
		printf("%-12s  %-8s  %-24s %-10s %-32s %7s  %s\n", t, kind,
		       ev->name_len ? ev->name : "-", ifn, off ? addrs : "-", ttl, detail);
	}
	fflush(stdout);
}

static void monitor_header(enum monitor_style style)
{
	if (style == MONITOR_TEXT)
		printf("%-12s  %-8s  %-24s %-10s %-32s %7s  %s\n", "TIME", "EVENT", "NAME",
		       "INTERFACE", "ADDRESS", "TTL", "DETAIL");
}

/* The table's records, as "present" lines; -1 if one is malformed. */
static int monitor_table(const struct client_response *resp, enum monitor_style style)
{
	struct query_record r;
	struct query_event ev;
	size_t off = 0;

	for (uint32_t i = 0; i < resp->hdr.count; i++) {
		int n = query_decode_record(resp->records + off, resp->hdr.length - off, &r);

		if (n < 0)
			return -1;
		off += (size_t)n;
		memset(&ev, 0, sizeof(ev));
		ev.kind = MONITOR_PRESENT;
		ev.ifindex = r.ifindex;
		ev.ttl = r.ttl;
		ev.flags = r.flags & QUERY_REC_CONFLICT ? QUERY_EVF_OURS : 0;
		ev.name_len = r.name_len;
		memcpy(ev.name, r.name, sizeof(ev.name));
		ev.naddrs = r.naddrs;
		memcpy(ev.addrs, r.addrs, sizeof(ev.addrs));
		monitor_print(&ev, style);
	}
	return 0;
}

static int monitor_refused(const struct client_response *resp)
{
	fprintf(stderr, "linknamectl: linknamed refused to be monitored%s\n",
		resp->hdr.status == QUERY_BUSY ?
		" (every monitor slot is taken: close another linknamectl monitor)" :
		" (is it older than this linknamectl?)");
	return resp->hdr.status == QUERY_BUSY ? EXIT_NODAEMON : EXIT_USAGE;
}

/* Events until a signal, the daemon's end of stream, or LOST. */
static int monitor_stream(int fd, int sigfd, enum monitor_style style)
{
	uint8_t *buf = malloc(MONITOR_BUF);
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
	struct query_event ev;
	size_t len = 0;
	int rc = EXIT_NODAEMON;

	if (!buf) {
		fprintf(stderr, "linknamectl: out of memory\n");
		return EXIT_NODAEMON;
	}
	for (;;) {
		ssize_t n;
		size_t off = 0;
		int k;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("linknamectl: poll");
			break;
		}
		if (p[1].revents) {
			rc = EXIT_FOUND;
			break;
		}
		n = recv(fd, buf + len, MONITOR_BUF - len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			fprintf(stderr, "linknamectl: linknamed closed the connection%s%s\n",
				n < 0 ? ": " : " (it stopped or restarted)", n < 0 ? strerror(errno) : "");
			break;
		}
		len += (size_t)n;
		while ((k = query_decode_event(buf + off, len - off, &ev)) > 0) {
			off += (size_t)k;
			if (ev.kind == QUERY_EV_LOST) {
				fprintf(stderr, "linknamectl: linknamed dropped this monitor: it fell "
					"more than %d KiB of events behind (is the output blocked?)\n",
					SERVER_SUB_BUF / 1024);
				goto out;
			}
			if (ev.kind)
				monitor_print(&ev, style);
		}
		if (k < 0) {
			fprintf(stderr, "linknamectl: malformed event record from linknamed\n");
			break;
		}
		memmove(buf, buf + off, len - off);
		len -= off;
	}
out:
	free(buf);
	return rc;
}

int ctl_monitor(const char *path, bool json, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "parsable", no_argument, NULL, 'p' },
		{ "terminate", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct query_request req = { .op = QUERY_SUBSCRIBE, .version = QUERY_EVENT_VERSION };
	enum monitor_style style = json ? MONITOR_JSON : MONITOR_TEXT;
	struct client_response resp;
	bool once = false, parsable = false;
	sigset_t mask;
	int c, err, fd = -1, sigfd, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jpth", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			style = MONITOR_JSON;
			json = true;
			break;
		case 'p':
			parsable = true;
			break;
		case 't':
			once = true;
			break;
		case 'h':
			monitor_usage(stdout);
			return EXIT_FOUND;
		default:
			monitor_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || (json && parsable)) {
		monitor_usage(stderr);
		return EXIT_USAGE;
	}
	if (parsable)
		style = MONITOR_PARSABLE;
	/* Signals are read in the loop, so SIGINT/SIGTERM end it cleanly. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		perror("linknamectl: signalfd");
		return EXIT_NODAEMON;
	}
	if (once)
		req.op = QUERY_LIST;
	err = client_open(path, &req, CTL_TIMEOUT_MS, &resp, once ? NULL : &fd);
	if (err < 0) {
		ctl_unreachable(path, err);
		close(sigfd);
		return EXIT_NODAEMON;
	}
	if (resp.hdr.status != QUERY_OK) {
		rc = monitor_refused(&resp);
		goto done;
	}
	monitor_header(style);
	if (monitor_table(&resp, style) < 0) {
		fprintf(stderr, "linknamectl: malformed answer from linknamed\n");
		rc = EXIT_NODAEMON;
		goto done;
	}
	rc = once ? EXIT_FOUND : monitor_stream(fd, sigfd, style);
done:
	client_response_free(&resp);
	if (fd >= 0)
		close(fd);
	close(sigfd);
	return rc;
}
