/* hostwatch: noticing that the host was renamed, without being asked. The
 * kernel wakes every poller of /proc/sys/kernel/hostname with POLLPRI (and
 * POLLERR) at each sethostname(2), in any UTS namespace, once per change;
 * the file is always readable, so only POLLPRI means anything. It is what
 * the daemon sees of its own UTS namespace: under systemd's
 * ProtectHostname=yes that is a private copy that never changes, and
 * ProcSubset=pid hides /proc/sys altogether, so the shipped unit sets
 * neither (see linknamed(8)). */
#ifndef LINKNAME_HOSTWATCH_H
#define LINKNAME_HOSTWATCH_H

#define HOSTWATCH_PATH	"/proc/sys/kernel/hostname"

/* A descriptor to watch for EPOLLPRI, or -1 with errno set. */
int hostwatch_open(void);

#endif
