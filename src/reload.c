/* reload: reading the configuration in force. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "log.h"
#include "reload.h"

/* The name in force: the configured one, else the host name's first label. */
static int reload_name(const struct config *c, const char *path, char out[NAME_MAX_LEN + 1],
		       char *err, size_t errlen)
{
	char host[HOST_NAME_MAX + 1] = "";

	if (c->name[0]) {
		memcpy(out, c->name, NAME_MAX_LEN + 1);
		return 0;
	}
	if (gethostname(host, sizeof(host)) < 0 || name_from_hostname(host, out) < 0) {
		snprintf(err, errlen, "cannot make a name from the host name '%s'; set name in %s "
			 "or use --name", host, path);
		return -1;
	}
	return 0;
}

int reload_settings(const struct options *o, uid_t key_owner, struct keyfile *kf,
		    struct settings *s, char *err, size_t errlen)
{
	struct engine_config *ec = &s->engine;

	memset(s, 0, sizeof(*s));
	config_defaults(&s->cfg);
	if (config_load(o->config_path, !o->config_explicit, &s->cfg, err, errlen) < 0)
		return -1;
	config_overlay(&s->cfg, &o->cli);
	if (reload_name(&s->cfg, o->config_path, ec->name, err, errlen) < 0)
		return -1;
	ec->interval_s = s->cfg.interval_s;
	ec->lifetime_s = s->cfg.lifetime_s;
	ec->table_size = s->cfg.table_size;
	ec->log_refused = o->verbose;
	if (s->cfg.key_file[0] &&
	    keyfile_load(kf, s->cfg.key_file, key_owner, &ec->keys, &s->key_kept, err, errlen) < 0) {
		memset(&ec->keys, 0, sizeof(ec->keys));
		return 1;
	}
	return 0;
}

void reload_log(const struct settings *old, const struct settings *now)
{
	const struct config *c = &now->cfg;
	unsigned int n = now->engine.keys.n;

	if (n)
		log_info("authentication on: %u key%s from %s%s", n, n == 1 ? "" : "s", c->key_file,
			 now->key_kept ? " (read through the descriptor opened at start-up: "
					 "this user may not open it)" : "");
	else if (old && old->engine.keys.n)
		log_info("authentication off");
	/* Not a problem: the LIFETIME sent is never below three periods
	 * (PROTOCOL.md section 8), so say what happens, not a warning. */
	if (!old || old->cfg.interval_s != c->interval_s || old->cfg.lifetime_s != c->lifetime_s)
		if ((uint64_t)c->lifetime_s < 3 * (uint64_t)c->interval_s)
			log_info("lifetime %us is below three announce periods of %us: at least "
				 "three periods are announced", c->lifetime_s, c->interval_s);
}

void reload_apply(struct settings *in_force, const struct options *o, uid_t key_owner,
		  struct keyfile *kf, struct engine *e, struct iface_tracker *iface, iface_cb cb,
		  uint64_t now, uint64_t wall)
{
	struct config *c;
	struct settings s;
	char err[512];
	size_t i;
	int r;

	r = reload_settings(o, key_owner, kf, &s, err, sizeof(err));
	if (r < 0) {
		log_warnx("%s; keeping the configuration in force", err);
		return;
	}
	activation_reloading();
	/* The rest still applies: a key that cannot be read must not hold
	 * back a new name, timing or interfaces, nor end authentication. */
	if (r > 0) {
		log_warnx("%s; keeping the %u key%s in force", err, in_force->engine.keys.n,
			  in_force->engine.keys.n == 1 ? "" : "s");
		s.engine.keys = in_force->engine.keys;
		s.key_kept = in_force->key_kept;
		memcpy(s.cfg.key_file, in_force->cfg.key_file, sizeof(s.cfg.key_file));
	} else if (!s.cfg.key_file[0]) {
		keyfile_close(kf);
	}
	reload_log(in_force, &s);
	/* These are bound at start-up. */
	c = &in_force->cfg;
	if (s.cfg.table_size != c->table_size || strcmp(s.cfg.socket, c->socket) ||
	    strcmp(s.cfg.user, c->user))
		log_warnx("table-size, socket and user changes take effect when linknamed restarts");
	s.cfg.table_size = c->table_size;
	memcpy(s.cfg.socket, c->socket, sizeof(s.cfg.socket));
	memcpy(s.cfg.user, c->user, sizeof(s.cfg.user));
	engine_configure(e, &s.engine, now, wall);
	*in_force = s;
	for (i = engine_nlinks(e); i-- > 0;) {
		struct iface_info info = *engine_link_info(e, i);

		if (!config_iface_wanted(&in_force->cfg, info.name))
			engine_link(e, IFACE_DOWN, &info, now, wall);
	}
	iface_foreach_usable(iface, cb, NULL);
	log_info("configuration reloaded from %s%s", o->config_path,
		 r > 0 ? ", all but the key file" : "");
}

void reload_hostname(struct settings *in_force, const struct options *o, struct engine *e,
		     uint64_t now, uint64_t wall)
{
	char name[NAME_MAX_LEN + 1], err[512];

	/* A configured name is not the host's: nothing to follow. */
	if (in_force->cfg.name[0])
		return;
	if (reload_name(&in_force->cfg, o->config_path, name, err, sizeof(err)) < 0) {
		log_warnx("%s; still announcing %s", err, in_force->engine.name);
		return;
	}
	/* Woken by a rename in another UTS namespace, or to the same name. */
	if (!strcmp(name, in_force->engine.name))
		return;
	log_info("the host was renamed: announcing %s instead of %s", name, in_force->engine.name);
	memcpy(in_force->engine.name, name, sizeof(in_force->engine.name));
	engine_configure(e, &in_force->engine, now, wall);
}
