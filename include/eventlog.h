/* eventlog: the engine's events as log lines, rate-limited so that a flood
 * of names or a spoofer cannot fill the log. */
#ifndef LINKNAME_EVENTLOG_H
#define LINKNAME_EVENTLOG_H

#include <stdint.h>

#include "engine.h"

/* now: monotonic ms, for the rate limits. */
void eventlog_event(const struct engine_event *ev, uint64_t now);

#endif
