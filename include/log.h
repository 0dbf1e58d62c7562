/* log: stderr in the foreground, syslog otherwise. log_warn appends
 * strerror(errno); the x forms do not; fatal* exit(1). */
#ifndef LINKNAME_LOG_H
#define LINKNAME_LOG_H

#include <stdbool.h>

void log_init(const char *ident, bool foreground, bool verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
