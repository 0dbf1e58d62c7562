/* nss_snap: the NSS module's side of the shared snapshot (snap.h). The
 * first lookup in a process fetches the daemon's sealed memfd over the
 * query socket and maps it read-only; later lookups read it in place. No
 * locks (fork-safe): the mapping is published with an atomic pointer. */
#ifndef LINKNAME_NSS_SNAP_H
#define LINKNAME_NSS_SNAP_H

#include "nss_conv.h"
#include "query.h"

/* For RESOLVE and REVERSE requests: 1 found (res filled), 0 not known,
 * -1 no usable snapshot. Then *err is 0 if the daemon answered (ask it
 * over the socket instead), or the errno of failing to reach it (absent,
 * hung: asking again would only double the wait). */
int nss_snap_ask(const struct query_request *req, struct nss_conv_result *res, int *err);

#endif
