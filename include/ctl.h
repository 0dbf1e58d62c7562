/* ctl: what linknamectl's commands share (src/linknamectl.c,
 * ctl_monitor.c, ctl_doctor.c). */
#ifndef LINKNAME_CTL_H
#define LINKNAME_CTL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* Exit codes, documented in --help, linknamectl(1) and README.md. */
enum { EXIT_FOUND = 0, EXIT_NOTFOUND = 1, EXIT_USAGE = 2, EXIT_NODAEMON = 3 };

#define CTL_TIMEOUT_MS 2000

/* The name of ifindex, or "ifN" if it has none (any more). */
const char *ctl_ifname(uint32_t ifindex, char buf[IF_NAMESIZE]);
/* "cannot reach linknamed at PATH: ..." on stderr for client error err. */
void ctl_unreachable(const char *path, int err);

/* linknamectl monitor [-p] [-t] [-j]: argv[0] is "monitor". */
int ctl_monitor(const char *path, bool json, int argc, char **argv);
/* linknamectl doctor [-j] [--config PATH]: argv[0] is "doctor". */
int ctl_doctor(const char *path, bool json, int argc, char **argv);

#endif
