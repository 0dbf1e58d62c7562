/* snapfile: the daemon's side of the snapshot (snap.h): the file
 * SNAP_DIR/net-INODE that the NSS module of every program in this network
 * namespace maps (nss_snap.h), without a socket or a word to the daemon.
 *
 * - It holds an OFD write lock on the file while it runs: the kernel drops
 *   it when the daemon dies, even by SIGKILL, which is how readers tell a
 *   live daemon from a dead one's leftover file.
 * - After each publication the half readers left is punched out of the
 *   file (it reads as zeros until the next rebuild writes it), so the
 *   snapshot takes the memory of one half between rebuilds.
 * - The file is sized to the table (snap_slots_for); when the table
 *   outgrows it, or shrinks to a quarter, a new file replaces it by
 *   rename(2) and the old one is marked SNAP_REPLACED, so readers move at
 *   their next lookup. A published file is never truncated: a file that
 *   shrank under a reader's mapping would raise SIGBUS in its program.
 * - On exit the file is marked SNAP_WITHDRAWN and removed: readers answer
 *   "no daemon" at once.
 * Files are 0644 and owned by root or by the directory's owner, as the
 * module requires (snap_file_trusted). */
#ifndef LINKNAME_SNAPFILE_H
#define LINKNAME_SNAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "snap.h"

struct snapfile;

/* The directory to publish in: $LINKNAME_RUNDIR if set (an absolute path),
 * else SNAP_DIR. */
const char *snapfile_dir(void);

/* Publish an empty snapshot in dir for this process's network namespace
 * (*out). owner is the uid the daemon will run as (it may be root now and
 * drop to owner later): the directory is created (0755) if missing, and
 * given to owner if this call created it. If owner will not be able to
 * create files in dir once privileges are dropped, the file is made big
 * enough for max_entries at once and never replaced. Returns 0, -EBUSY if
 * another live daemon publishes in this namespace, or another negative
 * errno; err says what failed. */
int snapfile_open(struct snapfile **out, const char *dir, uid_t owner, size_t max_entries,
		  char *err, size_t errlen);
/* Begin a new generation of at most entries entries: the header to
 * snap_add() into (snap_begin done), in the current file or in a new one
 * that snapfile_publish() puts in its place. Never NULL. */
struct snap_header *snapfile_begin(struct snapfile *sf, size_t entries);
/* Publish what was added since snapfile_begin. 0, or -1 with err filled
 * (replacing the file failed: the old one stays, readers are unaffected). */
int snapfile_publish(struct snapfile *sf, char *err, size_t errlen);
/* Entries the current file holds per generation. */
uint32_t snapfile_slots(const struct snapfile *sf);
const char *snapfile_path(const struct snapfile *sf);
/* Withdraw and remove the file, release everything. */
void snapfile_close(struct snapfile *sf);

#endif
