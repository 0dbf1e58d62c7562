/* publish: the snapshot the NSS module reads (a sealed memfd, snap.h),
 * filled from the engine's record builder whenever its answers changed. */
#ifndef LINKNAME_PUBLISH_H
#define LINKNAME_PUBLISH_H

#include <stdint.h>

#include "engine.h"

struct publish;

/* Room for nslots records. Fatal if the memfd cannot be made. */
struct publish *publish_open(uint32_t nslots);
void publish_close(struct publish *p);
/* Rebuild if the engine's answers changed and the throttle allows, and say
 * we are alive (readers trust it two announce periods past that). */
void publish_update(struct publish *p, struct engine *e, uint64_t now);
/* When publish_update has a throttled rebuild to do; UINT64_MAX if not. */
uint64_t publish_next(const struct publish *p, const struct engine *e);
/* A reader saw it lapse and asked: proof of life. */
void publish_heartbeat(struct publish *p, const struct engine *e, uint64_t now);
/* The descriptor handed to clients (they cannot write it). */
int publish_fd(const struct publish *p);
/* Leaving: readers fall back at once. */
void publish_withdraw(struct publish *p);

#endif
