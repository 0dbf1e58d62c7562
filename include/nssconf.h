/* nssconf: put linkname into, and take it out of, the hosts line of an
 * nsswitch.conf(5) text, changing no other byte. Pure: text in, text out;
 * the file handling is in nssconf_cli.
 *
 * Where it goes: right after "files" (and any action item attached to it),
 * so /etc/hosts still wins; but never after an entry that asks the network
 * (dns, resolve, mdns*, wins, nis, nisplus, ldap, hesiod): if one of those
 * comes before files, or there is no files, linkname goes just before the
 * first of them; with neither, it goes first. Disable removes every
 * linkname entry with its action item and exactly one separator, so
 * disable(enable(text)) == text byte for byte.
 *
 * A text the module does not fully understand is refused, never guessed
 * at: no hosts line, two of them, a backslash at the end of the hosts line,
 * a hosts line without ':', an action item glibc would reject, an entry
 * with odd characters, a NUL byte. */
#ifndef LINKNAME_NSSCONF_H
#define LINKNAME_NSSCONF_H

#include <stddef.h>

#define NSSCONF_SERVICE		"linkname"
#define NSSCONF_MAX_SIZE	(1024 * 1024)	/* larger texts are refused */
#define NSSCONF_MAX_ENTRIES	64		/* services on the hosts line */

enum nssconf_result {
	NSSCONF_REFUSED   = -1,	/* not understood or unsafe; reason in msg */
	NSSCONF_UNCHANGED = 0,	/* already as asked; *out is a copy of in */
	NSSCONF_CHANGED   = 1,
};

/* in[0..len) is the whole file. On success *out is a malloc'd result of
 * *outlen octets (plus a NUL not counted) and msg says what was done; on
 * NSSCONF_REFUSED *out is NULL and msg says why. Out of memory is reported
 * as a refusal. msg may be NULL. */
int nssconf_enable(const char *in, size_t len, char **out, size_t *outlen,
		   char *msg, size_t msglen);
int nssconf_disable(const char *in, size_t len, char **out, size_t *outlen,
		    char *msg, size_t msglen);

/* 1 if the hosts line lists linkname, 0 if not, -1 if the text is not
 * understood. msg gets "line N: <the hosts line>" or the reason. */
int nssconf_status(const char *in, size_t len, char *msg, size_t msglen);

/* One service of the hosts line as glibc reads it, for linknamectl doctor. */
struct nssconf_service {
	char name[64];		/* longer names are cut (glibc would not load them) */
	char action[128];	/* the action item inside "[...]", "" if none */
};

/* The hosts line's services in order, at most max of them: returns how
 * many, with *lineno the line's number and msg "line N: <the line>"; or
 * -1 if the text is not understood (msg says why). */
int nssconf_services(const char *in, size_t len, struct nssconf_service *out, size_t max,
		     size_t *lineno, char *msg, size_t msglen);

#endif
