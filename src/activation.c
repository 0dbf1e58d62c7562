/* activation: what linknamed says to or takes from systemd, through our own
 * sdnotify module (no libsystemd in a root daemon). */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "activation.h"
#include "log.h"
#include "sdnotify.h"

/* Its listener was created by PID 1, so clients see uid 0 through
 * SO_PEERCRED even though we run unprivileged. */
int activation_socket(void)
{
	int n = sdnotify_listen_fds(1), fd = SDNOTIFY_LISTEN_FDS_START, flags;

	if (n < 0)
		log_warnx("ignoring $LISTEN_FDS: %s", strerror(-n));
	if (n <= 0)
		return -1;
	if (n > 1 || sdnotify_is_unix_socket(fd, SOCK_STREAM, 1) <= 0)
		fatalx("systemd passed %d sockets; expected one listening unix stream socket", n);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fcntl on the activated socket");
	return fd;
}

void activation_ready(const char *name, size_t nlinks)
{
	sdnotify_sendf(0, "READY=1\nSTATUS=Announcing %s on %zu interface%s", name, nlinks,
		       nlinks == 1 ? "" : "s");
}

void activation_reloading(void)
{
	sdnotify_send(0, "RELOADING=1");
}

void activation_stopping(void)
{
	sdnotify_send(0, "STOPPING=1");
}
