/* keyfile: the key file, kept open across the privilege drop (keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"

/* Does path still name the kept file? 1 yes; 0 no (err says why); -1 we
 * cannot tell (a directory we may no longer search): the kept one is read. */
static int keyfile_same(const struct keyfile *kf, const char *path, char *err, size_t errlen)
{
	struct stat now, kept;
	unsigned int uid = (unsigned int)geteuid();

	if (fstat(kf->fd, &kept) < 0)
		return -1;
	if (lstat(path, &now) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return 0;
	}
	if (now.st_dev == kept.st_dev && now.st_ino == kept.st_ino)
		return 1;
	snprintf(err, errlen, "%s was replaced by a new file, which uid %u may not open: to rotate "
		 "keys without a restart, write the file in place (cat NEW >%s) or give it to "
		 "uid %u", path, uid, path, uid);
	return 0;
}

int keyfile_load(struct keyfile *kf, const char *path, uid_t owner, struct auth_keys *k,
		 bool *kept, char *err, size_t errlen)
{
	int fd, e;
	size_t n;

	*kept = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd >= 0) {
		if (auth_load_fd(fd, path, owner, k, err, errlen) < 0) {
			close(fd);
			return -1;
		}
		keyfile_close(kf);
		kf->fd = fd;
		snprintf(kf->path, sizeof(kf->path), "%s", path);
		return 0;
	}
	e = errno;
	/* Root's 0600 file, opened before privileges were dropped. */
	if ((e == EACCES || e == EPERM) && kf->fd >= 0 && !strcmp(kf->path, path)) {
		if (keyfile_same(kf, path, err, errlen) == 0)
			return -1;
		*kept = true;
		return auth_load_fd(kf->fd, path, owner, k, err, errlen);
	}
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	n = strlen(err);
	if (e == EACCES && geteuid() != 0 && n < errlen)
		snprintf(err + n, errlen - n, " (linknamed runs as uid %u now: a key file it did not "
			 "read at start-up must be readable by that uid)", (unsigned int)geteuid());
	return -1;
}

void keyfile_close(struct keyfile *kf)
{
	if (kf->fd >= 0)
		close(kf->fd);
	kf->fd = -1;
	kf->path[0] = '\0';
}
