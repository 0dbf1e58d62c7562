/* sdnotify: systemd's readiness notification and socket activation
 * without libsystemd (a root daemon need not pull in its compression and
 * crypto libraries for two small protocols). Both are documented by
 * systemd as stable interfaces, meant to be spoken directly: sd_notify(3)
 * ($NOTIFY_SOCKET) and sd_listen_fds(3) ($LISTEN_PID, $LISTEN_FDS).
 *
 * Every function with an unset_environment argument, when it is non-zero,
 * removes the protocol's variables from the environment before returning,
 * whatever the result, so child processes do not inherit them. */
#ifndef LINKNAME_SDNOTIFY_H
#define LINKNAME_SDNOTIFY_H

/* The first descriptor passed by socket activation. */
#define SDNOTIFY_LISTEN_FDS_START	3

/* Sends state, newline-separated VAR=value assignments ("READY=1",
 * "STATUS=...", "RELOADING=1", "STOPPING=1"), as one datagram to the
 * AF_UNIX socket named by $NOTIFY_SOCKET: an absolute path, or a name in
 * the abstract namespace when it starts with '@'. Returns 1 once sent, 0
 * when $NOTIFY_SOCKET is unset (no service manager is listening: nothing
 * to do), or -errno: -EINVAL for an empty state or a $NOTIFY_SOCKET that is
 * neither form or does not fit a unix socket address, else the error of
 * socket() or sendmsg() (-ECONNREFUSED: nobody bound there; -EAGAIN: the
 * receiver's queue is full, since a daemon's loop never waits on it). */
int sdnotify_send(int unset_environment, const char *state);
/* The same with printf formatting; -ENOMEM if the string cannot be built. */
int sdnotify_sendf(int unset_environment, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Socket activation: how many descriptors the service manager passed
 * this process, from SDNOTIFY_LISTEN_FDS_START on; 0 when none were
 * passed to it ($LISTEN_PID or $LISTEN_FDS unset, or $LISTEN_PID another
 * process's: it was meant for a parent); -EINVAL when $LISTEN_PID or
 * $LISTEN_FDS is not a plain decimal number in range; -EBADF when a
 * descriptor it announces is not open. Sets FD_CLOEXEC on each. Unsets
 * $LISTEN_PID, $LISTEN_FDS and $LISTEN_FDNAMES (names are not used). */
int sdnotify_listen_fds(int unset_environment);

/* 1 if fd is an AF_UNIX socket of the given type (SOCK_STREAM, ...; 0:
 * any) that is listening (listening > 0), not listening (0), or either
 * (< 0); 0 if not; -errno if fd cannot be examined (-EBADF). */
int sdnotify_is_unix_socket(int fd, int type, int listening);

#endif
