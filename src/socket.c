/* socket: the UDP socket on port 1903 and its multicast membership. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "socket.h"
#include "wire.h"

static int socket_setint(int fd, int level, int opt, int val, const char *what)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0) {
		log_warn("setsockopt %s", what);
		return -1;
	}
	return 0;
}

int socket_open(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(WIRE_PORT),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	int fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0) {
		log_warn("socket AF_INET6");
		return -1;
	}
	if (socket_setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY") ||
	    socket_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR") ||
	    socket_setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO") ||
	    socket_setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT") ||
	    socket_setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, WIRE_HOPLIMIT, "IPV6_MULTICAST_HOPS") ||
	    socket_setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"))
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("bind [::]:%d", WIRE_PORT);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int socket_membership(int fd, unsigned int ifindex, int opt)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = ifindex };

	if (inet_pton(AF_INET6, WIRE_GROUP, &mr.ipv6mr_multiaddr) != 1)
		return -1;
	return setsockopt(fd, IPPROTO_IPV6, opt, &mr, sizeof(mr));
}

int socket_join(int fd, unsigned int ifindex)
{
	if (socket_membership(fd, ifindex, IPV6_ADD_MEMBERSHIP) < 0 && errno != EADDRINUSE)
		return -1;
	return 0;
}

int socket_leave(int fd, unsigned int ifindex)
{
	/* The kernel already dropped the membership if the interface is gone. */
	if (socket_membership(fd, ifindex, IPV6_DROP_MEMBERSHIP) < 0 &&
	    errno != EADDRNOTAVAIL && errno != ENODEV)
		return -1;
	return 0;
}

int socket_send(int fd, unsigned int ifindex, const struct in6_addr *src,
		const void *buf, size_t len)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_port = htons(WIRE_PORT),
				    .sin6_scope_id = ifindex };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_name = &dst, .msg_namelen = sizeof(dst),
			      .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *cm;
	struct in6_pktinfo pi;

	if (inet_pton(AF_INET6, WIRE_GROUP, &dst.sin6_addr) != 1)
		return -1;
	memset(&cbuf, 0, sizeof(cbuf));
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = *src;
	pi.ipi6_ifindex = ifindex;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		return -1;
	return 0;
}

ssize_t socket_recv(int fd, void *buf, size_t buflen, struct socket_pkt *pkt)
{
	struct sockaddr_in6 from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = buflen };
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
			      .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	/* MSG_TRUNC: return the real length so oversized datagrams are
	 * counted as such rather than decoded from a cut copy. */
	n = recvmsg(fd, &msg, MSG_TRUNC);
	if (n < 0)
		return -1;
	memset(pkt, 0, sizeof(*pkt));
	pkt->hoplimit = -1;
	pkt->len = (size_t)n;
	if (msg.msg_namelen >= sizeof(from) && from.sin6_family == AF_INET6) {
		pkt->src = from.sin6_addr;
		pkt->sport = ntohs(from.sin6_port);
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			pkt->ifindex = pi.ipi6_ifindex;
		} else if (cm->cmsg_type == IPV6_HOPLIMIT && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&pkt->hoplimit, CMSG_DATA(cm), sizeof(int));
		}
	}
	return n;
}
