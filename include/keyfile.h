/* keyfile: the key file, read at start-up and again on every reload.
 *
 * linknamed drops root (user =) once its sockets are open, and a key file
 * owned by root with mode 0600 (which SECURITY.md allows) is then out of
 * its reach. So the file it read at start-up, as root, stays open: a
 * reload opens the path afresh when it can (as root, or a key the daemon's
 * user owns), and otherwise reads that kept descriptor again from its
 * start, as long as the path still names the same file. A key rewritten in
 * place (cat new >key, cp new key) is then read at the next reload; a key
 * replaced by a new file (an editor's save, mv, install) cannot be: the
 * reload says so and keeps the keys in force until a restart. */
#ifndef LINKNAME_KEYFILE_H
#define LINKNAME_KEYFILE_H

#include <stdbool.h>
#include <sys/types.h>

#include "auth.h"
#include "config.h"

struct keyfile {
	int fd;				/* -1: none kept */
	char path[CONFIG_PATH_MAX];
};

#define KEYFILE_INIT	{ .fd = -1 }

/* Read path's keys into *k with auth_load's checks (owner: who may own it
 * besides root). On success path's descriptor is the one kept from now
 * on; *kept tells whether the kept one was read because the path itself
 * could not be opened. 0, or -1 with the reason in err (the kept
 * descriptor, if any, is left as it was). */
int keyfile_load(struct keyfile *kf, const char *path, uid_t owner, struct auth_keys *k,
		 bool *kept, char *err, size_t errlen);
/* No key file any more (authentication off): let the kept one go. */
void keyfile_close(struct keyfile *kf);

#endif
