/* fuzz_config: config_parse() on any text. It must either refuse with a
 * message that fits the caller's buffer (whatever its size) or yield a
 * config whose every field is within its documented range; and a config it
 * accepted, written back out as text, must parse to the same values. The
 * key-file parser, auth_parse(), gets the same text and the same checks. */
#include <string.h>

#include "auth.h"
#include "config.h"
#include "fuzz.h"
#include "name.h"

#define FILE_NAME "fuzz.conf"

/* The keys this target knows. A key added later is still fuzzed for memory
 * errors, but only these are range-checked and written back. */
static const unsigned int known_keys =
	CONFIG_NAME | CONFIG_INTERFACES | CONFIG_IGNORE | CONFIG_INTERVAL |
	CONFIG_LIFETIME | CONFIG_TABLE_SIZE | CONFIG_SOCKET | CONFIG_USER |
	CONFIG_KEY_FILE;

static void check_patterns(char pats[][CONFIG_PATTERN_MAX], size_t n)
{
	size_t i, j, len;

	FUZZ_CHECK(n <= CONFIG_MAX_PATTERNS);
	for (i = 0; i < n; i++) {
		len = strnlen(pats[i], CONFIG_PATTERN_MAX);
		FUZZ_CHECK(len >= 1 && len < CONFIG_PATTERN_MAX);
		for (j = 0; j < len; j++)
			FUZZ_CHECK(pats[i][j] > 0x20 && pats[i][j] < 0x7f &&
				   pats[i][j] != ',' && pats[i][j] != '#');
	}
}

static void check_valid(struct config *c)
{
	size_t len;

	FUZZ_CHECK(c->name[0] == '\0' || name_valid_str(c->name));
	check_patterns(c->interfaces, c->ninterfaces);
	check_patterns(c->ignore, c->nignore);
	FUZZ_CHECK(c->interval_s >= 1 && c->interval_s <= 3600);
	FUZZ_CHECK(c->lifetime_s >= 1 && c->lifetime_s <= 86400);
	FUZZ_CHECK(c->table_size >= 1 && c->table_size <= 65536);
	len = strnlen(c->socket, CONFIG_SOCKET_MAX);
	FUZZ_CHECK(len >= 2 && len < CONFIG_SOCKET_MAX);
	FUZZ_CHECK(c->socket[0] == '@' || c->socket[0] == '/');
	FUZZ_CHECK(strnlen(c->user, CONFIG_USER_MAX) < CONFIG_USER_MAX);
	len = strnlen(c->key_file, CONFIG_PATH_MAX);
	FUZZ_CHECK(len < CONFIG_PATH_MAX);
	FUZZ_CHECK(len == 0 || c->key_file[0] == '/');
	FUZZ_CHECK(!(c->set & CONFIG_KEY_FILE) || len > 0);
	/* The daemon passes these on to fnmatch(): any pattern is safe. */
	(void)config_iface_wanted(c, "eth0");
	(void)config_iface_wanted(c, "veth-h1.100");
}

static size_t put(char *buf, size_t off, size_t cap, const char *s)
{
	size_t len = strlen(s);

	FUZZ_CHECK(off + len < cap);
	memcpy(buf + off, s, len + 1);
	return off + len;
}

static size_t put_patterns(char *buf, size_t off, size_t cap, const char *key,
			   char pats[][CONFIG_PATTERN_MAX], size_t n)
{
	size_t i;

	off = put(buf, off, cap, key);
	off = put(buf, off, cap, " =");
	for (i = 0; i < n; i++) {
		off = put(buf, off, cap, " ");
		off = put(buf, off, cap, pats[i]);
	}
	return put(buf, off, cap, "\n");
}

/* Only the keys that were given, as a person would write them. */
static size_t render(const struct config *c, char *buf, size_t cap)
{
	struct config tmp = *c;
	char num[32];
	size_t off = 0;

	buf[0] = '\0';
	if (c->set & CONFIG_NAME) {
		off = put(buf, off, cap, "name = ");
		off = put(buf, off, cap, c->name);
		off = put(buf, off, cap, "\n");
	}
	if (c->set & CONFIG_INTERFACES)
		off = put_patterns(buf, off, cap, "interfaces", tmp.interfaces, c->ninterfaces);
	if (c->set & CONFIG_IGNORE)
		off = put_patterns(buf, off, cap, "ignore-interfaces", tmp.ignore, c->nignore);
	if (c->set & CONFIG_INTERVAL) {
		snprintf(num, sizeof(num), "interval = %u\n", (unsigned int)c->interval_s);
		off = put(buf, off, cap, num);
	}
	if (c->set & CONFIG_LIFETIME) {
		snprintf(num, sizeof(num), "lifetime = %u\n", (unsigned int)c->lifetime_s);
		off = put(buf, off, cap, num);
	}
	if (c->set & CONFIG_TABLE_SIZE) {
		snprintf(num, sizeof(num), "table-size = %u\n", (unsigned int)c->table_size);
		off = put(buf, off, cap, num);
	}
	if (c->set & CONFIG_SOCKET) {
		off = put(buf, off, cap, "socket = ");
		off = put(buf, off, cap, c->socket);
		off = put(buf, off, cap, "\n");
	}
	if (c->set & CONFIG_USER) {
		off = put(buf, off, cap, "user = ");
		off = put(buf, off, cap, c->user);
		off = put(buf, off, cap, "\n");
	}
	if (c->set & CONFIG_KEY_FILE) {
		off = put(buf, off, cap, "key-file = ");
		off = put(buf, off, cap, c->key_file);
		off = put(buf, off, cap, "\n");
	}
	return off;
}

static void same_config(const struct config *a, const struct config *b)
{
	size_t i;

	FUZZ_CHECK((a->set & known_keys) == (b->set & known_keys));
	FUZZ_CHECK(strcmp(a->name, b->name) == 0);
	FUZZ_CHECK(a->ninterfaces == b->ninterfaces && a->nignore == b->nignore);
	for (i = 0; i < a->ninterfaces; i++)
		FUZZ_CHECK(strcmp(a->interfaces[i], b->interfaces[i]) == 0);
	for (i = 0; i < a->nignore; i++)
		FUZZ_CHECK(strcmp(a->ignore[i], b->ignore[i]) == 0);
	FUZZ_CHECK(a->interval_s == b->interval_s);
	FUZZ_CHECK(a->lifetime_s == b->lifetime_s);
	FUZZ_CHECK(a->table_size == b->table_size);
	FUZZ_CHECK(strcmp(a->socket, b->socket) == 0);
	FUZZ_CHECK(strcmp(a->user, b->user) == 0);
	FUZZ_CHECK(strcmp(a->key_file, b->key_file) == 0);
}

/* The message, whatever room it gets: NUL-terminated inside errlen octets
 * (a heap block of exactly that size), naming the file first. */
static void check_error(const char *text, size_t len)
{
	static const size_t sizes[] = { 1, 2, 12, 40, 512 };
	static const char prefix[] = FILE_NAME ":";
	struct config c;
	char *err;
	size_t i, n;

	config_defaults(&c);
	FUZZ_CHECK(config_parse(text, len, FILE_NAME, &c, NULL, 0) == -1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		err = malloc(sizes[i]);
		FUZZ_CHECK(err != NULL);
		memset(err, 'x', sizes[i]);
		config_defaults(&c);
		FUZZ_CHECK(config_parse(text, len, FILE_NAME, &c, err, sizes[i]) == -1);
		FUZZ_CHECK(memchr(err, '\0', sizes[i]) != NULL);
		n = sizes[i] - 1 < sizeof(prefix) - 1 ? sizes[i] - 1 : sizeof(prefix) - 1;
		FUZZ_CHECK(strncmp(err, prefix, n) == 0);
		free(err);
	}
}

static void fuzz_keys(const char *text, size_t len)
{
	struct auth_keys k, again;
	char err[128], *small, out[2 * (2 * AUTH_KEY_LEN + 1) + 1];
	unsigned int i, j;
	int r;

	memset(err, 'x', sizeof(err));
	r = auth_parse(text, len, &k, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1);
	if (r < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(k.n == 0);	/* nothing half-parsed is left */
		small = malloc(1);
		FUZZ_CHECK(small != NULL);
		FUZZ_CHECK(auth_parse(text, len, &k, small, 1) == -1 && small[0] == '\0');
		free(small);
		return;
	}
	FUZZ_CHECK(k.n >= 1 && k.n <= AUTH_MAX_KEYS);
	/* Written back as hex lines, the keys read the same. */
	for (i = 0, j = 0; i < k.n; i++) {
		unsigned int b;

		for (b = 0; b < AUTH_KEY_LEN; b++, j += 2)
			snprintf(out + j, 3, "%02x", k.key[i][b]);
		out[j++] = '\n';
	}
	FUZZ_CHECK(auth_parse(out, j, &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(again.n == k.n);
	FUZZ_CHECK(memcmp(again.key, k.key, k.n * sizeof(k.key[0])) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, again;
	char err[256], *text, *out;
	size_t cap, n;
	int r;

	/* An exact-size copy that is not NUL-terminated: the parser gets a
	 * length, so it must not look for a terminator. */
	text = malloc(size ? size : 1);
	FUZZ_CHECK(text != NULL);
	if (size)
		memcpy(text, data, size);
	fuzz_keys(text, size);

	config_defaults(&c);
	memset(err, 'x', sizeof(err));
	r = config_parse(text, size, FILE_NAME, &c, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1);
	if (r < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		check_error(text, size);
		free(text);
		return 0;
	}
	check_valid(&c);

	cap = 16 * 1024;
	out = malloc(cap);
	FUZZ_CHECK(out != NULL);
	n = render(&c, out, cap);
	config_defaults(&again);
	r = config_parse(out, n, FILE_NAME, &again, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "re-parse of:\n%s\nfailed: %s\n", out, err);
	FUZZ_CHECK(r == 0);
	same_config(&c, &again);

	/* Command-line values laid over file values, as the daemon does. */
	config_defaults(&again);
	config_overlay(&again, &c);
	same_config(&c, &again);
	free(out);
	free(text);
	return 0;
}
