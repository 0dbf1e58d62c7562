/* nssconf_cli: linknamectl nss enable|disable|status (see nssconf_cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nssconf.h"
#include "nssconf_cli.h"

static void nssconf_cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: linknamectl nss enable|disable|status [--file PATH] [--dry-run]\n"
		"Put linkname into the hosts line of nsswitch.conf, take it out, or show it.\n\n"
		"  enable     add linkname after files (before dns, mdns*, resolve); idempotent\n"
		"  disable    remove linkname again; reverses enable byte for byte\n"
		"  status     show the hosts line; exit 0 if linkname is in it\n\n"
		"  -f, --file PATH   the file to edit (default %s)\n"
		"  -n, --dry-run     show the new hosts line, change nothing\n\n"
		"Before a change the file is copied to PATH%s.\n"
		"Exit status: 0 done or nothing to do, 1 refused or failed, 2 usage error.\n",
		NSSCONF_DEFAULT_PATH, NSSCONF_BACKUP_SUFFIX);
}

/* The whole of path, which must be a regular file (not a symlink: renaming
 * over one would replace the link, not the file it points to). */
static int nssconf_cli_read(const char *path, char **buf, size_t *len, struct stat *st)
{
	ssize_t n;
	int fd;

	*buf = NULL;
	*len = 0;
	if (lstat(path, st) < 0) {
		fprintf(stderr, "linknamectl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t t = readlink(path, target, sizeof(target) - 1);

		target[t < 0 ? 0 : t] = '\0';
		fprintf(stderr, "linknamectl: %s is a symbolic link (to %s); edit the file "
			"itself with --file\n", path, target);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		fprintf(stderr, "linknamectl: %s is not a regular file\n", path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		fprintf(stderr, "linknamectl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* One octet more than allowed, so an oversized file is seen as such. */
	*buf = malloc(NSSCONF_MAX_SIZE + 1);
	if (!*buf) {
		close(fd);
		fprintf(stderr, "linknamectl: out of memory\n");
		return -1;
	}
	while (*len < NSSCONF_MAX_SIZE + 1 &&
	       (n = read(fd, *buf + *len, NSSCONF_MAX_SIZE + 1 - *len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "linknamectl: %s: %s\n", path, strerror(errno));
			close(fd);
			free(*buf);
			*buf = NULL;
			return -1;
		}
		*len += (size_t)n;
	}
	close(fd);
	return 0;
}

static int nssconf_cli_write_fd(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return fsync(fd);
}

static void nssconf_cli_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* path := data, with the mode and owner in st. Written to a temporary file
 * next to it and renamed over it, so a reader sees the old file or the new
 * one, never half of one. A bind-mounted file cannot be renamed over
 * (EBUSY): that one is rewritten in place. *inplace says which happened. */
static int nssconf_cli_write(const char *path, const char *data, size_t len,
			     const struct stat *st, bool *inplace)
{
	char tmp[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd, n;

	*inplace = false;
	base = base ? base + 1 : path;
	n = snprintf(tmp, sizeof(tmp), "%.*s.%s.linkname-XXXXXX", (int)(base - path), path, base);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "linknamectl: %s: path too long\n", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "linknamectl: cannot create a file next to %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
	    nssconf_cli_write_fd(fd, data, len) < 0) {
		fprintf(stderr, "linknamectl: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "linknamectl: %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == 0) {
		nssconf_cli_sync_dir(path);
		return 0;
	}
	if (errno != EBUSY && errno != EXDEV) {
		fprintf(stderr, "linknamectl: cannot rename %s to %s: %s\n", tmp, path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	*inplace = true;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || nssconf_cli_write_fd(fd, data, len) < 0) {
		fprintf(stderr, "linknamectl: %s: %s%s\n", path, strerror(errno),
			fd < 0 ? "" : " (the file may now be incomplete: restore it from the backup)");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "linknamectl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The hosts line of text, for showing what the file now says. */
static void nssconf_cli_show(const char *text, size_t len)
{
	char line[256];

	if (nssconf_status(text, len, line, sizeof(line)) >= 0)
		printf("  %s\n", line);
}

static int nssconf_cli_status(const char *path, const char *buf, size_t len)
{
	char msg[512];
	int r = nssconf_status(buf, len, msg, sizeof(msg));

	if (r < 0) {
		fprintf(stderr, "linknamectl: %s: %s\n", path, msg);
		return NSSCONF_EXIT_REFUSED;
	}
	printf("linkname is %s in %s\n  %s\n", r ? "enabled" : "not enabled", path, msg);
	return r ? NSSCONF_EXIT_OK : NSSCONF_EXIT_REFUSED;
}

int nssconf_cli(int argc, char **argv)
{
	const char *action = NULL, *path = NSSCONF_DEFAULT_PATH;
	char *buf = NULL, *out = NULL, msg[512], bak[PATH_MAX];
	bool dry = false, inplace;
	size_t len, outlen;
	struct stat st;
	int i, r, rc = NSSCONF_EXIT_REFUSED;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			nssconf_cli_usage(stdout);
			return NSSCONF_EXIT_OK;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--dry-run")) {
			dry = true;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--file")) {
			if (++i == argc || !argv[i][0]) {
				fprintf(stderr, "linknamectl: %s needs a PATH\n", a);
				return NSSCONF_EXIT_USAGE;
			}
			path = argv[i];
		} else if (!strncmp(a, "--file=", 7) && a[7]) {
			path = a + 7;
		} else if (a[0] == '-' || action) {
			fprintf(stderr, "linknamectl: nss: unexpected argument '%s'\n", a);
			nssconf_cli_usage(stderr);
			return NSSCONF_EXIT_USAGE;
		} else {
			action = a;
		}
	}
	if (!action || (strcmp(action, "enable") && strcmp(action, "disable") &&
			strcmp(action, "status"))) {
		nssconf_cli_usage(stderr);
		return NSSCONF_EXIT_USAGE;
	}
	r = snprintf(bak, sizeof(bak), "%s%s", path, NSSCONF_BACKUP_SUFFIX);
	if (r < 0 || (size_t)r >= sizeof(bak)) {
		fprintf(stderr, "linknamectl: %s: path too long\n", path);
		return NSSCONF_EXIT_USAGE;
	}
	if (nssconf_cli_read(path, &buf, &len, &st) < 0)
		return NSSCONF_EXIT_REFUSED;
	if (!strcmp(action, "status")) {
		rc = nssconf_cli_status(path, buf, len);
		goto out;
	}
	if (!strcmp(action, "enable"))
		r = nssconf_enable(buf, len, &out, &outlen, msg, sizeof(msg));
	else
		r = nssconf_disable(buf, len, &out, &outlen, msg, sizeof(msg));
	if (r == NSSCONF_REFUSED) {
		fprintf(stderr, "linknamectl: %s: %s; nothing changed\n", path, msg);
		goto out;
	}
	if (r == NSSCONF_UNCHANGED) {
		printf("%s: %s; nothing to do\n", path, msg);
		rc = NSSCONF_EXIT_OK;
		goto out;
	}
	if (dry) {
		printf("%s: dry run, nothing changed; would have %s:\n", path, msg);
		nssconf_cli_show(out, outlen);
		rc = NSSCONF_EXIT_OK;
		goto out;
	}
	/* The backup first: if it cannot be written, the file is not touched. */
	if (nssconf_cli_write(bak, buf, len, &st, &inplace) < 0) {
		fprintf(stderr, "linknamectl: cannot write the backup %s; %s not changed\n", bak, path);
		goto out;
	}
	if (nssconf_cli_write(path, out, outlen, &st, &inplace) < 0)
		goto out;
	printf("%s: %s%s; the previous version is in %s\n", path, msg,
	       inplace ? " (rewritten in place: it is a mount point)" : "", bak);
	nssconf_cli_show(out, outlen);
	rc = NSSCONF_EXIT_OK;
out:
	free(buf);
	free(out);
	return rc;
}
