/* log: stderr in the foreground, syslog otherwise. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static bool log_foreground = true;
static bool log_journal;	/* stderr is the journal: it adds the name */
static bool log_verbose;
static const char *log_ident = "linknamed";

void log_init(const char *ident, bool foreground, bool verbose)
{
	log_ident = ident;
	log_foreground = foreground;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_vlog(int pri, const char *fmt, va_list ap, int err)
	__attribute__((format(printf, 2, 0)));
static void log_vlog(int pri, const char *fmt, va_list ap, int err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground && log_journal) {
		/* <N> is the syslog priority, which journald reads. */
		if (err)
			fprintf(stderr, "<%d>%s: %s\n", pri, msg, strerror(err));
		else
			fprintf(stderr, "<%d>%s\n", pri, msg);
	} else if (log_foreground) {
		if (err)
			fprintf(stderr, "%s: %s: %s\n", log_ident, msg, strerror(err));
		else
			fprintf(stderr, "%s: %s\n", log_ident, msg);
	} else {
		if (err)
			syslog(pri, "%s: %s", msg, strerror(err));
		else
			syslog(pri, "%s", msg);
	}
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, err);
	va_end(ap);
	errno = err;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
