/* server: the daemon's side of the query socket. Bounded: at most
 * SERVER_MAX_CLIENTS at once (when full, the longest idle one makes room),
 * one small request each, SERVER_CLIENT_MS to send it, so one local user
 * cannot stall lookups for everyone.
 *
 * The caller's loop: epoll_wait on epfd, call each event's
 * loop_watch->fn, and after each whole batch call server_expire(), never
 * from inside a handler. A client the server drops while handling an event
 * (done, failed, or evicted to make room while its own event waits later in
 * the same batch) is closed at once and marked dead, so that event is
 * ignored; its memory is released by the next server_expire() (or
 * server_close()). While any is pending, server_next_deadline() is 0. */
#ifndef LINKNAME_SERVER_H
#define LINKNAME_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "query.h"

#define SERVER_MAX_CLIENTS	64
#define SERVER_CLIENT_MS	1000
#define SERVER_ACCEPT_BATCH	16	/* accepts per wake-up */
/* SUBSCRIBE (linknamectl monitor): subscribers have their own limit and
 * list, so they never take a lookup's place; each may have at most
 * SERVER_SUB_BUF octets of events queued in the daemon (on top of the
 * answer to its request) and SERVER_SUB_SNDBUF in the kernel. One that
 * falls further behind gets a LOST record and is dropped, and counted. */
#define SERVER_MAX_SUBSCRIBERS	16
#define SERVER_SUB_BUF		(64 * 1024)
#define SERVER_SUB_SNDBUF	(16 * 1024)

/* Builds the whole response (header and records) for one request into a
 * malloc'd buffer; returns NULL on allocation failure. *pass_fd (-1 by
 * default) may name a descriptor to hand to the client with the response
 * (SCM_RIGHTS); the server does not close it. */
typedef uint8_t *(*server_answer_fn)(const struct query_request *req, uid_t client_uid,
				     size_t *len, int *pass_fd, void *arg);

struct server;

/* path: "@name" for an abstract socket, else a filesystem path. */
struct server *server_open(const char *path, int epfd, server_answer_fn fn, void *arg);
/* The same over a socket already bound and listening (systemd socket
 * activation); the server takes ownership of fd. */
struct server *server_open_fd(int fd, int epfd, server_answer_fn fn, void *arg);
void server_close(struct server *s);
/* Earliest client deadline, UINT64_MAX if none. */
uint64_t server_next_deadline(const struct server *s);
/* Drop clients past their deadline, and release the memory of every client
 * dropped since the last call. Between batches only. */
void server_expire(struct server *s, uint64_t now);
/* Queue one event record (query_encode_event) for every subscriber. It
 * never sends nor blocks: the loop sends when the sockets can take it.
 * May be called from inside a handler. */
void server_broadcast(struct server *s, const uint8_t *rec, size_t len);
size_t server_subscribers(const struct server *s);
/* Subscribers dropped for falling behind, since the server opened. */
uint64_t server_subscribers_dropped(const struct server *s);

#endif
