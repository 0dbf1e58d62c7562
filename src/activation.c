/* activation: the daemon's only sd_* calls. */
#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "activation.h"
#include "log.h"

/* Its listener was created by PID 1, so clients see uid 0 through
 * SO_PEERCRED even though we run unprivileged. */
int activation_socket(void)
{
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START, flags;

	if (n <= 0)
		return -1;
	if (n > 1 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
		fatalx("systemd passed %d sockets; expected one listening unix stream socket", n);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fcntl on the activated socket");
	return fd;
}

void activation_ready(const char *name, size_t nlinks)
{
	sd_notifyf(0, "READY=1\nSTATUS=Announcing %s on %zu interface%s", name, nlinks,
		   nlinks == 1 ? "" : "s");
}

void activation_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void activation_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
