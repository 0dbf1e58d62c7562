/* privdrop: dropping root. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

uid_t privdrop_uid(const char *user)
{
	struct passwd *pw = user[0] ? getpwnam(user) : NULL;

	return pw ? pw->pw_uid : geteuid();
}

void privdrop_become(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		fatalx("user %s: %s", user, errno ? strerror(errno) : "no such user");
	if (geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return;
		fatalx("cannot become %s: not running as root", user);
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		fatal("cannot become %s", user);
	if (pw->pw_uid != 0 && setuid(0) == 0)
		fatalx("could regain root after becoming %s", user);
	log_info("running as %s (uid %u)", user, (unsigned int)pw->pw_uid);
}
