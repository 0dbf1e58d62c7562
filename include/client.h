/* client: one request to linknamed over its query socket, bounded in time,
 * for linknamectl: every step shares one deadline. */
#ifndef LINKNAME_CLIENT_H
#define LINKNAME_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct client_response {
	struct query_response_hdr hdr;
	uint8_t *records;	/* hdr.length octets, malloc'd */
};

/* The socket to use: path if non-NULL, else $LINKNAME_SOCKET (ignored in
 * setuid programs), else QUERY_DEFAULT_SOCKET. */
const char *client_socket_path(const char *path);

/* Connect to path ("@name" is abstract), check the server runs as root or as
 * our own user (SO_PEERCRED), send req and read the whole response, all
 * within timeout_ms. Returns 0 with *resp filled (free it with
 * client_response_free), or a negative errno: -ECONNREFUSED/-ENOENT (no
 * daemon), -ETIMEDOUT, -EPERM (wrong peer), -EPROTO (bad response), ... */
int client_query(const char *path, const struct query_request *req, int timeout_ms,
		 struct client_response *resp);
/* The same, but on success the connection stays open and *keep is its
 * descriptor (non-blocking, close-on-exec): after a SUBSCRIBE, the event
 * records follow on it. */
int client_open(const char *path, const struct query_request *req, int timeout_ms,
		struct client_response *resp, int *keep);
void client_response_free(struct client_response *resp);

#endif
