/* monitor: engine events to SUBSCRIBE's event records. */
#include <string.h>

#include "monitor.h"
#include "name.h"

static const uint8_t monitor_kinds[] = {
	[ENGINE_EV_NEW]      = QUERY_EV_NEW,
	[ENGINE_EV_CHANGED]  = QUERY_EV_CHANGED,
	[ENGINE_EV_GOODBYE]  = QUERY_EV_GOODBYE,
	[ENGINE_EV_EXPIRED]  = QUERY_EV_EXPIRED,
	[ENGINE_EV_CONFLICT] = QUERY_EV_CONFLICT,
	[ENGINE_EV_REFUSED]  = QUERY_EV_REFUSED,
};

bool monitor_event_of(const struct engine_event *ev, struct query_event *out)
{
	const char *reason;

	memset(out, 0, sizeof(*out));
	if ((size_t)ev->kind >= sizeof(monitor_kinds) || !monitor_kinds[ev->kind])
		return false;
	out->kind = monitor_kinds[ev->kind];
	out->ifindex = ev->ifindex;
	out->src = ev->src;
	out->ifname_len = (uint8_t)strnlen(ev->ifname, QUERY_EVENT_IFNAME_MAX);
	memcpy(out->ifname, ev->ifname, out->ifname_len);
	/* A refused datagram's name may be what made it invalid: left out. */
	if (ev->name_len && name_valid(ev->name, ev->name_len)) {
		out->name_len = ev->name_len;
		memcpy(out->name, ev->name, ev->name_len);
	}
	out->naddrs = ev->naddrs <= WIRE_MAX_ADDRS ? ev->naddrs : WIRE_MAX_ADDRS;
	memcpy(out->addrs, ev->addrs, out->naddrs * sizeof(out->addrs[0]));
	switch (ev->kind) {
	case ENGINE_EV_NEW:
		out->ttl = ev->ttl;
		break;
	case ENGINE_EV_CHANGED:
		out->ttl = ev->ttl;
		if (ev->taken_over)
			out->flags |= QUERY_EVF_TAKEN_OVER;
		break;
	case ENGINE_EV_CONFLICT:
		out->flags |= ev->conflict == ENGINE_CONFLICT_OURS ? QUERY_EVF_OURS : QUERY_EVF_HELD;
		break;
	case ENGINE_EV_REFUSED:
		reason = engine_verdict_name(ev->reason);
		out->reason_len = (uint8_t)strnlen(reason, QUERY_EVENT_REASON_MAX);
		memcpy(out->reason, reason, out->reason_len);
		break;
	default:
		break;
	}
	return out->kind == QUERY_EV_REFUSED || out->name_len;
}

void monitor_event(struct server *s, const struct engine_event *ev)
{
	uint8_t buf[QUERY_EVENT_MAX];
	struct query_event qe;
	int n;

	if (!server_subscribers(s) || !monitor_event_of(ev, &qe))
		return;
	n = query_encode_event(&qe, buf, sizeof(buf));
	if (n > 0)
		server_broadcast(s, buf, (size_t)n);
}

void monitor_sync(struct engine *e, const struct server *s)
{
	engine_set_monitored(e, server_subscribers(s) > 0);
}
