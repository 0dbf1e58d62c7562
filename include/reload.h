/* reload: the configuration in force, read at start-up and on SIGHUP:
 * defaults < file < command line, the name derived, the key file read. */
#ifndef LINKNAME_RELOAD_H
#define LINKNAME_RELOAD_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "engine.h"
#include "iface.h"
#include "keyfile.h"
#include "options.h"

struct settings {
	struct config cfg;
	struct engine_config engine;	/* what the engine runs with */
	bool key_kept;			/* keys read through kf's kept descriptor */
};

/* 0; -1 with the reason in err: nothing read; 1 with the reason in err:
 * everything read but the key file (no keys in s). Nothing logged.
 * key_owner: who may own the key file besides root; kf: the key file kept
 * open (keyfile.h). */
int reload_settings(const struct options *o, uid_t key_owner, struct keyfile *kf,
		    struct settings *s, char *err, size_t errlen);
/* What a change from old to now means, logged: authentication on or off,
 * a lifetime shorter than the interval. */
void reload_log(const struct settings *old, const struct settings *now);

/* SIGHUP: read the file again and apply what can change while running to
 * e and to *in_force, keeping the neighbour table; links no longer wanted
 * are left, iface is asked again for the others (through cb). A bad file
 * changes nothing; a key file that cannot be read keeps the keys in force
 * and everything else is applied (both logged). now: monotonic ms; wall:
 * ms since the epoch. */
void reload_apply(struct settings *in_force, const struct options *o, uid_t key_owner,
		  struct keyfile *kf, struct engine *e, struct iface_tracker *iface, iface_cb cb,
		  uint64_t now, uint64_t wall);

/* The host name changed (hostwatch.h): unless a name is configured, take
 * the new one as a reload would (GOODBYE under the old name, then announce
 * the new one), and nothing else: the configuration file is not read. */
void reload_hostname(struct settings *in_force, const struct options *o, struct engine *e,
		     uint64_t now, uint64_t wall);

#endif
