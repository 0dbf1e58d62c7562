/* nssconf_cli: "linknamectl nss enable|disable|status [--file PATH]
 * [--dry-run]": the file side of nssconf. Reads the file (default
 * /etc/nsswitch.conf), and before changing it writes PATH.linkname-bak;
 * both are written through a temporary file in the same directory and
 * rename(2), keeping mode and owner, or rewritten in place when PATH is a
 * mount point (ip netns exec bind-mounts /etc/netns/NS/nsswitch.conf). */
#ifndef LINKNAME_NSSCONF_CLI_H
#define LINKNAME_NSSCONF_CLI_H

#define NSSCONF_DEFAULT_PATH	"/etc/nsswitch.conf"
#define NSSCONF_BACKUP_SUFFIX	".linkname-bak"

/* Exit codes. status: 0 enabled, 1 not enabled or not understood. */
enum {
	NSSCONF_EXIT_OK      = 0,	/* done, or nothing to do */
	NSSCONF_EXIT_REFUSED = 1,	/* file not understood, or cannot be read or written */
	NSSCONF_EXIT_USAGE   = 2,
};

/* argv[0] is the subcommand's own name ("nss"), argv[1] the action. Does
 * not use getopt, so the caller's getopt state does not matter. */
int nssconf_cli(int argc, char **argv);

#endif
