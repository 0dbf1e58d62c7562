/* ctl_doctor: "linknamectl doctor": gathers what the checks of doctor.c
 * need and prints their verdicts. The daemon says what it joined (STATS
 * "joined") and what it refused; why any other interface is not joined
 * doctor reads itself from /sys/class/net and /proc/net/if_inet6, as
 * ip(8) does without netlink, so it can tell even when no daemon runs and
 * knows the states (down, tentative, DAD failed) the daemon never hears of.
 * It changes nothing: it only reads files and runs `nft -j list ruleset`
 * and ip6tables-save. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "config.h"
#include "ctl.h"
#include "doctor.h"
#include "nssconf.h"
#include "nssconf_cli.h"
#include "query.h"

#define DOCTOR_FILE_MAX		(1u << 20)
#define DOCTOR_CMD_MAX		(16u << 20)	/* a big ruleset's JSON */
#define DOCTOR_CMD_MS		5000
#define DOCTOR_IFACES		256
#define NSCD_SOCKET		"/var/run/nscd/socket"	/* glibc's _PATH_NSCDSOCKET */
#define NSCD_CONF		"/etc/nscd.conf"

extern char **environ;

static void doctor_usage(FILE *f)
{
	fprintf(f,
		"Usage: linknamectl [-s SOCKET] doctor [-j] [--config PATH]\n"
		"Check what linkname needs and say what is wrong, one line each:\n"
		"ok|warn|fail  what  (what to do). It changes nothing.\n\n"
		"  -j, --json          print JSON\n"
		"  -c, --config PATH   linknamed's configuration (default %s)\n"
		"  -h, --help          show this help\n\n"
		"Exit status: 0 when nothing fails (warnings allowed), 1 when something\n"
		"fails, 2 usage error.\n", CONFIG_DEFAULT_PATH);
}

/* The whole of a small file, NUL-terminated; NULL if unreadable. */
static char *doctor_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(DOCTOR_FILE_MAX + 1);
	if (buf) {
		*len = fread(buf, 1, DOCTOR_FILE_MAX, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* A number from a one-line file (sysfs, procfs); def if unreadable. */
static long doctor_read_num(const char *path, long def)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	long v = def;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 0);
		fclose(f);
	}
	return v;
}

/* The program on PATH, or in the sbin directories a user's PATH lacks. */
static bool doctor_which(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096], *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, prog);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Runs argv (argv[0] found with doctor_which), at most DOCTOR_CMD_MS: its
 * exit status with its output in *out (malloc'd, NUL-terminated) and the
 * start of its errors in err; -1 if it cannot be run or timed out. */
static int doctor_run(char *const argv[], char **out, size_t *outlen, char *err, size_t errlen)
{
	int po[2], pe[2], status = 0, ws;
	bool timed_out = false;
	posix_spawn_file_actions_t fa;
	struct timespec t0, t;
	size_t cap = 65536, elen = 0;
	pid_t pid;
	char path[512];

	*out = NULL;
	*outlen = 0;
	err[0] = '\0';
	if (!doctor_which(argv[0], path, sizeof(path)))
		return -1;
	if (pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawn(&pid, path, &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	*out = malloc(cap + 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pid > 0 && *out) {
		struct pollfd p[2] = { { .fd = po[0], .events = POLLIN }, { .fd = pe[0], .events = POLLIN } };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = DOCTOR_CMD_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(p, 2, (int)left) <= 0) {
			kill(pid, SIGKILL);	/* ours, by pid */
			snprintf(err, errlen, "%s did not finish within %d ms", argv[0], DOCTOR_CMD_MS);
			timed_out = true;
			break;
		}
		if (p[1].revents) {
			n = read(pe[0], err + elen, errlen - elen - 1);
			if (n > 0) {
				elen += (size_t)n;
				err[elen] = '\0';
			}
		}
		if (!p[0].revents)
			continue;
		if (*outlen == cap && cap < DOCTOR_CMD_MAX) {
			char *q = realloc(*out, cap * 2 + 1);

			if (!q)
				break;
			*out = q;
			cap *= 2;
		}
		n = read(po[0], *out + *outlen, cap - *outlen);
		if (n <= 0)
			break;
		*outlen += (size_t)n;
	}
	close(po[0]);
	close(pe[0]);
	if (pid > 0 && waitpid(pid, &ws, 0) == pid)
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	if (*out)
		(*out)[*outlen] = '\0';
	if (pid <= 0 || !*out || timed_out)
		status = -1;
	err[strcspn(err, "\n")] = '\0';	/* the first line says enough */
	return status;
}

/* ---- the checks' facts ---- */

static void doctor_nsswitch(struct doctor *d)
{
	size_t len = 0;
	char *text = doctor_read(NSSCONF_DEFAULT_PATH, &len);

	if (!text) {
		doctor_add(d, DOCTOR_FAIL, "nsswitch", "create it, with a line hosts: files linkname dns",
			   "cannot read %s: %s", NSSCONF_DEFAULT_PATH, strerror(errno));
		return;
	}
	doctor_hosts(d, NSSCONF_DEFAULT_PATH, text, len);
	free(text);
}

static bool doctor_proc_runs(const char *comm)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (dir && !found && (e = readdir(dir))) {
		char path[300], name[64];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			found = !strcmp(name, comm);
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return found;
}

static void doctor_cache(struct doctor *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct doctor_nscd n = { .hosts = -2 };
	size_t len;
	char *conf;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* What glibc does: connect; if that works, it asks the cache first. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", NSCD_SOCKET);
	n.answering = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	n.nscd = doctor_proc_runs("nscd");
	n.nsncd = doctor_proc_runs("nsncd");
	if ((conf = doctor_read(NSCD_CONF, &len))) {
		n.hosts = doctor_nscd_caches_hosts(conf, len);
		free(conf);
	}
	doctor_nscd(d, &n);
}

static bool doctor_ipv6(struct doctor *d)
{
	struct stat st;
	long all, def;

	if (stat("/proc/sys/net/ipv6", &st) < 0) {
		doctor_add(d, DOCTOR_FAIL, "ipv6", "remove ipv6.disable=1 from the kernel command "
			   "line (or load the ipv6 module)", "this kernel has no IPv6 (booted with "
			   "ipv6.disable=1?): linkname needs IPv6 link-local addresses");
		return false;
	}
	all = doctor_read_num("/proc/sys/net/ipv6/conf/all/disable_ipv6", 0);
	def = doctor_read_num("/proc/sys/net/ipv6/conf/default/disable_ipv6", 0);
	if (all == 1)
		doctor_add(d, DOCTOR_FAIL, "ipv6", "sysctl -w net.ipv6.conf.all.disable_ipv6=0, and "
			   "take it out of /etc/sysctl.conf and /etc/sysctl.d", "IPv6 is disabled "
			   "(net.ipv6.conf.all.disable_ipv6 = 1): no interface has a link-local address");
	else if (def == 1)
		doctor_add(d, DOCTOR_WARN, "ipv6", "sysctl -w net.ipv6.conf.default.disable_ipv6=0 "
			   "(and in /etc/sysctl.d)", "interfaces made from now on get no IPv6 "
			   "(net.ipv6.conf.default.disable_ipv6 = 1)");
	else
		doctor_add(d, DOCTOR_OK, "ipv6", NULL, "IPv6 is enabled (net.ipv6.conf.all and "
			   "default: disable_ipv6 = 0)");
	return true;
}

/* The daemon's STATS text and its conflicting records, described. */
static bool doctor_daemon(struct doctor *d, const char *path, char **stats, size_t *slen)
{
	struct query_request req = { .op = QUERY_STATS };
	struct client_response resp;
	int err = client_query(path, &req, CTL_TIMEOUT_MS, &resp);

	*stats = NULL;
	if (err < 0 || resp.hdr.status != QUERY_OK) {
		doctor_add(d, DOCTOR_FAIL, "daemon", "systemctl start linknamed, and see "
			   "journalctl -u linknamed", "linknamed does not answer at %s: %s",
			   client_socket_path(path), err < 0 ? strerror(-err) : "request refused");
		if (err == 0)
			client_response_free(&resp);
		return false;
	}
	*stats = malloc(resp.hdr.length + 1);
	if (*stats) {
		memcpy(*stats, resp.records, resp.hdr.length);
		(*stats)[resp.hdr.length] = '\0';
		*slen = resp.hdr.length;
	}
	client_response_free(&resp);
	return *stats != NULL;
}

/* Who announces our name now (LIST's CONFLICT records). */
static void doctor_who_conflicts(struct doctor *d, const char *path)
{
	struct query_request req = { .op = QUERY_LIST };
	struct client_response resp;
	struct query_record r;
	size_t off = 0;

	if (client_query(path, &req, CTL_TIMEOUT_MS, &resp) < 0)
		return;
	for (uint32_t i = 0; resp.hdr.status == QUERY_OK && i < resp.hdr.count; i++) {
		char ifn[IF_NAMESIZE], a[INET6_ADDRSTRLEN] = "?";
		int n = query_decode_record(resp.records + off, resp.hdr.length - off, &r);

		if (n < 0)
			break;
		off += (size_t)n;
		if (!(r.flags & QUERY_REC_CONFLICT))
			continue;
		if (r.naddrs)
			inet_ntop(AF_INET6, &r.addrs[0], a, sizeof(a));
		doctor_add(d, DOCTOR_FAIL, "conflict", "rename this host or that one",
			   "%s on %s announces our name %s", a, ctl_ifname(r.ifindex, ifn), r.name);
	}
	client_response_free(&resp);
}

/* One interface's facts; addresses come from /proc/net/if_inet6. */
static void doctor_iface_facts(const char *name, struct doctor_iface *i, const char *joined)
{
	char p[PATH_MAX], link[PATH_MAX], w[64];
	long flags;
	ssize_t n;

	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%.15s", name);
	snprintf(p, sizeof(p), "/sys/class/net/%s/flags", name);
	flags = doctor_read_num(p, 0);
	i->up = flags & 0x1;		/* IFF_UP */
	i->loopback = flags & 0x8;	/* IFF_LOOPBACK */
	i->multicast = flags & 0x1000;	/* IFF_MULTICAST */
	snprintf(p, sizeof(p), "/sys/class/net/%s/master", name);
	if ((n = readlink(p, link, sizeof(link) - 1)) > 0) {
		struct stat st;

		link[n] = '\0';
		snprintf(i->master, sizeof(i->master), "%s", basename(link));
		/* Bridge and bond ports; a VRF's members keep their addresses. */
		snprintf(p, sizeof(p), "/sys/class/net/%s/bridge", i->master);
		i->port = stat(p, &st) == 0;
		snprintf(p, sizeof(p), "/sys/class/net/%s/bonding", i->master);
		i->port |= stat(p, &st) == 0;
	}
	snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	i->ipv6_disabled = doctor_read_num(p, 0) == 1;
	/* " eth0 " in " eth0 eth1 ": names have no blanks. */
	snprintf(w, sizeof(w), " %.15s ", name);
	i->joined = joined && strstr(joined, w);
}

static void doctor_addrs(struct doctor_iface *ifs, size_t n)
{
	FILE *f = fopen("/proc/net/if_inet6", "re");
	char addr[40], name[IF_NAMESIZE + 1];
	unsigned int idx, plen, scope, flags;

	while (f && fscanf(f, "%39s %x %x %x %x %16s", addr, &idx, &plen, &scope, &flags,
			   name) == 6) {
		if (strncmp(addr, "fe8", 3) && strncmp(addr, "fe9", 3) && strncmp(addr, "fea", 3) &&
		    strncmp(addr, "feb", 3))
			continue;	/* fe80::/10 only */
		for (size_t i = 0; i < n; i++) {
			if (strcmp(ifs[i].name, name))
				continue;
			if (flags & 0x08)		/* IFA_F_DADFAILED */
				ifs[i].ll_dadfailed++;
			else if (flags & 0x40)		/* IFA_F_TENTATIVE */
				ifs[i].ll_tentative++;
			else
				ifs[i].ll_ok++;
		}
	}
	if (f)
		fclose(f);
}

static int doctor_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct doctor_iface *)a)->name, ((const struct doctor_iface *)b)->name);
}

/* Every interface, and the names of those the firewall check is about. */
static size_t doctor_ifaces(struct doctor *d, const char *stats, size_t slen,
			    const char *cfg_path, struct doctor_iface *ifs)
{
	char joined[4096] = " ", cfgerr[512];
	struct config cfg;
	DIR *dir = opendir("/sys/class/net");
	struct dirent *e;
	size_t n = 0, njoined = 0;
	bool known = stats && doctor_stat(stats, slen, "joined", joined + 1, sizeof(joined) - 2);

	strcat(joined, " ");
	config_defaults(&cfg);
	if (config_load(cfg_path, true, &cfg, cfgerr, sizeof(cfgerr)) < 0)
		doctor_add(d, DOCTOR_WARN, "config", "fix it: linknamed refuses to start with it",
			   "%s", cfgerr);
	while (dir && n < DOCTOR_IFACES && (e = readdir(dir)))
		if (e->d_name[0] != '.')
			doctor_iface_facts(e->d_name, &ifs[n++], known ? joined : NULL);
	if (dir)
		closedir(dir);
	qsort(ifs, n, sizeof(ifs[0]), doctor_name_cmp);
	doctor_addrs(ifs, n);
	for (size_t i = 0; i < n; i++) {
		doctor_iface(d, &ifs[i], &cfg, cfg_path, known);
		njoined += ifs[i].joined;
	}
	if (known && !njoined)
		doctor_add(d, DOCTOR_FAIL, "interface", "see why each interface is not joined, above",
			   "linknamed has joined no interface: it announces nothing and learns nothing");
	return n;
}

static void doctor_firewall(struct doctor *d, const struct doctor_iface *ifs, size_t n)
{
	const char *names[DOCTOR_IFACES];
	char *nft_argv[] = { "nft", "-j", "list", "ruleset", NULL };
	char *ipt_argv[] = { "ip6tables-save", NULL };
	char *ver_argv[] = { "ip6tables-save", "--version", NULL };
	char err[512], *out;
	size_t len, k = 0;
	bool read_nft = false;
	int rc;

	/* The joined interfaces, else every one linknamed could use. */
	for (size_t i = 0; i < n; i++)
		if (ifs[i].joined)
			names[k++] = ifs[i].name;
	for (size_t i = 0; i < n && !k; i++)
		if (!ifs[i].loopback && ifs[i].up && ifs[i].multicast && !ifs[i].port)
			names[k++] = ifs[i].name;
	if (!k) {
		doctor_add(d, DOCTOR_OK, "firewall", NULL, "no interface to check firewall rules for");
		return;
	}
	rc = doctor_run(nft_argv, &out, &len, err, sizeof(err));
	if (rc == 0) {
		doctor_nft(d, out, len, names, k);
		read_nft = true;
	} else if (rc > 0) {
		doctor_add(d, DOCTOR_WARN, "firewall", "run linknamectl doctor as root",
			   "cannot read the nftables ruleset: nft: %s", err[0] ? err : "failed");
	}
	free(out);
	/* iptables-nft's rules are in the nftables ruleset already. */
	rc = doctor_run(ver_argv, &out, &len, err, sizeof(err));
	if (rc >= 0 && !(read_nft && out && strstr(out, "nf_tables"))) {
		free(out);
		rc = doctor_run(ipt_argv, &out, &len, err, sizeof(err));
		if (rc == 0)
			doctor_ip6tables(d, out, len, names, k);
		else
			doctor_add(d, DOCTOR_WARN, "firewall", "run linknamectl doctor as root",
				   "cannot read the ip6tables rules: ip6tables-save: %s",
				   err[0] ? err : "failed");
	} else if (rc < 0 && !read_nft) {
		doctor_add(d, DOCTOR_OK, "firewall", NULL, "neither nft nor ip6tables-save is "
			   "installed: no firewall rules to read");
	}
	free(out);
}

/* ---- output ---- */

static void doctor_print(const struct doctor *d, bool json)
{
	size_t count[3] = { 0 };

	for (size_t i = 0; i < d->n; i++)
		count[d->lines[i].verdict]++;
	if (json) {
		json_t *o = json_object(), *a = json_array();
		char *text;

		for (size_t i = 0; i < d->n; i++) {
			const struct doctor_line *l = &d->lines[i];
			json_t *x = json_object();

			json_object_set_new(x, "verdict", json_string(doctor_verdict_name(l->verdict)));
			json_object_set_new(x, "check", json_string(l->check));
			json_object_set_new(x, "what", json_string(l->what) ?: json_string("?"));
			json_object_set_new(x, "todo", l->todo[0] ? json_string(l->todo) : json_null());
			json_array_append_new(a, x);
		}
		json_object_set_new(o, "checks", a);
		json_object_set_new(o, "ok", json_integer((json_int_t)count[DOCTOR_OK]));
		json_object_set_new(o, "warn", json_integer((json_int_t)count[DOCTOR_WARN]));
		json_object_set_new(o, "fail", json_integer((json_int_t)count[DOCTOR_FAIL]));
		text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (text)
			puts(text);
		free(text);
		json_decref(o);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct doctor_line *l = &d->lines[i];

		printf("%-4s  %s%s%s%s\n", doctor_verdict_name(l->verdict), l->what,
		       l->todo[0] ? "  (" : "", l->todo, l->todo[0] ? ")" : "");
	}
	printf("%zu ok, %zu warning%s, %zu failure%s\n", count[DOCTOR_OK], count[DOCTOR_WARN],
	       count[DOCTOR_WARN] == 1 ? "" : "s", count[DOCTOR_FAIL],
	       count[DOCTOR_FAIL] == 1 ? "" : "s");
}

int ctl_doctor(const char *path, bool json, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfg_path = CONFIG_DEFAULT_PATH;
	struct doctor_iface *ifs = calloc(DOCTOR_IFACES, sizeof(*ifs));
	struct doctor d = { 0 };
	char *stats = NULL;
	size_t slen = 0, n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			cfg_path = optarg;
			break;
		case 'h':
			doctor_usage(stdout);
			free(ifs);
			return EXIT_FOUND;
		default:
			doctor_usage(stderr);
			free(ifs);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !ifs) {
		doctor_usage(stderr);
		free(ifs);
		return EXIT_USAGE;
	}
	doctor_nsswitch(&d);
	doctor_cache(&d);
	doctor_ipv6(&d);
	if (doctor_daemon(&d, path, &stats, &slen)) {
		doctor_stats(&d, stats, slen);
		doctor_who_conflicts(&d, path);
	}
	n = doctor_ifaces(&d, stats, slen, cfg_path, ifs);
	doctor_firewall(&d, ifs, n);
	if (d.oom)
		fprintf(stderr, "linknamectl: out of memory: some checks are missing\n");
	doctor_print(&d, json);
	rc = doctor_worst(&d, NULL) == DOCTOR_FAIL || d.oom ? EXIT_NOTFOUND : EXIT_FOUND;
	doctor_free(&d);
	free(stats);
	free(ifs);
	return rc;
}
