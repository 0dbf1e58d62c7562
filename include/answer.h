/* answer: the daemon's answers on the query socket (docs/PROTOCOL.md
 * section 11), built from the engine's record builder. */
#ifndef LINKNAME_ANSWER_H
#define LINKNAME_ANSWER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "iface.h"
#include "query.h"
#include "server.h"

struct answer_ctx {
	struct engine *engine;
	struct server *server;		/* for its subscriber counts in STATS */
	const struct iface_tracker *iface;	/* netlink counts in STATS; may be NULL */
};

/* A server_answer_fn (server.h); arg is a struct answer_ctx. */
uint8_t *answer_request(const struct query_request *req, uid_t uid, size_t *len, int *pass_fd,
			void *arg);

#endif
