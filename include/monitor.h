/* monitor: the daemon's side of linknamectl monitor. Each engine event
 * becomes one SUBSCRIBE event record (docs/PROTOCOL.md 11.8) queued for
 * every subscriber by the query server, which bounds what a slow one may
 * hold (server.h). */
#ifndef LINKNAME_MONITOR_H
#define LINKNAME_MONITOR_H

#include "engine.h"
#include "query.h"
#include "server.h"

/* The record an engine event becomes; false if it has none. Pure. */
bool monitor_event_of(const struct engine_event *ev, struct query_event *out);
/* Queue ev for the subscribers, if there are any. */
void monitor_event(struct server *s, const struct engine_event *ev);
/* REFUSED events are made only while someone subscribes (or the daemon is
 * verbose): call once per loop turn. */
void monitor_sync(struct engine *e, const struct server *s);

#endif
