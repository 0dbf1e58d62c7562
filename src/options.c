/* options: linknamed's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "query.h"
#include "sched.h"
#include "table.h"

static void options_usage(FILE *f)
{
	fprintf(f,
		"Usage: linknamed [OPTIONS]\n"
		"Announce this host's name on the local links (UDP port 1903, group ff02::1:1)\n"
		"and learn the neighbours' names, for the linkname NSS module.\n\n"
		"  -c, --config PATH        configuration file (default %s)\n"
		"  -n, --name NAME          name to announce (default: first label of the host name)\n"
		"  -i, --interface IFACE    use only this interface (glob pattern; repeatable;\n"
		"                           default: every up, multicast-capable interface)\n"
		"  -f, --foreground         stay in the foreground and log to stderr\n"
		"  -s, --socket PATH        query socket (default %s; '@' = abstract)\n"
		"  -u, --user USER          run as USER once the sockets are open\n"
		"  -k, --key-file PATH      sign and require signed messages (docs/SECURITY.md)\n"
		"      --interval SECONDS   steady-state announce interval (default %u)\n"
		"      --lifetime SECONDS   lifetime announced to neighbours (default %u)\n"
		"      --table-size N       most neighbours remembered (default %u)\n"
		"  -v, --verbose            log every packet sent and dropped\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n\n"
		"Options override the configuration file; SIGHUP reloads it.\n",
		CONFIG_DEFAULT_PATH, QUERY_DEFAULT_SOCKET, SCHED_DEFAULT_INTERVAL_MS / 1000,
		SCHED_DEFAULT_LIFETIME_S, TABLE_DEFAULT_CAPACITY);
}

/* "command line:1: key: reason" -> "reason" */
static const char *options_reason(const char *err)
{
	const char *p = strstr(err, ": ");

	p = p ? strstr(p + 2, ": ") : NULL;
	return p ? p + 2 : err;
}

/* A value as the line "key = value" of a configuration file. */
static void options_set(struct options *o, const char *key, const char *value)
{
	char line[CONFIG_PATH_MAX + 64], err[512];

	if (strlen(value) >= CONFIG_PATH_MAX || strchr(value, '\n') || strchr(value, '#')) {
		fprintf(stderr, "linknamed: --%s: bad value '%s'\n", key, value);
		exit(2);
	}
	snprintf(line, sizeof(line), "%s = %s\n", key, value);
	if (config_parse(line, strlen(line), "command line", &o->cli, err, sizeof(err)) < 0) {
		fprintf(stderr, "linknamed: --%s: %s\n", key, options_reason(err));
		exit(2);
	}
}

void options_parse(int argc, char **argv, struct options *o)
{
	enum { OPT_INTERVAL = 256, OPT_LIFETIME, OPT_TABLE };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "interface", required_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "table-size", required_argument, NULL, OPT_TABLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char err[512], ifaces[CONFIG_MAX_PATTERNS * CONFIG_PATTERN_MAX] = "";
	int c;

	memset(o, 0, sizeof(*o));
	config_defaults(&o->cli);
	o->cli.set = 0;
	o->config_path = CONFIG_DEFAULT_PATH;
	while ((c = getopt_long(argc, argv, "c:n:i:fs:u:k:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			o->config_explicit = true;
			break;
		case 'n':
			options_set(o, "name", optarg);
			break;
		case 'i':
			/* Repeatable: gathered, then checked as one list. */
			if (strlen(ifaces) + strlen(optarg) + 2 > sizeof(ifaces) ||
			    strpbrk(optarg, " \t,")) {
				fprintf(stderr, "linknamed: --interface: bad value '%s'\n", optarg);
				exit(2);
			}
			strcat(ifaces, ifaces[0] ? " " : "");
			strcat(ifaces, optarg);
			break;
		case 'f':
			o->foreground = true;
			break;
		case 's':
			options_set(o, "socket", optarg);
			break;
		case 'u':
			options_set(o, "user", optarg);
			break;
		case 'k':
			options_set(o, "key-file", optarg);
			break;
		case OPT_INTERVAL:
			options_set(o, "interval", optarg);
			break;
		case OPT_LIFETIME:
			options_set(o, "lifetime", optarg);
			break;
		case OPT_TABLE:
			options_set(o, "table-size", optarg);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			options_usage(stdout);
			exit(0);
		case 'V':
			printf("linknamed %s\n", LINKNAME_VERSION);
			exit(0);
		default:
			options_usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "linknamed: unexpected argument '%s'\n", argv[optind]);
		options_usage(stderr);
		exit(2);
	}
	if (ifaces[0]) {
		char line[sizeof(ifaces) + 32];

		snprintf(line, sizeof(line), "interfaces = %s\n", ifaces);
		if (config_parse(line, strlen(line), "command line", &o->cli, err, sizeof(err)) < 0) {
			fprintf(stderr, "linknamed: --interface: %s\n", options_reason(err));
			exit(2);
		}
	}
}
