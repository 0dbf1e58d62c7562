/* config: parse /etc/linkname.conf. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sched.h"
#include "table.h"
#include "query.h"
#include "wire.h"

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_s = SCHED_DEFAULT_INTERVAL_MS / 1000;
	c->lifetime_s = SCHED_DEFAULT_LIFETIME_S;
	c->table_size = TABLE_DEFAULT_CAPACITY;
	snprintf(c->socket, sizeof(c->socket), "%s", QUERY_DEFAULT_SOCKET);
}

static int config_error(char *err, size_t errlen, const char *file, size_t line,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int config_error(char *err, size_t errlen, const char *file, size_t line,
			const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s:%zu: %s", file, line, msg);
	return -1;
}

static int config_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int config_number(const char *v, unsigned long min, unsigned long max, uint32_t *out)
{
	unsigned long n = 0;
	const char *p;

	if (!*v)
		return -1;
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > max)
			return -1;
	}
	if (n < min)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* A glob list: patterns separated by spaces, tabs or commas. */
static const char *config_patterns(char *v, char pats[][CONFIG_PATTERN_MAX], size_t *n)
{
	char *tok, *save = NULL;

	*n = 0;
	for (tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		size_t len = strlen(tok);

		if (*n == CONFIG_MAX_PATTERNS)
			return "too many interface patterns (at most 32)";
		if (len >= CONFIG_PATTERN_MAX)
			return "interface pattern too long (at most 63 characters)";
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e)
				return "interface pattern with a non-printable character";
		memcpy(pats[(*n)++], tok, len + 1);
	}
	return NULL;
}

static int config_user_valid(const char *u)
{
	size_t i, len = strlen(u);

	if (len == 0 || len >= CONFIG_USER_MAX || u[0] == '-' || (u[0] >= '0' && u[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		char ch = u[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return 0;
	}
	return 1;
}

/* One "key = value" line, comments and surrounding blanks already removed. */
static const char *config_apply(struct config *c, unsigned int *seen, const char *key, char *v)
{
	struct { const char *key; unsigned int bit; } keys[] = {
		{ "name", CONFIG_NAME }, { "interfaces", CONFIG_INTERFACES },
		{ "ignore-interfaces", CONFIG_IGNORE }, { "interval", CONFIG_INTERVAL },
		{ "lifetime", CONFIG_LIFETIME }, { "table-size", CONFIG_TABLE_SIZE },
		{ "socket", CONFIG_SOCKET }, { "user", CONFIG_USER },
		{ "key-file", CONFIG_KEY_FILE },
	};
	unsigned int bit = 0;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			bit = keys[i].bit;
	if (!bit)
		return "unknown key";
	if (*seen & bit)
		return "key given twice";
	*seen |= bit;

	switch (bit) {
	case CONFIG_NAME:
		if (!name_valid_str(v))
			return "name must be one label: letters, digits, inner hyphens, 1-63 characters";
		strcpy(c->name, v);
		break;
	case CONFIG_INTERFACES:
		why = config_patterns(v, c->interfaces, &c->ninterfaces);
		if (why)
			return why;
		break;
	case CONFIG_IGNORE:
		why = config_patterns(v, c->ignore, &c->nignore);
		if (why)
			return why;
		break;
	case CONFIG_INTERVAL:
		if (config_number(v, 1, 3600, &c->interval_s))
			return "interval must be a whole number of seconds from 1 to 3600";
		break;
	case CONFIG_LIFETIME:
		if (config_number(v, 1, WIRE_LIFETIME_MAX, &c->lifetime_s))
			return "lifetime must be a whole number of seconds from 1 to 86400";
		break;
	case CONFIG_TABLE_SIZE:
		if (config_number(v, 1, 65536, &c->table_size))
			return "table-size must be a whole number from 1 to 65536";
		break;
	case CONFIG_SOCKET:
		if ((v[0] != '@' && v[0] != '/') || strlen(v) < 2 ||
		    strlen(v) >= CONFIG_SOCKET_MAX || strpbrk(v, " \t"))
			return "socket must be @NAME (abstract) or an absolute path, under 108 characters";
		strcpy(c->socket, v);
		break;
	case CONFIG_USER:
		if (!config_user_valid(v))
			return "user must be a user name";
		strcpy(c->user, v);
		break;
	case CONFIG_KEY_FILE:
		if (v[0] != '/' || strlen(v) >= CONFIG_PATH_MAX || strpbrk(v, " \t"))
			return "key-file must be an absolute path, under 256 characters";
		strcpy(c->key_file, v);
		break;
	}
	c->set |= bit;
	return NULL;
}

int config_parse(const char *text, size_t len, const char *file, struct config *c,
		 char *err, size_t errlen)
{
	unsigned int seen = 0;
	size_t off = 0, lineno = 0;
	char line[1024];

	if (len > CONFIG_FILE_MAX)
		return config_error(err, errlen, file, 0, "file larger than %d octets", CONFIG_FILE_MAX);
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		char *k, *v, *eq, *end;
		const char *why;

		lineno++;
		if (n >= sizeof(line))
			return config_error(err, errlen, file, lineno, "line longer than %zu characters",
					    sizeof(line) - 1);
		if (memchr(text + off, '\0', n))
			return config_error(err, errlen, file, lineno, "NUL byte");
		memcpy(line, text + off, n);
		line[n] = '\0';
		off += n + (nl ? 1 : 0);

		if ((k = strchr(line, '#')))
			*k = '\0';
		end = line + strlen(line);
		while (end > line && (config_space(end[-1]) || end[-1] == '\r'))
			*--end = '\0';
		for (k = line; config_space(*k); k++)
			;
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq)
			return config_error(err, errlen, file, lineno, "expected \"key = value\"");
		for (v = eq + 1; config_space(*v); v++)
			;
		for (end = eq; end > k && config_space(end[-1]); end--)
			;
		*end = '\0';
		if (!*k)
			return config_error(err, errlen, file, lineno, "missing key before '='");
		why = config_apply(c, &seen, k, v);
		if (why)
			return config_error(err, errlen, file, lineno, "%s: %s", k, why);
	}
	return 0;
}

int config_load(const char *path, bool missing_ok, struct config *c, char *err, size_t errlen)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while ((n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len)) > 0) {
		len += (size_t)n;
		if (len == CONFIG_FILE_MAX + 1)
			break;
	}
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	r = config_parse(buf, len, path, c, err, errlen);
	free(buf);
	return r;
}

void config_overlay(struct config *c, const struct config *o)
{
	if (o->set & CONFIG_NAME)
		memcpy(c->name, o->name, sizeof(c->name));
	if (o->set & CONFIG_INTERFACES) {
		c->ninterfaces = o->ninterfaces;
		memcpy(c->interfaces, o->interfaces, sizeof(c->interfaces));
	}
	if (o->set & CONFIG_IGNORE) {
		c->nignore = o->nignore;
		memcpy(c->ignore, o->ignore, sizeof(c->ignore));
	}
	if (o->set & CONFIG_INTERVAL)
		c->interval_s = o->interval_s;
	if (o->set & CONFIG_LIFETIME)
		c->lifetime_s = o->lifetime_s;
	if (o->set & CONFIG_TABLE_SIZE)
		c->table_size = o->table_size;
	if (o->set & CONFIG_SOCKET)
		memcpy(c->socket, o->socket, sizeof(c->socket));
	if (o->set & CONFIG_USER)
		memcpy(c->user, o->user, sizeof(c->user));
	if (o->set & CONFIG_KEY_FILE)
		memcpy(c->key_file, o->key_file, sizeof(c->key_file));
	c->set |= o->set;
}

bool config_iface_wanted(const struct config *c, const char *ifname)
{
	size_t i;

	for (i = 0; i < c->nignore; i++)
		if (fnmatch(c->ignore[i], ifname, 0) == 0)
			return false;
	if (c->ninterfaces == 0)
		return true;
	for (i = 0; i < c->ninterfaces; i++)
		if (fnmatch(c->interfaces[i], ifname, 0) == 0)
			return true;
	return false;
}
