/* options: linknamed's command line. Each value goes through the config
 * file's own parser, so both accept exactly the same things. */
#ifndef LINKNAME_OPTIONS_H
#define LINKNAME_OPTIONS_H

#include <stdbool.h>

#include "config.h"

struct options {
	struct config cli;		/* what the command line set (cli.set) */
	const char *config_path;
	bool config_explicit;		/* --config given: the file must exist */
	bool foreground;
	bool verbose;
};

/* Fills *o from argv. Exits 0 after --help or --version, 2 on a bad option. */
void options_parse(int argc, char **argv, struct options *o);

#endif
