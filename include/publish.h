/* publish: the snapshot the NSS module reads: the file snapfile.h keeps in
 * the runtime directory for this network namespace, filled from the
 * engine's record builder whenever its answers changed. */
#ifndef LINKNAME_PUBLISH_H
#define LINKNAME_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"

struct publish;

/* Publish an empty snapshot, the file given to owner (the uid we run as
 * once privileges are dropped; a file that cannot be replaced later is made
 * big enough for max_entries at once). Fatal if another live daemon publishes in
 * this network namespace; any other failure is logged and we run on
 * without a snapshot (programs here then do not resolve through linkname).
 * Every exit, fatal ones included, withdraws it. */
struct publish *publish_open(uid_t owner, size_t max_entries);
/* Withdraw (readers answer "no daemon" at once) and release. */
void publish_close(struct publish *p);
/* Rebuild if the engine's answers changed and the throttle allows. */
void publish_update(struct publish *p, struct engine *e, uint64_t now);
/* When publish_update has a throttled rebuild to do; UINT64_MAX if not. */
uint64_t publish_next(const struct publish *p, const struct engine *e);

#endif
