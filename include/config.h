/* config: /etc/linkname.conf, "key = value" lines with '#' comments
 * (linkname.conf(5)). Parsing is pure: config_parse takes the text, so the
 * parser is unit-tested and fuzzed; config_load reads a file into it. */
#ifndef LINKNAME_CONFIG_H
#define LINKNAME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"

#define CONFIG_DEFAULT_PATH	"/etc/linkname.conf"
#define CONFIG_MAX_PATTERNS	32
#define CONFIG_PATTERN_MAX	64
#define CONFIG_SOCKET_MAX	108
#define CONFIG_USER_MAX		32
#define CONFIG_PATH_MAX		256
#define CONFIG_FILE_MAX		(64 * 1024)

/* Which keys were given, so command-line flags can override file values
 * and unset keys keep their defaults. */
enum config_key {
	CONFIG_NAME       = 1u << 0,
	CONFIG_INTERFACES = 1u << 1,
	CONFIG_IGNORE     = 1u << 2,
	CONFIG_INTERVAL   = 1u << 3,
	CONFIG_LIFETIME   = 1u << 4,
	CONFIG_TABLE_SIZE = 1u << 5,
	CONFIG_SOCKET     = 1u << 6,
	CONFIG_USER       = 1u << 7,
	CONFIG_KEY_FILE   = 1u << 8,
};

struct config {
	unsigned int set;			/* enum config_key bits */
	char name[NAME_MAX_LEN + 1];		/* "" = first label of the host name */
	size_t ninterfaces;			/* 0 = every usable interface */
	char interfaces[CONFIG_MAX_PATTERNS][CONFIG_PATTERN_MAX];
	size_t nignore;
	char ignore[CONFIG_MAX_PATTERNS][CONFIG_PATTERN_MAX];
	uint32_t interval_s;
	uint32_t lifetime_s;
	uint32_t table_size;
	char socket[CONFIG_SOCKET_MAX];
	char user[CONFIG_USER_MAX];		/* "" = keep the starting user */
	char key_file[CONFIG_PATH_MAX];		/* "" = no authentication */
};

void config_defaults(struct config *c);
/* Parse text[0..len) into c (on top of what c holds). file names the source
 * in messages. Returns 0, or -1 with "file:line: problem" in err. */
int config_parse(const char *text, size_t len, const char *file, struct config *c,
		 char *err, size_t errlen);
/* Read and parse path. A missing file is fine (returns 0, nothing set) only
 * when missing_ok. Returns 0 or -1 with the reason in err. */
int config_load(const char *path, bool missing_ok, struct config *c, char *err, size_t errlen);
/* Values given in over (its set bits) replace those in c. */
void config_overlay(struct config *c, const struct config *over);
/* Whether ifname is to be used under c's interfaces/ignore patterns. */
bool config_iface_wanted(const struct config *c, const char *ifname);

#endif
