/* activation: everything linknamed says to or takes from systemd (socket
 * activation and sd_notify readiness), in one file, spoken through
 * sdnotify.h. */
#ifndef LINKNAME_ACTIVATION_H
#define LINKNAME_ACTIVATION_H

#include <stddef.h>

/* The listening query socket systemd passed (linknamed.socket), made
 * non-blocking and close-on-exec; -1 if none. Fatal if it passed others. */
int activation_socket(void);
/* READY=1, with a status line. */
void activation_ready(const char *name, size_t nlinks);
void activation_reloading(void);
void activation_stopping(void);

#endif
