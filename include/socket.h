/* socket: the UDP socket on port 1903 and its multicast membership. */
#ifndef LINKNAME_SOCKET_H
#define LINKNAME_SOCKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

struct socket_pkt {
	struct in6_addr src;
	uint16_t sport;		/* UDP source port, host order */
	unsigned int ifindex;	/* arrival interface */
	int hoplimit;		/* -1 if the kernel did not say */
	size_t len;		/* full datagram length, even if truncated */
};

/* [::]:1903, non-blocking, reporting arrival interface and hop limit,
 * sending with hop limit 255 and no multicast loop. -1 on error (logged). */
int socket_open(void);
int socket_join(int fd, unsigned int ifindex);
int socket_leave(int fd, unsigned int ifindex);
/* Send to ff02::1:1 port 1903 on ifindex from src. 0 or -1 (errno set). */
int socket_send(int fd, unsigned int ifindex, const struct in6_addr *src,
		const void *buf, size_t len);
/* One datagram: its length (pkt->len may exceed buflen when truncated), or
 * -1 with errno (EAGAIN when none is waiting). */
ssize_t socket_recv(int fd, void *buf, size_t buflen, struct socket_pkt *pkt);

#endif
