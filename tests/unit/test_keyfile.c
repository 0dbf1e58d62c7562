/* Unit tests for src/keyfile.c: the key file read as root at start-up and
 * again after the privilege drop. Root's 0600 file stays readable through
 * the descriptor kept from start-up while the path still names it (a key
 * rewritten in place); a file replaced or removed behind that descriptor is
 * refused with a reason, and the descriptor kept stays (keeping the keys in
 * force is reload's part: tests/netns/test_reload.sh). The drop is
 * played with seteuid(), which keeps the saved uid 0, so each case can
 * rewrite the file as root and read it as nobody; the cases need root (as
 * make check is run) and fail without it under CI=true. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keyfile.h"

#define NOBODY	65534

#define K1 "0101010101010101010101010101010101010101010101010101010101010101\n"
#define K2 "0202020202020202020202020202020202020202020202020202020202020202\n"

static char dir[] = "/tmp/test_keyfile.XXXXXX";
static char path[sizeof(dir) + 16];
static char other[sizeof(dir) + 16];

/* Write text into file as a new file of mode 0600, or in place (the same
 * inode, truncated: what `cat NEW >key` does). */
static void put(const char *file, const char *text, int in_place)
{
	int fd;

	if (!in_place)
		(void)unlink(file);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, 0600), 0);
	assert_int_equal(close(fd), 0);
}

static void as_nobody(void) { assert_int_equal(seteuid(NOBODY), 0); }
static void as_root(void) { assert_int_equal(seteuid(0), 0); }

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		const char *ci = getenv("CI");

		fprintf(stderr, "test_keyfile: needs root (the privilege drop is the case)\n");
		return ci && !strcmp(ci, "true") ? -1 : 0;
	}
	if (!mkdtemp(dir))
		return -1;
	/* Searchable by nobody, as /etc is: the daemon can still tell whether
	 * the path names the kept file. */
	if (chmod(dir, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/key", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	return 0;
}

/* Each case starts as root again, even after one failed as nobody. */
static int back_to_root(void **state)
{
	(void)state;
	return getuid() == 0 && seteuid(0) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char fresh[sizeof(path) + 4];

	if (!path[0])
		return 0;	/* not set up: not root */
	if (back_to_root(state) < 0)
		return -1;
	snprintf(fresh, sizeof(fresh), "%s.new", path);
	(void)unlink(path);
	(void)unlink(other);
	(void)unlink(fresh);
	(void)rmdir(dir);
	return 0;
}

static int skip_unless_root(void)
{
	if (getuid() != 0) {
		skip();
		return 1;
	}
	return 0;
}

static void assert_key(const struct auth_keys *k, unsigned int n, uint8_t octet)
{
	assert_int_equal(k->n, n);
	for (size_t i = 0; i < AUTH_KEY_LEN; i++)
		assert_int_equal(k->key[0][i], octet);
}

/* Every case starts from K1 in a new file at path, read as root. */
static void load_k1(struct keyfile *kf, struct auth_keys *k)
{
	char err[256] = "";
	bool kept = true;

	put(path, K1, 0);
	assert_int_equal(keyfile_load(kf, path, 0, k, &kept, err, sizeof(err)), 0);
	assert_false(kept);
}

/* As root the path is opened afresh every time, and that descriptor is the
 * one kept. */
static void test_root_reads_the_path(void **state)
{
	struct keyfile kf = KEYFILE_INIT;
	struct auth_keys k = { 0 };
	char err[256] = "";
	bool kept = true;
	int first;

	(void)state;
	if (skip_unless_root())
		return;
	load_k1(&kf, &k);		/* and not through a kept one */
	assert_true(kf.fd >= 0);
	assert_string_equal(kf.path, path);
	assert_key(&k, 1, 0x01);
	first = kf.fd;

	put(path, K2, 0);		/* a new file: root can open it */
	assert_int_equal(keyfile_load(&kf, path, 0, &k, &kept, err, sizeof(err)), 0);
	assert_false(kept);
	assert_key(&k, 1, 0x02);
	assert_int_not_equal(kf.fd, first);
	assert_true(fcntl(first, F_GETFD) < 0);		/* the old one closed */
	keyfile_close(&kf);
	assert_int_equal(kf.fd, -1);
	assert_string_equal(kf.path, "");
}

/* A bad file is refused with its reason; the kept descriptor stays. */
static void test_bad_file_keeps_what_was_kept(void **state)
{
	struct keyfile kf = KEYFILE_INIT;
	struct auth_keys k = { 0 };
	char err[256] = "";
	bool kept;
	int fd;

	(void)state;
	if (skip_unless_root())
		return;
	load_k1(&kf, &k);
	fd = kf.fd;
	put(path, "not a key\n", 1);
	assert_int_equal(keyfile_load(&kf, path, 0, &k, &kept, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(kf.fd, fd);
	keyfile_close(&kf);
}

/* After the drop, root's 0600 file cannot be opened, but the descriptor
 * kept from start-up is read again: a key rewritten in place rotates. */
static void test_rewritten_in_place_is_read_through_the_kept_one(void **state)
{
	struct keyfile kf = KEYFILE_INIT;
	struct auth_keys k = { 0 };
	char err[256] = "";
	bool kept = false;

	(void)state;
	if (skip_unless_root())
		return;
	load_k1(&kf, &k);

	as_nobody();
	assert_int_equal(open(path, O_RDONLY | O_CLOEXEC), -1);	/* the case itself */
	assert_int_equal(errno, EACCES);
	as_root();
	put(path, K2, 1);
	as_nobody();
	assert_int_equal(keyfile_load(&kf, path, 0, &k, &kept, err, sizeof(err)), 0);
	as_root();
	assert_true(kept);
	assert_key(&k, 1, 0x02);
	keyfile_close(&kf);
}

/* A key replaced by a new file (an editor's save, mv) is not the kept one:
 * refused, with what to do; the kept descriptor stays. */
static void test_replaced_file_is_refused(void **state)
{
	struct keyfile kf = KEYFILE_INIT;
	struct auth_keys k = { 0 };
	char err[512] = "", fresh[sizeof(path) + 4];
	bool kept = true;

	(void)state;
	if (skip_unless_root())
		return;
	load_k1(&kf, &k);
	snprintf(fresh, sizeof(fresh), "%s.new", path);
	put(fresh, K2, 0);
	assert_int_equal(rename(fresh, path), 0);

	as_nobody();
	assert_int_equal(keyfile_load(&kf, path, 0, &k, &kept, err, sizeof(err)), -1);
	as_root();
	assert_false(kept);
	assert_non_null(strstr(err, "was replaced by a new file"));
	assert_non_null(strstr(err, "uid 65534"));
	assert_true(kf.fd >= 0);
	assert_string_equal(kf.path, path);
	keyfile_close(&kf);
}

/* Removed: refused with the path's own error. */
static void test_removed_file_is_refused(void **state)
{
	struct keyfile kf = KEYFILE_INIT;
	struct auth_keys k = { 0 };
	char err[256] = "";
	bool kept;

	(void)state;
	if (skip_unless_root())
		return;
	load_k1(&kf, &k);
	assert_int_equal(unlink(path), 0);
	as_nobody();
	assert_int_equal(keyfile_load(&kf, path, 0, &k, &kept, err, sizeof(err)), -1);
	as_root();
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_true(kf.fd >= 0);
	keyfile_close(&kf);
}

/* A key file named only after the drop was never opened as root: nothing
 * is kept for it, and the error says which uid must be able to read it. */
static void test_other_path_after_drop_says_which_uid(void **state)
{
	struct keyfile kf = KEYFILE_INIT;
	struct auth_keys k = { 0 };
	char err[512] = "";
	bool kept;

	(void)state;
	if (skip_unless_root())
		return;
	load_k1(&kf, &k);
	put(other, K2, 0);
	as_nobody();
	assert_int_equal(keyfile_load(&kf, other, 0, &k, &kept, err, sizeof(err)), -1);
	as_root();
	assert_false(kept);
	assert_non_null(strstr(err, "runs as uid 65534 now"));
	assert_string_equal(kf.path, path);
	keyfile_close(&kf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_root_reads_the_path, back_to_root),
		cmocka_unit_test_setup(test_bad_file_keeps_what_was_kept, back_to_root),
		cmocka_unit_test_setup(test_rewritten_in_place_is_read_through_the_kept_one, back_to_root),
		cmocka_unit_test_setup(test_replaced_file_is_refused, back_to_root),
		cmocka_unit_test_setup(test_removed_file_is_refused, back_to_root),
		cmocka_unit_test_setup(test_other_path_after_drop_says_which_uid, back_to_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
