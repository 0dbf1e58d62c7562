/* nssconf: edit the hosts line of nsswitch.conf text (see nssconf.h).
 *
 * The grammar followed is glibc's (nss/nss_database.c, nss_action_parse.c):
 * a line is "<database> ':' <service> ['[' ['!']STATUS=ACTION ... ']'] ...",
 * database names are case-sensitive, blanks include '\r', and there is no
 * line continuation. '#' starts a comment here as it does for a human
 * reader and in older glibc (2.33+ reads text after '#' on a service line
 * as more service names, which fail to load and are skipped). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nssconf.h"

struct nssconf_entry {
	size_t start;		/* first octet of the service name */
	size_t name_end;	/* one past the name */
	size_t end;		/* one past the name or its action item */
};

struct nssconf_hosts {
	size_t lineno;		/* 1-based */
	size_t line_start;
	size_t line_end;	/* at the '\n' or the end of the text */
	size_t n;
	struct nssconf_entry e[NSSCONF_MAX_ENTRIES];
};

static void nssconf_msg(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void nssconf_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* glibc's isspace() in the C locale, minus '\n' which ends the line. */
static bool nssconf_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool nssconf_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static size_t nssconf_skip_blanks(const char *t, size_t i, size_t end)
{
	while (i < end && nssconf_blank(t[i]))
		i++;
	return i;
}

static bool nssconf_word_is(const char *t, size_t start, size_t end, const char *w)
{
	size_t n = strlen(w);

	return end - start == n && !memcmp(t + start, w, n);
}

static bool nssconf_is_linkname(const char *t, const struct nssconf_entry *e)
{
	return nssconf_word_is(t, e->start, e->name_end, NSSCONF_SERVICE);
}

/* Services that ask the network: linkname, which answers from memory,
 * belongs before them. */
static bool nssconf_is_network(const char *t, const struct nssconf_entry *e)
{
	static const char *const net[] = {
		"dns", "resolve", "wins", "nis", "nisplus", "ldap", "hesiod",
	};
	size_t i;

	for (i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (nssconf_word_is(t, e->start, e->name_end, net[i]))
			return true;
	return e->name_end - e->start >= 4 && !memcmp(t + e->start, "mdns", 4);
}

static bool nssconf_ci_word(const char *t, size_t start, size_t end, const char *w)
{
	size_t n = strlen(w);

	return end - start == n && !strncasecmp(t + start, w, n);
}

/* The inside of an action item, t[i..end) between '[' and ']': one or more
 * ['!']STATUS '=' ACTION, blanks allowed around '=' and between pairs,
 * words case-insensitive; exactly what glibc accepts. */
static bool nssconf_action_ok(const char *t, size_t i, size_t end)
{
	size_t w;
	int pairs = 0;

	for (;;) {
		i = nssconf_skip_blanks(t, i, end);
		if (i == end)
			return pairs > 0;
		if (t[i] == '!')
			i++;
		for (w = i; i < end && !nssconf_blank(t[i]) && t[i] != '='; i++)
			;
		if (!nssconf_ci_word(t, w, i, "SUCCESS") && !nssconf_ci_word(t, w, i, "NOTFOUND") &&
		    !nssconf_ci_word(t, w, i, "UNAVAIL") && !nssconf_ci_word(t, w, i, "TRYAGAIN"))
			return false;
		i = nssconf_skip_blanks(t, i, end);
		if (i == end || t[i] != '=')
			return false;
		i = nssconf_skip_blanks(t, i + 1, end);
		for (w = i; i < end && !nssconf_blank(t[i]) && t[i] != '='; i++)
			;
		if (!nssconf_ci_word(t, w, i, "RETURN") && !nssconf_ci_word(t, w, i, "CONTINUE") &&
		    !nssconf_ci_word(t, w, i, "MERGE"))
			return false;
		pairs++;
	}
}

/* The services of the hosts line, t[i..end) after its ':' with any comment
 * already cut off. */
static int nssconf_parse_entries(const char *t, size_t i, size_t end, struct nssconf_hosts *h,
				 char *msg, size_t msglen)
{
	size_t close;

	h->n = 0;
	for (;;) {
		struct nssconf_entry *e;

		i = nssconf_skip_blanks(t, i, end);
		if (i == end)
			return 0;
		if (t[i] == '[') {
			nssconf_msg(msg, msglen, "line %zu: an action item '[...]' with no service "
				    "before it", h->lineno);
			return -1;
		}
		if (h->n == NSSCONF_MAX_ENTRIES) {
			nssconf_msg(msg, msglen, "line %zu: more than %d services on the hosts line",
				    h->lineno, NSSCONF_MAX_ENTRIES);
			return -1;
		}
		e = &h->e[h->n++];
		e->start = i;
		while (i < end && !nssconf_blank(t[i]) && t[i] != '[') {
			if (!nssconf_name_char(t[i])) {
				nssconf_msg(msg, msglen, "line %zu: unexpected character '%c' in a "
					    "service name", h->lineno, t[i]);
				return -1;
			}
			i++;
		}
		e->name_end = e->end = i;
		i = nssconf_skip_blanks(t, i, end);
		if (i == end || t[i] != '[')
			continue;
		for (close = i + 1; close < end && t[close] != ']'; close++)
			;
		if (close == end) {
			nssconf_msg(msg, msglen, "line %zu: action item after '%.*s' has no closing ']'",
				    h->lineno, (int)(e->name_end - e->start), t + e->start);
			return -1;
		}
		if (!nssconf_action_ok(t, i + 1, close)) {
			nssconf_msg(msg, msglen, "line %zu: action item '%.*s' is not "
				    "[STATUS=ACTION ...] as glibc reads it", h->lineno,
				    (int)(close + 1 - i), t + i);
			return -1;
		}
		e->end = i = close + 1;
	}
}

/* Finds the one hosts line and splits it into entries. */
static int nssconf_parse(const char *t, size_t len, struct nssconf_hosts *h, char *msg,
			 size_t msglen)
{
	size_t off = 0, lineno = 0, found = 0, i, end, last;
	const char *nl;

	memset(h, 0, sizeof(*h));
	if (len > NSSCONF_MAX_SIZE) {
		nssconf_msg(msg, msglen, "larger than %d octets: not an nsswitch.conf", NSSCONF_MAX_SIZE);
		return -1;
	}
	if (memchr(t, '\0', len)) {
		nssconf_msg(msg, msglen, "contains a NUL octet: not an nsswitch.conf");
		return -1;
	}
	while (off < len) {
		size_t start = off, name;

		nl = memchr(t + off, '\n', len - off);
		end = nl ? (size_t)(nl - t) : len;
		off = nl ? end + 1 : len;
		lineno++;
		/* As glibc: leading blanks, then the name up to a blank or ':'. */
		i = nssconf_skip_blanks(t, start, end);
		for (name = i; i < end && !nssconf_blank(t[i]) && t[i] != ':'; i++)
			;
		if (!nssconf_word_is(t, name, i, "hosts"))
			continue;
		if (found++) {
			nssconf_msg(msg, msglen, "two hosts lines (%zu and %zu); glibc uses only the "
				    "last one: merge them by hand first", h->lineno, lineno);
			return -1;
		}
		h->lineno = lineno;
		h->line_start = start;
		h->line_end = end;
	}
	if (!found) {
		nssconf_msg(msg, msglen, "no hosts line (glibc then uses its default, "
			    "\"dns [!UNAVAIL=return] files\"): add one, e.g. \"hosts: files dns\", first");
		return -1;
	}
	/* Back to the hosts line: "hosts" [blanks] ':' entries ['#' comment]. */
	end = h->line_end;
	for (last = end; last > h->line_start && nssconf_blank(t[last - 1]); last--)
		;
	if (last > h->line_start && t[last - 1] == '\\') {
		nssconf_msg(msg, msglen, "line %zu: the hosts line ends with '\\', but nsswitch.conf "
			    "has no line continuation: join the lines by hand first", h->lineno);
		return -1;
	}
	i = nssconf_skip_blanks(t, h->line_start, end) + strlen("hosts");
	i = nssconf_skip_blanks(t, i, end);
	if (i == end || t[i] != ':') {
		nssconf_msg(msg, msglen, "line %zu: no ':' after \"hosts\"", h->lineno);
		return -1;
	}
	i = nssconf_skip_blanks(t, i + 1, end);
	if (i < end && t[i] == ':') {
		nssconf_msg(msg, msglen, "line %zu: more than one ':' after \"hosts\"", h->lineno);
		return -1;
	}
	nl = memchr(t + i, '#', end - i);
	return nssconf_parse_entries(t, i, nl ? (size_t)(nl - t) : end, h, msg, msglen);
}

/* The hosts line for messages: without '\r', at most 200 octets. */
static void nssconf_describe(const char *t, const struct nssconf_hosts *h, char *msg,
			     size_t msglen)
{
	size_t end = h->line_end;
	int n;

	while (end > h->line_start && t[end - 1] == '\r')
		end--;
	n = (int)(end - h->line_start > 200 ? 200 : end - h->line_start);
	nssconf_msg(msg, msglen, "line %zu: %.*s", h->lineno, n, t + h->line_start);
}

/* A separator like the line's own: only spaces and tabs are copied. */
static void nssconf_sep(const char *t, size_t from, size_t to, const char **sep, size_t *seplen)
{
	size_t i;

	*sep = " ";
	*seplen = 1;
	if (to <= from)
		return;
	for (i = from; i < to; i++)
		if (t[i] != ' ' && t[i] != '\t')
			return;
	*sep = t + from;
	*seplen = to - from;
}

/* out = in[0..at) + a + b + in[at..len). */
static char *nssconf_splice(const char *in, size_t len, size_t at, size_t cut,
			    const char *a, size_t alen, const char *b, size_t blen, size_t *outlen)
{
	size_t n = len - cut + alen + blen;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	memcpy(out, in, at);
	memcpy(out + at, a, alen);
	memcpy(out + at + alen, b, blen);
	memcpy(out + at + alen + blen, in + at + cut, len - at - cut);
	out[n] = '\0';
	*outlen = n;
	return out;
}

static int nssconf_copy(const char *in, size_t len, char **out, size_t *outlen)
{
	*out = nssconf_splice(in, len, 0, 0, "", 0, "", 0, outlen);
	return *out ? NSSCONF_UNCHANGED : NSSCONF_REFUSED;
}

int nssconf_enable(const char *in, size_t len, char **out, size_t *outlen, char *msg,
		   size_t msglen)
{
	static const char svc[] = NSSCONF_SERVICE;
	struct nssconf_hosts h;
	const struct nssconf_entry *e;
	const char *sep;
	size_t i, k, seplen;
	int files = -1, net = -1;
	char where[96];

	*out = NULL;
	*outlen = 0;
	if (nssconf_parse(in, len, &h, msg, msglen) < 0)
		return NSSCONF_REFUSED;
	e = h.e;
	for (i = 0; i < h.n; i++) {
		if (nssconf_is_linkname(in, &e[i])) {
			nssconf_msg(msg, msglen, "linkname is already in the hosts line (line %zu)",
				    h.lineno);
			if (nssconf_copy(in, len, out, outlen) < 0)
				goto nomem;
			return NSSCONF_UNCHANGED;
		}
		if (files < 0 && nssconf_word_is(in, e[i].start, e[i].name_end, "files"))
			files = (int)i;
		if (net < 0 && nssconf_is_network(in, &e[i]))
			net = (int)i;
	}
	if (h.n == 0) {
		nssconf_msg(msg, msglen, "line %zu: the hosts line lists no service (glibc then "
			    "uses its default, \"dns [!UNAVAIL=return] files\"): write one, e.g. "
			    "\"hosts: files dns\", first", h.lineno);
		return NSSCONF_REFUSED;
	}
	if (files >= 0 && (net < 0 || files < net)) {
		k = (size_t)files + 1;
		snprintf(where, sizeof(where), "after files");
	} else if (net >= 0) {
		k = (size_t)net;
		snprintf(where, sizeof(where), "before %.*s (%s)",
			 (int)(e[k].name_end - e[k].start), in + e[k].start,
			 files >= 0 ? "files comes only after it" : "there is no files entry");
	} else {
		k = 0;
		snprintf(where, sizeof(where), "first (there is no files entry)");
	}
	if (k < h.n) {
		/* "linkname" + the separator in use before e[k] (or after it). */
		if (k > 0)
			nssconf_sep(in, e[k - 1].end, e[k].start, &sep, &seplen);
		else if (h.n > 1)
			nssconf_sep(in, e[0].end, e[1].start, &sep, &seplen);
		else
			nssconf_sep(in, 0, 0, &sep, &seplen);
		*out = nssconf_splice(in, len, e[k].start, 0, svc, sizeof(svc) - 1, sep, seplen,
				      outlen);
	} else {
		/* After the last entry: separator + "linkname". */
		if (h.n > 1)
			nssconf_sep(in, e[h.n - 2].end, e[h.n - 1].start, &sep, &seplen);
		else
			nssconf_sep(in, 0, 0, &sep, &seplen);
		*out = nssconf_splice(in, len, e[h.n - 1].end, 0, sep, seplen, svc,
				      sizeof(svc) - 1, outlen);
	}
	if (!*out)
		goto nomem;
	nssconf_msg(msg, msglen, "added linkname %s on line %zu", where, h.lineno);
	return NSSCONF_CHANGED;
nomem:
	nssconf_msg(msg, msglen, "out of memory");
	return NSSCONF_REFUSED;
}

int nssconf_disable(const char *in, size_t len, char **out, size_t *outlen, char *msg,
		    size_t msglen)
{
	struct nssconf_hosts h;
	size_t i, j, count = 0, curlen = len, lineno;
	char *cur = NULL, *next;

	*out = NULL;
	*outlen = 0;
	if (nssconf_parse(in, len, &h, msg, msglen) < 0)
		return NSSCONF_REFUSED;
	lineno = h.lineno;
	for (i = 0; i < h.n; i++)
		count += nssconf_is_linkname(in, &h.e[i]);
	if (count == 0) {
		nssconf_msg(msg, msglen, "linkname is not in the hosts line (line %zu)", h.lineno);
		if (nssconf_copy(in, len, out, outlen) < 0)
			goto nomem;
		return NSSCONF_UNCHANGED;
	}
	if (count == h.n) {
		nssconf_msg(msg, msglen, "line %zu: linkname is the only service on the hosts line; "
			    "without it glibc would fall back to \"dns [!UNAVAIL=return] files\": "
			    "edit the line by hand", h.lineno);
		return NSSCONF_REFUSED;
	}
	/* One entry at a time, parsing again after each cut: the entry and the
	 * separator after it, or, for the last entry, the one before it. */
	for (i = 0; i < count; i++) {
		const char *t = cur ? cur : in;
		size_t from, to;

		if (nssconf_parse(t, curlen, &h, msg, msglen) < 0)
			goto fail;
		for (j = 0; j < h.n && !nssconf_is_linkname(t, &h.e[j]); j++)
			;
		if (j + 1 < h.n) {
			from = h.e[j].start;
			to = h.e[j + 1].start;
		} else {
			from = h.e[j - 1].end;
			to = h.e[j].end;
		}
		next = nssconf_splice(t, curlen, from, to - from, "", 0, "", 0, &curlen);
		if (!next)
			goto nomem;
		free(cur);
		cur = next;
	}
	*out = cur;
	*outlen = curlen;
	nssconf_msg(msg, msglen, "removed linkname from line %zu", lineno);
	return NSSCONF_CHANGED;
nomem:
	nssconf_msg(msg, msglen, "out of memory");
fail:
	free(cur);
	return NSSCONF_REFUSED;
}

int nssconf_status(const char *in, size_t len, char *msg, size_t msglen)
{
	struct nssconf_hosts h;
	size_t i;

	if (nssconf_parse(in, len, &h, msg, msglen) < 0)
		return -1;
	nssconf_describe(in, &h, msg, msglen);
	for (i = 0; i < h.n; i++)
		if (nssconf_is_linkname(in, &h.e[i]))
			return 1;
	return 0;
}

int nssconf_services(const char *in, size_t len, struct nssconf_service *out, size_t max,
		     size_t *lineno, char *msg, size_t msglen)
{
	struct nssconf_hosts h;
	size_t i, n;

	if (nssconf_parse(in, len, &h, msg, msglen) < 0)
		return -1;
	*lineno = h.lineno;
	for (i = 0; i < h.n && i < max; i++) {
		const struct nssconf_entry *e = &h.e[i];
		size_t a = e->name_end, b = e->end;

		n = e->name_end - e->start;
		snprintf(out[i].name, sizeof(out[i].name), "%.*s", (int)n, in + e->start);
		/* The action item without its brackets and outer blanks. */
		while (a < b && in[a] != '[')
			a++;
		if (a < b) {
			a++;
			b--;	/* at ']' */
		}
		a = nssconf_skip_blanks(in, a, b);
		while (b > a && nssconf_blank(in[b - 1]))
			b--;
		snprintf(out[i].action, sizeof(out[i].action), "%.*s", (int)(b - a), in + a);
	}
	nssconf_describe(in, &h, msg, msglen);
	return (int)i;
}
