/* Unit tests for the snapshot file: the daemon's side (src/snapfile.c)
 * and the NSS module's edge that finds, checks and maps it (src/nss_snap.c),
 * on real files in a temporary directory ($LINKNAME_RUNDIR), in this
 * process's network namespace. Cases that chown need root (make check runs
 * as root); they are skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nss_snap.h"
#include "snapfile.h"

/* What the module may keep mapped at most (NSS_SNAP_MAPS). */
#define NSS_SNAP_TEST_MAPS 16

static char dir[64];
static char path[128];

static struct in6_addr ll(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* The module's answer for name: 1, 0, or -err. */
static int ask(const char *name)
{
	struct query_request req;
	struct nss_conv_result res;
	int err = 0, r;

	memset(&req, 0, sizeof(req));
	req.op = QUERY_RESOLVE;
	req.name_len = (uint8_t)strlen(name);
	memcpy(req.name, name, req.name_len);
	errno = 1234;
	r = nss_snap_ask(&req, &res, &err);
	assert_int_equal(errno, 1234);		/* the caller's errno is kept */
	return r < 0 ? -err : r;
}

static void publish(struct snapfile *sf, size_t n)
{
	struct in6_addr a = ll("fe80::1");
	struct snap_header *h = snapfile_begin(sf, n);
	char name[16];
	size_t i;
	char err[256];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%zu", i);
		assert_true(snap_add(h, name, strlen(name), 2, &a, 1, UINT64_MAX, 0));
	}
	assert_int_equal(snapfile_publish(sf, err, sizeof(err)), 0);
}

static bool locked(const char *p)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	int fd = open(p, O_RDONLY);
	bool yes;

	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_OFD_GETLK, &fl), 0);
	yes = fl.l_type == F_WRLCK;
	close(fd);
	return yes;
}

/* Snapshot files of dir this process maps. */
static int mapped(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, dir))
			n++;
	fclose(f);
	return n;
}

static int setup(void **state)
{
	char name[SNAP_NAME_MAX], link[64];
	uint64_t ino;
	ssize_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_snapfile.%d", (int)getpid());
	setenv(SNAP_DIR_ENV, dir, 1);
	n = readlink("/proc/self/ns/net", link, sizeof(link));
	assert_true(n > 0);
	assert_int_equal(snap_file_name(link, (size_t)n, &ino, name), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return 0;
}

/* Whatever a failed test left behind. */
static int teardown(void **state)
{
	char p[160];
	const char *leftovers[] = { "", ".new", "real" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++) {
		if (i < 2)
			snprintf(p, sizeof(p), "%s%s", path, leftovers[i]);
		else
			snprintf(p, sizeof(p), "%s/%s", dir, leftovers[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static void test_name(void **state)
{
	char name[SNAP_NAME_MAX];
	uint64_t ino;

	(void)state;
	assert_int_equal(snap_file_name("net:[4026531840]", 16, &ino, name), 0);
	assert_true(ino == 4026531840u);
	assert_string_equal(name, "net-4026531840");
	assert_int_equal(snap_file_name("net:[]", 6, &ino, name), -1);
	assert_int_equal(snap_file_name("net:[0]", 7, &ino, name), -1);
	assert_int_equal(snap_file_name("mnt:[4026531840]", 16, &ino, name), -1);
	assert_int_equal(snap_file_name("net:[40265x1840]", 16, &ino, name), -1);
	assert_int_equal(snap_file_name("net:[4026531840", 15, &ino, name), -1);
	assert_int_equal(snap_file_name("net:[99999999999999999999]", 26, &ino, name), -1);
}

static void test_trust_rules(void **state)
{
	struct stat d, f;

	(void)state;
	memset(&d, 0, sizeof(d));
	memset(&f, 0, sizeof(f));
	d.st_mode = S_IFDIR | 0755;
	d.st_uid = 999;
	f.st_mode = S_IFREG | 0644;
	f.st_size = (off_t)snap_size(8);
	assert_int_equal(snap_file_trusted(&d, &f), 0);		/* root's file */
	f.st_uid = 999;
	assert_int_equal(snap_file_trusted(&d, &f), 0);		/* the dir owner's */
	f.st_uid = 1000;
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);	/* someone else's */
	f.st_uid = 0;
	f.st_mode = S_IFREG | 0664;
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	f.st_mode = S_IFREG | 0646;
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	f.st_mode = S_IFIFO | 0644;
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	f.st_mode = S_IFREG | 0600;
	d.st_mode = S_IFDIR | 01777;				/* like /tmp */
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	d.st_mode = S_IFDIR | 0775;
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	d.st_mode = S_IFLNK | 0777;
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	d.st_mode = S_IFDIR | 0755;
	f.st_dev = 7;						/* not in that dir */
	assert_int_equal(snap_file_trusted(&d, &f), -EPERM);
	f.st_dev = 0;
	f.st_size = 10;
	assert_int_equal(snap_file_trusted(&d, &f), -EPROTO);
	f.st_size = (off_t)snap_size(SNAP_MAX_SLOTS) + 1;
	assert_int_equal(snap_file_trusted(&d, &f), -EPROTO);
}

/* The daemon's file: created with its directory, 0644 whatever the umask,
 * locked, one per namespace, withdrawn and removed (with the directory it
 * made) on close. */
static void test_open_close(void **state)
{
	struct snapfile *sf, *sf2;
	struct stat st;
	char err[256];
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(snapfile_open(&sf, dir, 0, 100, err, sizeof(err)), 0);
	umask(old);
	assert_string_equal(snapfile_path(sf), path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_size, (off_t)snap_size(SNAP_MIN_SLOTS));
	assert_true(locked(path));
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(snapfile_open(&sf2, dir, 0, 100, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "one daemon per network namespace"));
	publish(sf, 2);
	assert_int_equal(ask("h1"), 1);
	assert_int_equal(ask("h5"), 0);
	snapfile_close(sf);
	/* Withdrawn: the mapping the module holds says so at once. */
	assert_int_equal(ask("h1"), -ENOENT);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(mapped(), 0);
}

/* Growing and shrinking replace the file; readers follow at once and the
 * replaced mappings are released; a killed daemon's leftover is taken
 * over. */
static void test_replace(void **state)
{
	struct snapfile *sf;
	struct stat st;
	ino_t first;
	char err[256];
	int i;

	(void)state;
	assert_int_equal(snapfile_open(&sf, dir, 0, 1000, err, sizeof(err)), 0);
	publish(sf, 2);
	assert_int_equal(ask("h1"), 1);
	assert_int_equal(stat(path, &st), 0);
	first = st.st_ino;
	publish(sf, 100);
	assert_true(snapfile_slots(sf) >= 100);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino != first);
	assert_int_equal(st.st_size, (off_t)snap_size(snapfile_slots(sf)));
	assert_true(locked(path));
	assert_int_equal(ask("h99"), 1);
	publish(sf, 3);
	assert_int_equal(snapfile_slots(sf), SNAP_MIN_SLOTS);
	assert_int_equal(ask("h99"), 0);
	assert_int_equal(ask("h2"), 1);
	for (i = 0; i < 50; i++) {
		publish(sf, i % 2 ? 2 : 40);
		assert_int_equal(ask("h1"), 1);
	}
	assert_true(mapped() <= 2);
	snapfile_close(sf);
	/* Released by the next lookup that sees it withdrawn. */
	assert_int_equal(ask("h1"), -ENOENT);
	assert_int_equal(mapped(), 0);
}

/* A writable snapshot at path, as a daemon that then dies or lies would
 * leave it; locked if lock. Returns its fd (the lock lives with it). */
static int plant(mode_t mode, bool lock, void (*spoil)(struct snap_header *h))
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct in6_addr a = ll("fe80::1");
	size_t size = snap_size(SNAP_MIN_SLOTS);
	struct snap_header *h;
	int fd;

	mkdir(dir, 0755);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(h != MAP_FAILED);
	snap_init(h, size, SNAP_MIN_SLOTS);
	snap_begin(h);
	snap_add(h, "h1", 2, 2, &a, 1, UINT64_MAX, 0);
	snap_publish(h);
	if (spoil)
		spoil(h);
	munmap(h, size);
	if (lock)
		assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
	return fd;
}

/* Make the module drop what it maps now: its header says replaced. */
static void drop(void)
{
	int fd = open(path, O_RDWR);
	struct snap_header *h;

	if (fd < 0)
		return;
	h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(h != MAP_FAILED);
	snap_set_state(h, SNAP_REPLACED);
	munmap(h, sizeof(*h));
	close(fd);
}

static void bad_magic(struct snap_header *h) { h->magic ^= 1; }
static void bad_slots(struct snap_header *h) { h->nslots = 4; }
static void withdrawn(struct snap_header *h) { snap_set_state(h, SNAP_WITHDRAWN); }

/* What the module refuses, and why. */
static void test_refused(void **state)
{
	int fd;

	(void)state;
	drop();
	unlink(path);
	mkdir(dir, 0755);
	assert_int_equal(ask("h1"), -ENOENT);			/* no daemon */

	fd = plant(0644, true, NULL);				/* the good case */
	assert_int_equal(ask("h1"), 1);
	drop();
	close(fd);
	fd = plant(0644, false, NULL);				/* its daemon died */
	assert_int_equal(ask("h1"), -ESRCH);
	close(fd);
	fd = plant(0664, true, NULL);				/* group may write */
	assert_int_equal(ask("h1"), -EPERM);
	close(fd);
	fd = plant(0644, true, bad_magic);
	assert_int_equal(ask("h1"), -EPROTO);
	close(fd);
	fd = plant(0644, true, bad_slots);
	assert_int_equal(ask("h1"), -EPROTO);
	close(fd);
	fd = plant(0644, true, withdrawn);
	assert_int_equal(ask("h1"), -ENOENT);
	close(fd);

	/* A directory that group or others may write. */
	fd = plant(0644, true, NULL);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(ask("h1"), -EPERM);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(ask("h1"), 1);
	drop();
	close(fd);

	/* A symbolic link or a FIFO in place of the file. */
	fd = plant(0644, true, NULL);
	{
		char real[160];

		snprintf(real, sizeof(real), "%s/real", dir);
		assert_int_equal(rename(path, real), 0);
		assert_int_equal(symlink(real, path), 0);
		assert_int_equal(ask("h1"), -EPERM);
		unlink(path);
		unlink(real);
	}
	close(fd);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(ask("h1"), -EPERM);
	unlink(path);

	/* Owned by someone else than root or the directory's owner. */
	if (geteuid() == 0) {
		fd = plant(0644, true, NULL);
		assert_int_equal(fchown(fd, 4321, 4321), 0);
		assert_int_equal(ask("h1"), -EPERM);
		assert_int_equal(chown(dir, 4321, 4321), 0);		/* the daemon's user */
		assert_int_equal(ask("h1"), 1);
		drop();
		assert_int_equal(chown(dir, 0, 0), 0);
		close(fd);
	}
	unlink(path);
	rmdir(dir);
}

/* A daemon killed with its file in place: noticed within the check interval
 * (500 ms), and its successor takes the file over. */
static void test_dead_daemon(void **state)
{
	struct snapfile *sf;
	char err[256];
	int fd;

	(void)state;
	fd = plant(0644, true, NULL);
	assert_int_equal(ask("h1"), 1);
	close(fd);					/* the lock goes with it */
	usleep(600 * 1000);
	assert_int_equal(ask("h1"), -ESRCH);
	assert_int_equal(snapfile_open(&sf, dir, 0, 100, err, sizeof(err)), 0);
	publish(sf, 3);
	assert_int_equal(ask("h2"), 1);
	snapfile_close(sf);
	assert_int_equal(ask("h2"), -ENOENT);
	rmdir(dir);
	assert_int_equal(mapped(), 0);
}

/* A daemon that will run as another user in a directory it does not own
 * (root's /run/linkname, say, and user = linkname): one file for life, big
 * enough for its table. */
static void test_fixed_size(void **state)
{
	struct snapfile *sf;
	struct stat st;
	ino_t first;
	char err[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(snapfile_open(&sf, dir, 4321, 1000, err, sizeof(err)), 0);
	assert_true(snapfile_slots(sf) >= 1000);
	assert_int_equal(stat(path, &st), 0);
	first = st.st_ino;
	publish(sf, 900);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino == first);
	assert_int_equal(ask("h899"), 1);
	snapfile_close(sf);
	assert_int_equal(stat(dir, &st), 0);		/* not ours to remove */
	rmdir(dir);
}

/* Readers in 8 threads while the daemon replaces its file as fast as it
 * can (growing and shrinking in turn): every answer is right, no reader
 * ever faults on a mapping released under it, and what stays mapped is
 * bounded. */
static atomic_int stress_stop;
static atomic_long stress_ok, stress_again, stress_wrong;

static void *stress_reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stress_stop)) {
		int r = ask("h1");

		if (r == 1)
			atomic_fetch_add(&stress_ok, 1);
		else if (r == -EAGAIN)
			atomic_fetch_add(&stress_again, 1);	/* replaced 3 times mid-lookup */
		else
			atomic_fetch_add(&stress_wrong, 1);
	}
	return NULL;
}

static void test_replace_under_readers(void **state)
{
	pthread_t t[8];
	struct snapfile *sf;
	char err[256];
	int i;

	(void)state;
	assert_int_equal(snapfile_open(&sf, dir, 0, 1000, err, sizeof(err)), 0);
	publish(sf, 2);
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stress_reader, NULL), 0);
	for (i = 0; i < 300; i++)
		publish(sf, i % 2 ? 2 : 40);
	atomic_store(&stress_stop, 1);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	print_message("%ld right answers, %ld EAGAIN, %ld wrong over 300 replacements\n",
		      atomic_load(&stress_ok), atomic_load(&stress_again), atomic_load(&stress_wrong));
	assert_int_equal(atomic_load(&stress_wrong), 0);
	assert_true(atomic_load(&stress_again) * 100 <= atomic_load(&stress_ok));
	assert_true(mapped() <= NSS_SNAP_TEST_MAPS);
	snapfile_close(sf);
	assert_int_equal(ask("h1"), -ENOENT);
	assert_int_equal(mapped(), 0);
}

/* Children forked while other threads are mid-lookup (the module takes no
 * lock a child could inherit held) look up and exit normally. */
static void test_fork_while_reading(void **state)
{
	pthread_t t[4];
	struct snapfile *sf;
	char err[256];
	int i, j, status;
	pid_t pid;

	(void)state;
	assert_int_equal(snapfile_open(&sf, dir, 0, 1000, err, sizeof(err)), 0);
	publish(sf, 2);
	atomic_store(&stress_stop, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stress_reader, NULL), 0);
	for (i = 0; i < 20; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(10);		/* a hang is a failure, not a stuck test */
			for (j = 0; j < 100; j++)
				if (ask("h1") != 1)
					_exit(1);
			_exit(0);
		}
		publish(sf, i % 2 ? 2 : 40);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	atomic_store(&stress_stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&stress_wrong), 0);
	snapfile_close(sf);
	assert_int_equal(ask("h1"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_trust_rules),
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dead_daemon),
		cmocka_unit_test(test_fixed_size),
		cmocka_unit_test(test_replace_under_readers),
		cmocka_unit_test(test_fork_while_reading),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
