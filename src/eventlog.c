/* eventlog: engine events to the log. */
#include <arpa/inet.h>
#include <stdbool.h>

#include "eventlog.h"
#include "log.h"

/* Neighbour arrivals: at most EVENTLOG_NEW_BURST lines a minute, then one
 * summary line. */
#define EVENTLOG_NEW_BURST	20

static bool eventlog_new_ok(uint64_t now)
{
	static uint64_t window;
	static unsigned int logged, skipped;

	if (now - window >= 60000) {
		if (skipped)
			log_info("%u more new neighbours in the last minute not logged", skipped);
		window = now;
		logged = skipped = 0;
	}
	if (logged < EVENTLOG_NEW_BURST) {
		logged++;
		return true;
	}
	skipped++;
	return false;
}

/* Claims on a held name at most once a minute: a spoofer makes them. */
static bool eventlog_claims_ok(uint64_t now)
{
	static uint64_t last;

	if (last && now - last < 60000)
		return false;
	last = now;
	return true;
}

void eventlog_event(const struct engine_event *ev, uint64_t now)
{
	char src[INET6_ADDRSTRLEN], first[INET6_ADDRSTRLEN];
	const char *ifn = ev->ifname[0] ? ev->ifname : "?";

	inet_ntop(AF_INET6, &ev->src, src, sizeof(src));
	inet_ntop(AF_INET6, &ev->addrs[0], first, sizeof(first));
	switch (ev->kind) {
	case ENGINE_EV_NEW:
		if (eventlog_new_ok(now))
			log_info("new neighbour %s at %s on %s", ev->name, src, ifn);
		break;
	case ENGINE_EV_CHANGED:
		if (ev->taken_over)
			log_info("neighbour %s on %s is now at %s: the old holder did not answer "
				 "within %d ms", ev->name, ifn, first, ENGINE_CHALLENGE_MS);
		else
			log_info("neighbour %s on %s changed addresses (now %s first)", ev->name,
				 ifn, first);
		break;
	case ENGINE_EV_GOODBYE:
		log_info("neighbour %s left %s (goodbye)", ev->name, ifn);
		break;
	case ENGINE_EV_EXPIRED:
		log_info("lost neighbour %s on %s (lifetime ran out)", ev->name, ifn);
		break;
	case ENGINE_EV_CONFLICT:
		if (ev->conflict == ENGINE_CONFLICT_OURS)
			log_warnx("NAME CONFLICT: %s at %s on %s also announces our name", ev->name,
				  src, ifn);
		else if (eventlog_claims_ok(now))
			log_warnx("NAME CONFLICT: %s at %s on %s claims a name another host holds",
				  ev->name, src, ifn);
		break;
	case ENGINE_EV_REFUSED:
		log_debug("dropped packet from %s on %s: %s", src, ifn,
			  engine_verdict_name(ev->reason));
		break;
	}
}
