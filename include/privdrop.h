/* privdrop: becoming the configured user once everything privileged is done. */
#ifndef LINKNAME_PRIVDROP_H
#define LINKNAME_PRIVDROP_H

#include <sys/types.h>

/* The uid user would run as ("" or unknown: our effective uid): the key
 * file may belong to it. */
uid_t privdrop_uid(const char *user);
/* setgroups, setgid, setuid to user, and check root cannot be regained.
 * Fatal on any failure. */
void privdrop_become(const char *user);

#endif
