/* nss_snap: the NSS module's side of the snapshot (snap.h, snapfile.h).
 *
 * A lookup reads /proc/thread-self/ns/net (setns() is per thread) and
 * answers from the snapshot of that namespace's daemon, the file
 * SNAP_DIR/net-INODE, mapped read-only: no socket, no word to the daemon,
 * no descriptor kept open in the program.
 * - Trust: the file is refused unless snap_file_trusted() accepts it and
 *   its directory (no symbolic link in place of the file), and unless it is
 *   a well-formed snapshot, whose geometry is then copied and bounds every
 *   read (snap_view).
 * - Liveness: the daemon holds an OFD write lock on its file for its whole
 *   life. A mapping is used while its header says SNAP_LIVE (read on every
 *   lookup: a daemon's replacement file or clean exit is seen at once) and,
 *   checked by one thread at most every NSS_SNAP_CHECK_MS (500 ms), while
 *   the lock is held and the file at the path is still the one mapped: a
 *   SIGKILLed daemon is noticed within that, a restarted one's file mapped.
 * - Per namespace: up to NSS_SNAP_MAPS mappings, each tagged with its
 *   namespace; one per namespace is live at a time.
 * - Release: a mapping no longer live is unmapped by whichever thread sees
 *   it retired with no reader left. Readers take a reference (an atomic
 *   counter) before they look at the state, releasers claim the mapping
 *   before they look at the counter, so one of the two always sees the
 *   other; nothing waits and nothing is unmapped under a reader. No locks
 *   (fork-safe: a child inherits at worst a mapping it cannot release), no
 *   destructor (exit() runs destructors while other threads may be inside
 *   a lookup). */
#ifndef LINKNAME_NSS_SNAP_H
#define LINKNAME_NSS_SNAP_H

#include "nss_conv.h"
#include "query.h"

/* For RESOLVE and REVERSE requests: 1 found (res filled), 0 the daemon
 * does not know it, -1 no answer, with *err: ENOENT no daemon has
 * published in this namespace (or it exited), ESRCH its daemon is dead,
 * EPERM the file is not to be trusted, EPROTO it is malformed, EAGAIN no
 * consistent read (or every mapping slot busy), or the errno of reading
 * /proc or mapping the file. errno itself is left as it was. */
int nss_snap_ask(const struct query_request *req, struct nss_conv_result *res, int *err);

#endif
