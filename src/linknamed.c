/* linknamed: announces this host's name and link-local addresses on every
 * usable interface, learns the neighbours' announcements, and answers
 * lookups on the query socket. This file is start-up, the epoll loop and
 * carrying out what the protocol engine (engine.h) asks for; the engine
 * itself makes no system call. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "activation.h"
#include "answer.h"
#include "engine.h"
#include "eventlog.h"
#include "hostwatch.h"
#include "iface.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "options.h"
#include "privdrop.h"
#include "publish.h"
#include "reload.h"
#include "server.h"
#include "socket.h"

#define UDP_BATCH	64	/* datagrams read per wake-up */

static struct {
	struct options opt;
	struct settings set;		/* in force */
	uid_t key_owner;
	struct keyfile key;		/* kept open: we may not reopen it as user */
	struct engine *engine;
	struct publish *publish;
	struct answer_ctx answer;
	struct server *server;
	struct iface_tracker *iface;
	int epfd;
	struct loop_watch udp, sig, nl, host;
	bool quit, reload;
} d;

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t random_u32(void *arg)
{
	(void)arg;
	return arc4random();
}

static const char *msg_name(uint8_t type)
{
	static const char *const names[] = { "?", "ANNOUNCE", "GOODBYE", "SOLICIT" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* Everything the engine queued, in order. */
static void carry_out(void)
{
	struct engine_action a;

	while (engine_next_action(d.engine, &a)) {
		switch (a.type) {
		case ENGINE_ACT_JOIN:
			if (socket_join(d.udp.fd, a.ifindex) < 0) {
				log_warn("join %s on %s", WIRE_GROUP, a.ifname);
				engine_link_failed(d.engine, a.ifindex);
			} else {
				log_info("joined %s on %s", WIRE_GROUP, a.ifname);
			}
			break;
		case ENGINE_ACT_LEAVE:
			if (socket_leave(d.udp.fd, a.ifindex) < 0)
				log_warn("leave %s on %s", WIRE_GROUP, a.ifname);
			log_info("left %s on %s (%zu neighbour%s forgotten)", WIRE_GROUP, a.ifname,
				 a.u.count, a.u.count == 1 ? "" : "s");
			break;
		case ENGINE_ACT_SEND:
			if (socket_send(d.udp.fd, a.ifindex, &a.u.send.src, a.u.send.buf,
					a.u.send.len) < 0) {
				engine_sent(d.engine, false);
				log_debug("send %s on %s: %s", msg_name(a.u.send.msg_type), a.ifname,
					  strerror(errno));
			} else {
				engine_sent(d.engine, true);
				log_debug("sent %s on %s", msg_name(a.u.send.msg_type), a.ifname);
			}
			break;
		case ENGINE_ACT_EVENT:
			eventlog_event(&a.u.event, loop_now_ms());
			monitor_event(d.server, &a.u.event);
			break;
		case ENGINE_ACT_LOG:
			if (a.u.log.level == ENGINE_LOG_WARN)
				log_warnx("%s", a.u.log.text);
			else if (a.u.log.level == ENGINE_LOG_INFO)
				log_info("%s", a.u.log.text);
			else
				log_debug("%s", a.u.log.text);
			break;
		case ENGINE_ACT_READY:
			activation_ready(engine_name(d.engine), engine_nlinks(d.engine));
			break;
		}
	}
}

static void on_iface(enum iface_event ev, const struct iface_info *info, void *arg)
{
	(void)arg;
	if (ev != IFACE_DOWN && !config_iface_wanted(&d.set.cfg, info->name)) {
		log_debug("ignoring %s (interfaces/ignore-interfaces)", info->name);
		return;
	}
	engine_link(d.engine, ev, info, loop_now_ms(), wall_ms());
}

static void on_udp(struct loop_watch *w, uint32_t events)
{
	uint8_t buf[WIRE_MAX_PACKET];
	struct engine_datagram g = { .buf = buf };
	struct socket_pkt pkt;

	(void)events;
	/* A bounded batch, then back to epoll: a flood must not starve the
	 * query socket (the epoll watch is level-triggered, so we come back). */
	for (int i = 0; i < UDP_BATCH; i++) {
		if (socket_recv(w->fd, buf, sizeof(buf), &pkt) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("recvmsg");
			break;
		}
		g.len = pkt.len;
		g.src = pkt.src;
		g.sport = pkt.sport;
		g.ifindex = pkt.ifindex;
		g.hoplimit = pkt.hoplimit;
		engine_receive(d.engine, &g, loop_now_ms(), wall_ms());
	}
	carry_out();
}

static void on_netlink(struct loop_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	if (iface_process(d.iface, loop_now_ms()) < 0)
		fatalx("lost the netlink connection");
	carry_out();
}

static void on_hostname(struct loop_watch *w, uint32_t events)
{
	(void)w;
	if (!(events & EPOLLPRI))
		return;
	reload_hostname(&d.set, &d.opt, d.engine, loop_now_ms(), wall_ms());
	carry_out();
}

static void on_signal(struct loop_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %u: leaving", si.ssi_signo);
			d.quit = true;
		} else if (si.ssi_signo == SIGHUP) {
			d.reload = true;
		}
	}
}

static void start(int argc, char **argv)
{
	char err[512];
	sigset_t mask;
	int fd;

	options_parse(argc, argv, &d.opt);
	log_init("linknamed", d.opt.foreground, d.opt.verbose);
	/* A bad file at start-up is fatal: better no daemon than a wrong one. */
	config_defaults(&d.set.cfg);
	if (config_load(d.opt.config_path, !d.opt.config_explicit, &d.set.cfg, err,
			sizeof(err)) < 0)
		fatalx("%s", err);
	config_overlay(&d.set.cfg, &d.opt.cli);
	d.key_owner = privdrop_uid(d.set.cfg.user);
	/* libsodium is set up by the first key loaded (auth_load_fd). */
	d.key = (struct keyfile)KEYFILE_INIT;
	if (reload_settings(&d.opt, d.key_owner, &d.key, &d.set, err, sizeof(err)) != 0)
		fatalx("%s; refusing to start", err);
	reload_log(NULL, &d.set);

	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d.epfd < 0)
		fatal("epoll_create1");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	d.sig.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d.sig.fd < 0)
		fatal("signalfd");
	d.sig.fn = on_signal;
	d.udp.fd = socket_open();
	if (d.udp.fd < 0)
		fatalx("cannot open the UDP socket on port %d", WIRE_PORT);
	d.udp.fn = on_udp;
	d.engine = engine_new(&d.set.engine, random_u32, NULL, loop_now_ms());
	if (!d.engine)
		fatalx("out of memory");
	d.publish = publish_open(d.key_owner, (size_t)d.set.cfg.table_size + ENGINE_LINKS_MAX);
	d.answer.engine = d.engine;
	fd = activation_socket();
	d.server = fd >= 0 ? server_open_fd(fd, d.epfd, answer_request, &d.answer) :
			     server_open(d.set.cfg.socket, d.epfd, answer_request, &d.answer);
	if (!d.server)
		fatalx("cannot open the query socket %s", d.set.cfg.socket);
	d.answer.server = d.server;
	if (loop_add(d.epfd, &d.sig, EPOLLIN) < 0 || loop_add(d.epfd, &d.udp, EPOLLIN) < 0)
		fatal("epoll_ctl");
	d.iface = iface_init(on_iface, NULL);
	if (!d.iface)
		fatalx("cannot follow interfaces through netlink");
	d.answer.iface = d.iface;
	d.nl.fd = iface_fd(d.iface);
	d.nl.fn = on_netlink;
	if (loop_add(d.epfd, &d.nl, EPOLLIN) < 0)
		fatal("epoll_ctl");
	/* Renames are followed as they happen, whoever we run as. */
	d.host.fd = hostwatch_open();
	d.host.fn = on_hostname;
	if (d.host.fd >= 0 && loop_add(d.epfd, &d.host, EPOLLPRI) < 0) {
		close(d.host.fd);
		d.host.fd = -1;
	}
	if (d.host.fd < 0 && !d.set.cfg.name[0])
		log_warn("not following host name changes (%s): a reload picks a new one up",
			 HOSTWATCH_PATH);
	carry_out();
	/* Everything privileged is done: sockets are open and bound. */
	if (d.set.cfg.user[0])
		privdrop_become(d.set.cfg.user);
	if (!d.opt.foreground && daemon(0, 0) < 0)
		fatal("daemon");
	log_info("started as %s, %zu interface%s", engine_name(d.engine), engine_nlinks(d.engine),
		 engine_nlinks(d.engine) == 1 ? "" : "s");
}

static int timeout_until(uint64_t next, uint64_t now)
{
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > INT_MAX ? INT_MAX : next - now);
}

int main(int argc, char **argv)
{
	struct epoll_event evs[16];
	struct engine_totals t;
	uint64_t next, now;
	int i, n;

	start(argc, argv);
	while (!d.quit) {
		next = engine_next_deadline(d.engine);
		if (server_next_deadline(d.server) < next)
			next = server_next_deadline(d.server);
		if (publish_next(d.publish, d.engine) < next)
			next = publish_next(d.publish, d.engine);
		if (iface_next_deadline(d.iface) < next)
			next = iface_next_deadline(d.iface);
		n = epoll_wait(d.epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])),
			       timeout_until(next, loop_now_ms()));
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		for (i = 0; i < n; i++) {
			struct loop_watch *w = evs[i].data.ptr;

			w->fn(w, evs[i].events);
		}
		if (d.reload) {
			d.reload = false;
			reload_apply(&d.set, &d.opt, d.key_owner, &d.key, d.engine, d.iface,
				     on_iface, loop_now_ms(), wall_ms());
			carry_out();
		}
		now = loop_now_ms();
		iface_tick(d.iface, now);
		engine_tick(d.engine, now, wall_ms());
		carry_out();
		server_expire(d.server, now);
		monitor_sync(d.engine, d.server);
		publish_update(d.publish, d.engine, now);
	}

	activation_stopping();
	publish_close(d.publish);	/* readers answer "no daemon" at once */
	d.publish = NULL;
	engine_stop(d.engine, loop_now_ms(), wall_ms());
	carry_out();
	engine_totals(d.engine, &t);
	log_info("stopped: %llu received, %llu sent, %llu send errors, %llu conflicts",
		 (unsigned long long)t.received, (unsigned long long)t.sent,
		 (unsigned long long)t.send_errors, (unsigned long long)t.conflicts);
	iface_free(d.iface);
	server_close(d.server);
	engine_free(d.engine);
	keyfile_close(&d.key);
	close(d.udp.fd);
	close(d.sig.fd);
	if (d.host.fd >= 0)
		close(d.host.fd);
	close(d.epfd);
	return 0;
}
