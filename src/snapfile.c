/* snapfile: the daemon's snapshot file (see snapfile.h for the design). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapfile.h"

struct snapmap {
	int fd;				/* holds the OFD write lock */
	struct snap_header *h;
	size_t size;
	uint32_t nslots;
};

struct snapfile {
	/* In the same allocation, sized to fit (three PATH_MAX buffers were
	 * 12 kB of a daemon's heap for some 60 octets). */
	char *dir;
	char *path;			/* dir/net-INODE */
	char *tmp;			/* dir/net-INODE.new, renamed to path */
	bool growable;			/* we may create files in dir later */
	bool created_dir;
	struct snapmap cur, next;	/* next: being built, not yet in place */
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (rc < 0 && rc != -EBUSY && n + 2 < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(-rc));
	return rc;
}

const char *snapfile_dir(void)
{
	const char *env = secure_getenv(SNAP_DIR_ENV);

	return env && env[0] == '/' ? env : SNAP_DIR;
}

/* The whole file, locked for writing: readers test for this lock. */
static int lock_file(int fd, short type, int cmd, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	return fcntl(fd, cmd, fl);
}

static void unmap(struct snapmap *m)
{
	if (m->h)
		munmap(m->h, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->h = NULL;
	m->fd = -1;
}

/* A new, locked, empty snapshot of nslots slots at sf->tmp. */
static int create(struct snapfile *sf, uint32_t nslots, struct snapmap *m, char *err,
		  size_t errlen)
{
	struct flock fl;
	void *mem;
	int rc, tries;

	m->fd = -1;
	m->h = NULL;
	m->nslots = nslots;
	m->size = snap_size(nslots);
	for (tries = 0; tries < 2; tries++) {
		/* A leftover of a daemon killed while it wrote one. */
		if (unlink(sf->tmp) < 0 && errno != ENOENT)
			return fail(err, errlen, -errno, "cannot remove %s", sf->tmp);
		m->fd = open(sf->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		/* Another daemon's exit may just have removed an empty dir. */
		if (m->fd >= 0 || errno != ENOENT || mkdir(sf->dir, 0755) < 0)
			break;
		chmod(sf->dir, 0755);
	}
	if (m->fd < 0)
		return fail(err, errlen, -errno, "cannot create %s", sf->tmp);
	/* Whatever the umask (systemd's UMask=0077): every program reads it. */
	if (fchmod(m->fd, 0644) < 0 || ftruncate(m->fd, (off_t)m->size) < 0) {
		rc = fail(err, errlen, -errno, "cannot size %s", sf->tmp);
		goto bad;
	}
	mem = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (mem == MAP_FAILED) {
		rc = fail(err, errlen, -errno, "cannot map %s", sf->tmp);
		goto bad;
	}
	m->h = mem;
	snap_init(mem, m->size, nslots);
	if (lock_file(m->fd, F_WRLCK, F_OFD_SETLK, &fl) < 0) {
		rc = fail(err, errlen, -errno, "cannot lock %s", sf->tmp);
		goto bad;
	}
	return 0;
bad:
	unmap(m);
	unlink(sf->tmp);
	return rc;
}

/* What is at sf->path now: nothing, a dead daemon's leftover (marked
 * replaced, so its readers look again at once), or a live daemon's file. */
static int take_over(struct snapfile *sf, char *err, size_t errlen)
{
	struct flock fl;
	struct stat st;
	void *mem;
	int fd;

	fd = open(sf->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == EACCES)
		fd = open(sf->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	/* Nothing there, or not a file of ours (a symbolic link): the new
	 * file is renamed over it, which replaces the link, not its target. */
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? 0 :
		       fail(err, errlen, -errno, "cannot open %s", sf->path);
	if (lock_file(fd, F_RDLCK, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
		close(fd);
		return fail(err, errlen, -EBUSY, "another linknamed publishes its table in %s "
			    "(one daemon per network namespace)", sf->path);
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(struct snap_header)) {
		mem = mmap(NULL, sizeof(struct snap_header), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mem != MAP_FAILED) {
			if (((struct snap_header *)mem)->magic == SNAP_MAGIC)
				snap_set_state(mem, SNAP_REPLACED);
			munmap(mem, sizeof(struct snap_header));
		}
	}
	close(fd);
	return 0;
}

static uint32_t slots_at_least(size_t n)
{
	uint32_t slots = SNAP_MIN_SLOTS;

	while (slots < n && slots < SNAP_MAX_SLOTS)
		slots <<= 1;
	return slots;
}

static int snapfile_netns(char name[SNAP_NAME_MAX])
{
	char link[64];
	uint64_t ino;
	ssize_t n = readlink("/proc/self/ns/net", link, sizeof(link));

	if (n < 0)
		return -errno;
	return snap_file_name(link, (size_t)n, &ino, name) < 0 ? -EPROTO : 0;
}

int snapfile_open(struct snapfile **out, const char *dir, uid_t owner, size_t max_entries,
		  char *err, size_t errlen)
{
	char name[SNAP_NAME_MAX];
	struct snapfile *sf;
	size_t dlen, plen;
	struct stat st;
	int rc;

	*out = NULL;
	if (dir[0] != '/' || strlen(dir) + 1 + SNAP_NAME_MAX + 4 >= PATH_MAX)
		return fail(err, errlen, -EINVAL, "bad snapshot directory '%s'", dir);
	rc = snapfile_netns(name);
	if (rc < 0)
		return fail(err, errlen, rc, "cannot tell the network namespace (/proc/self/ns/net)");
	dlen = strlen(dir) + 1;
	plen = dlen + strlen(name) + 1;
	sf = calloc(1, sizeof(*sf) + dlen + 2 * plen + 4);
	if (!sf)
		return fail(err, errlen, -ENOMEM, "snapshot");
	sf->cur.fd = sf->next.fd = -1;
	sf->dir = (char *)(sf + 1);
	sf->path = sf->dir + dlen;
	sf->tmp = sf->path + plen;
	snprintf(sf->dir, dlen, "%s", dir);
	snprintf(sf->path, plen, "%s/%s", dir, name);
	snprintf(sf->tmp, plen + 4, "%s/%s.new", dir, name);

	if (mkdir(dir, 0755) == 0) {
		sf->created_dir = true;
		/* Given to the user we will run as, so it can replace files. */
		if (chmod(dir, 0755) < 0 || (geteuid() == 0 && owner != 0 && chown(dir, owner, (gid_t)-1) < 0)) {
			rc = fail(err, errlen, -errno, "cannot set up %s", dir);
			goto bad;
		}
	} else if (errno != EEXIST) {
		rc = fail(err, errlen, -errno, "cannot create %s", dir);
		goto bad;
	}
	if (lstat(dir, &st) < 0) {
		rc = fail(err, errlen, -errno, "%s", dir);
		goto bad;
	}
	/* What the NSS module would refuse, refused here with a reason. */
	if (!S_ISDIR(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st.st_mode & 0005) != 0005) {
		rc = fail(err, errlen, -EPERM, "%s must be a directory that everyone may search and "
			  "only its owner may write (mode %04o)", dir, (unsigned)(st.st_mode & 07777));
		goto bad;
	}
	sf->growable = owner == 0 || st.st_uid == owner;
	rc = take_over(sf, err, errlen);
	if (rc < 0)
		goto bad;
	rc = create(sf, sf->growable ? SNAP_MIN_SLOTS : slots_at_least(max_entries), &sf->cur,
		    err, errlen);
	if (rc < 0)
		goto bad;
	if (rename(sf->tmp, sf->path) < 0) {
		rc = fail(err, errlen, -errno, "cannot publish %s", sf->path);
		unmap(&sf->cur);
		unlink(sf->tmp);
		goto bad;
	}
	*out = sf;
	return 0;
bad:
	if (sf->created_dir)
		rmdir(dir);
	free(sf);
	return rc;
}

struct snap_header *snapfile_begin(struct snapfile *sf, size_t entries)
{
	uint32_t want = snap_slots_for(entries);
	char err[256];

	if (sf->next.h) {
		/* A replacement begun and never published: start it over. */
		unmap(&sf->next);
		unlink(sf->tmp);
	}
	if (sf->growable && (entries > sf->cur.nslots ||
			     (sf->cur.nslots > SNAP_MIN_SLOTS && want <= sf->cur.nslots / 4)) &&
	    create(sf, want, &sf->next, err, sizeof(err)) == 0) {
		snap_begin(sf->next.h);
		return sf->next.h;
	}
	/* Same size, or a new file could not be made: what does not fit is
	 * left out (snap_add says so) until a later rebuild succeeds. */
	snap_begin(sf->cur.h);
	return sf->cur.h;
}

/* The half readers just left holds nothing they will read again: its
 * pages go back (a hole reads as zeros) until the next rebuild writes it,
 * so between rebuilds the snapshot costs one half. Best effort: where a
 * hole cannot be punched the half just stays. */
static void release_idle_half(const struct snapmap *m)
{
	uint64_t off, len;

	snap_idle_half(m->h, &off, &len);
	(void)fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

int snapfile_publish(struct snapfile *sf, char *err, size_t errlen)
{
	if (!sf->next.h) {
		snap_publish(sf->cur.h);
		release_idle_half(&sf->cur);
		return 0;
	}
	snap_publish(sf->next.h);
	release_idle_half(&sf->next);
	if (rename(sf->tmp, sf->path) < 0) {
		int rc = fail(err, errlen, -errno, "cannot replace %s", sf->path);

		unmap(&sf->next);
		unlink(sf->tmp);
		return rc;
	}
	/* Readers of the old file move to the new one at their next lookup;
	 * closing it drops its lock. */
	snap_set_state(sf->cur.h, SNAP_REPLACED);
	unmap(&sf->cur);
	sf->cur = sf->next;
	sf->next.fd = -1;
	sf->next.h = NULL;
	return 0;
}

uint32_t snapfile_slots(const struct snapfile *sf)
{
	return sf->cur.nslots;
}

const char *snapfile_path(const struct snapfile *sf)
{
	return sf->path;
}

void snapfile_close(struct snapfile *sf)
{
	struct stat a, b;

	if (!sf)
		return;
	snap_set_state(sf->cur.h, SNAP_WITHDRAWN);
	/* Only our own file: never a successor's that took its place. */
	if (stat(sf->path, &a) == 0 && fstat(sf->cur.fd, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		unlink(sf->path);
	if (sf->next.h)
		unlink(sf->tmp);
	unmap(&sf->next);
	unmap(&sf->cur);
	if (sf->created_dir)
		rmdir(sf->dir);		/* only if empty: other namespaces' files stay */
	free(sf);
}
