/* Unit tests for src/nssconf.c (the nsswitch.conf editor) against the
 * real-world variants in tests/nsswitch/, and for src/nssconf_cli.c (the
 * file handling behind "linknamectl nss") on copies of them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nssconf.h"
#include "nssconf_cli.h"

#ifndef NSSCONF_FIXTURES
#error "NSSCONF_FIXTURES (the tests/nsswitch directory) must be defined"
#endif

struct text {
	char *p;
	size_t len;
};

static struct text slurp(const char *path)
{
	struct text t = { NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	t.p = malloc((size_t)st.st_size + 1);
	assert_non_null(t.p);
	while (t.len < (size_t)st.st_size) {
		n = read(fd, t.p + t.len, (size_t)st.st_size - t.len);
		assert_true(n > 0);
		t.len += (size_t)n;
	}
	t.p[t.len] = '\0';
	close(fd);
	return t;
}

static struct text fixture(const char *name, const char *ext)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.%s", NSSCONF_FIXTURES, name, ext);
	return slurp(path);
}

/* Exact bytes, with a readable diff on failure. */
static void assert_text(const char *what, const char *got, size_t gotlen, const struct text *want)
{
	if (gotlen != want->len || memcmp(got, want->p, gotlen))
		fail_msg("%s:\n--- got (%zu octets)\n%.*s\n--- want (%zu octets)\n%.*s", what,
			 gotlen, (int)gotlen, got, want->len, (int)want->len, want->p);
}

typedef int (*edit_fn)(const char *, size_t, char **, size_t *, char *, size_t);

/* edit(in) must give want, with result r. Returns nothing; frees all. */
static void check_edit(const char *what, edit_fn edit, const struct text *in, int r,
		       const struct text *want, char *msg, size_t msglen)
{
	char *out = (char *)0x1;
	size_t outlen = 12345;
	int got = edit(in->p, in->len, &out, &outlen, msg, msglen);

	if (got != r)
		fail_msg("%s: returned %d, want %d (%s)", what, got, r, msg);
	assert_non_null(out);
	assert_int_equal(out[outlen], '\0');
	assert_text(what, out, outlen, want);
	free(out);
}

/* Variants linkname is not in: enable gives .enabled, exactly; enable is
 * idempotent; disable gives back the original byte for byte. */
static const struct {
	const char *name;
	const char *where;	/* expected in enable's message */
} variants[] = {
	{ "debian-default", "after files" },
	{ "debian-mdns", "after files" },
	{ "debian-mdns-full", "after files" },
	{ "debian-resolve", "after files" },
	{ "resolved-upstream", "before resolve (files comes only after it)" },
	{ "arch-mdns-resolve", "before mdns_minimal (files comes only after it)" },
	{ "myhostname", "after files" },
	{ "mymachines", "after files" },
	{ "fedora", "after files" },
	{ "no-files", "before dns (there is no files entry)" },
	{ "dns-first", "before dns (files comes only after it)" },
	{ "no-files-no-net", "first (there is no files entry)" },
	{ "files-action", "after files" },
	{ "wins", "after files" },
	{ "comments", "after files" },
	{ "comment-after-last", "after files" },
	{ "tabs", "after files" },
	{ "no-dns", "after files" },
	{ "crlf", "after files" },
	{ "crlf-mdns", "after files" },
	{ "odd-spacing", "after files" },
};

static void test_variants(void **state)
{
	char msg[512], what[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct text in = fixture(variants[i].name, "conf");
		struct text en = fixture(variants[i].name, "enabled");

		snprintf(what, sizeof(what), "%s: enable", variants[i].name);
		check_edit(what, nssconf_enable, &in, NSSCONF_CHANGED, &en, msg, sizeof(msg));
		if (!strstr(msg, variants[i].where))
			fail_msg("%s: message '%s' lacks '%s'", what, msg, variants[i].where);
		snprintf(what, sizeof(what), "%s: enable twice", variants[i].name);
		check_edit(what, nssconf_enable, &en, NSSCONF_UNCHANGED, &en, msg, sizeof(msg));
		assert_non_null(strstr(msg, "already"));
		snprintf(what, sizeof(what), "%s: disable after enable", variants[i].name);
		check_edit(what, nssconf_disable, &en, NSSCONF_CHANGED, &in, msg, sizeof(msg));
		snprintf(what, sizeof(what), "%s: disable when not enabled", variants[i].name);
		check_edit(what, nssconf_disable, &in, NSSCONF_UNCHANGED, &in, msg, sizeof(msg));
		assert_int_equal(nssconf_status(in.p, in.len, msg, sizeof(msg)), 0);
		assert_int_equal(nssconf_status(en.p, en.len, msg, sizeof(msg)), 1);
		assert_non_null(strstr(msg, "linkname"));
		free(in.p);
		free(en.p);
	}
}

/* Already enabled: enable changes nothing; disable gives .disabled. */
static void test_already_enabled(void **state)
{
	static const char *const names[] = {
		"enabled", "enabled-action", "enabled-last", "enabled-twice",
	};
	char msg[512], what[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct text in = fixture(names[i], "conf");
		struct text dis = fixture(names[i], "disabled");

		assert_int_equal(nssconf_status(in.p, in.len, msg, sizeof(msg)), 1);
		snprintf(what, sizeof(what), "%s: enable", names[i]);
		check_edit(what, nssconf_enable, &in, NSSCONF_UNCHANGED, &in, msg, sizeof(msg));
		snprintf(what, sizeof(what), "%s: disable", names[i]);
		check_edit(what, nssconf_disable, &in, NSSCONF_CHANGED, &dis, msg, sizeof(msg));
		assert_int_equal(nssconf_status(dis.p, dis.len, msg, sizeof(msg)), 0);
		free(in.p);
		free(dis.p);
	}
}

/* Our own insertion in the lab's line is undone exactly, and redone. */
static void test_enabled_roundtrip(void **state)
{
	struct text in = fixture("enabled", "conf");
	struct text dis = fixture("enabled", "disabled");
	char msg[256];

	(void)state;
	check_edit("enabled: enable(disable)", nssconf_enable, &dis, NSSCONF_CHANGED, &in, msg,
		   sizeof(msg));
	free(in.p);
	free(dis.p);
}

/* Files it does not understand: refused, with a reason, nothing out. */
static const struct {
	const char *name;
	int enable;		/* expected result of enable */
	int disable;		/* and of disable */
	const char *why;	/* in the refusal message */
} refusals[] = {
	{ "refuse-no-hosts", NSSCONF_REFUSED, NSSCONF_REFUSED, "no hosts line" },
	{ "refuse-two-hosts", NSSCONF_REFUSED, NSSCONF_REFUSED, "two hosts lines (2 and 4)" },
	{ "refuse-continuation", NSSCONF_REFUSED, NSSCONF_REFUSED, "ends with '\\'" },
	{ "refuse-unterminated", NSSCONF_REFUSED, NSSCONF_REFUSED, "no closing ']'" },
	{ "refuse-bad-action", NSSCONF_REFUSED, NSSCONF_REFUSED, "[NOTFOUND=retrun]" },
	{ "refuse-action-first", NSSCONF_REFUSED, NSSCONF_REFUSED, "no service before it" },
	{ "refuse-no-colon", NSSCONF_REFUSED, NSSCONF_REFUSED, "no ':'" },
	{ "refuse-comma", NSSCONF_REFUSED, NSSCONF_REFUSED, "unexpected character ','" },
	{ "refuse-two-actions", NSSCONF_REFUSED, NSSCONF_REFUSED, "no service before it" },
	/* An empty hosts line: nothing to disable, but enable would make
	 * linkname the only service, replacing glibc's default. */
	{ "refuse-empty", NSSCONF_REFUSED, NSSCONF_UNCHANGED, "lists no service" },
	/* Removing the only service would do the same the other way. */
	{ "refuse-only-linkname", NSSCONF_UNCHANGED, NSSCONF_REFUSED, "only service" },
};

static void test_refusals(void **state)
{
	char msg[512], *out;
	size_t i, outlen;
	int r;

	(void)state;
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct text in = fixture(refusals[i].name, "conf");
		int want[2] = { refusals[i].enable, refusals[i].disable };
		edit_fn fn[2] = { nssconf_enable, nssconf_disable };
		bool refused = false;

		for (int k = 0; k < 2; k++) {
			msg[0] = '\0';
			r = fn[k](in.p, in.len, &out, &outlen, msg, sizeof(msg));
			if (r != want[k])
				fail_msg("%s: %s returned %d, want %d (%s)", refusals[i].name,
					 k ? "disable" : "enable", r, want[k], msg);
			if (r == NSSCONF_REFUSED) {
				refused = true;
				assert_null(out);
				if (!strstr(msg, refusals[i].why))
					fail_msg("%s: reason '%s' lacks '%s'", refusals[i].name, msg,
						 refusals[i].why);
			} else {
				assert_text(refusals[i].name, out, outlen, &in);
				free(out);
			}
		}
		assert_true(refused);
		free(in.p);
	}
}

static void test_refuse_nul_and_size(void **state)
{
	static const char nul[] = "passwd: files\nhosts: files\0 dns\n";
	char msg[256], *out, *big;
	size_t outlen;

	(void)state;
	assert_int_equal(nssconf_enable(nul, sizeof(nul) - 1, &out, &outlen, msg, sizeof(msg)),
			 NSSCONF_REFUSED);
	assert_null(out);
	assert_non_null(strstr(msg, "NUL"));
	assert_int_equal(nssconf_status(nul, sizeof(nul) - 1, msg, sizeof(msg)), -1);

	big = malloc(NSSCONF_MAX_SIZE + 1);
	assert_non_null(big);
	memset(big, '#', NSSCONF_MAX_SIZE + 1);
	memcpy(big, "hosts: files\n", 13);
	assert_int_equal(nssconf_enable(big, NSSCONF_MAX_SIZE + 1, &out, &outlen, msg,
					sizeof(msg)), NSSCONF_REFUSED);
	assert_non_null(strstr(msg, "larger"));
	/* At the limit it is fine. */
	assert_int_equal(nssconf_enable(big, NSSCONF_MAX_SIZE, &out, &outlen, msg, sizeof(msg)),
			 NSSCONF_CHANGED);
	assert_int_equal(outlen, NSSCONF_MAX_SIZE + strlen(" linkname"));
	assert_memory_equal(out, "hosts: files linkname\n", 22);
	free(out);
	free(big);
}

/* Lengths are honoured exactly: no reading up to a NUL, and a text cut
 * inside the hosts line is parsed as cut. */
static void test_exact_length(void **state)
{
	static const char text[] = "hosts: files dns\nXXXX";
	char msg[256], *out, *copy;
	size_t outlen, len = strlen("hosts: files dns");

	(void)state;
	copy = malloc(len);		/* no terminator: valgrind sees overreads */
	assert_non_null(copy);
	memcpy(copy, text, len);
	assert_int_equal(nssconf_enable(copy, len, &out, &outlen, msg, sizeof(msg)),
			 NSSCONF_CHANGED);
	assert_int_equal(outlen, strlen("hosts: files linkname dns"));
	assert_memory_equal(out, "hosts: files linkname dns", outlen);
	free(out);
	/* Cut after "files": dns is not seen. */
	assert_int_equal(nssconf_enable(copy, strlen("hosts: files"), &out, &outlen, msg,
					sizeof(msg)), NSSCONF_CHANGED);
	assert_int_equal(outlen, strlen("hosts: files linkname"));
	assert_memory_equal(out, "hosts: files linkname", outlen);
	free(out);
	free(copy);
	/* Empty text: no hosts line. A NULL msg is allowed. */
	assert_int_equal(nssconf_enable("", 0, &out, &outlen, NULL, 0), NSSCONF_REFUSED);
	assert_null(out);
}

/* Names that only look like ours or like files are left alone. */
static void test_lookalikes(void **state)
{
	struct text in = { "hosts: filesystem linknamed linkname2 dns\n", 0 };
	/* No "files" entry: linkname goes before dns, the first network one. */
	struct text want = { "hosts: filesystem linknamed linkname2 linkname dns\n", 0 };
	struct text hosts2 = { "hostsx: files\nHosts: files\nhosts: files\n", 0 };
	struct text hosts2w = { "hostsx: files\nHosts: files\nhosts: files linkname\n", 0 };
	char msg[256];

	(void)state;
	in.len = strlen(in.p);
	want.len = strlen(want.p);
	check_edit("lookalikes", nssconf_enable, &in, NSSCONF_CHANGED, &want, msg, sizeof(msg));
	assert_int_equal(nssconf_status(in.p, in.len, msg, sizeof(msg)), 0);
	/* Database names are case-sensitive, and must match whole. */
	hosts2.len = strlen(hosts2.p);
	hosts2w.len = strlen(hosts2w.p);
	check_edit("hosts lookalike lines", nssconf_enable, &hosts2, NSSCONF_CHANGED, &hosts2w, msg,
		   sizeof(msg));
	assert_non_null(strstr(msg, "line 3"));
}

static void test_status_message(void **state)
{
	struct text in = fixture("crlf", "enabled");
	char msg[512];

	(void)state;
	assert_int_equal(nssconf_status(in.p, in.len, msg, sizeof(msg)), 1);
	/* The line as written, without its '\r'. */
	assert_string_equal(msg, "line 3: hosts:          files linkname");
	free(in.p);
}

/* ---- nssconf_cli on files ---- */

static char tmpdir[64];

static int cli_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_nssconf.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int cli_teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const struct text *t, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, t->p, t->len), (ssize_t)t->len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* nssconf_cli with its messages sent to /dev/null, to keep the test output
 * readable; the tests look at exit codes and files. */
static int cli(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[6] = { "nss", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	int argc = 1, out, err, null, r;

	while (argc < 5 && argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	out = dup(1);
	err = dup(2);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(out >= 0 && err >= 0 && null >= 0);
	assert_int_equal(dup2(null, 1), 1);
	assert_int_equal(dup2(null, 2), 2);
	r = nssconf_cli(argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_int_equal(dup2(out, 1), 1);
	assert_int_equal(dup2(err, 2), 2);
	close(out);
	close(err);
	close(null);
	return r;
}

static void assert_file(const char *path, const struct text *want)
{
	struct text got = slurp(path);

	assert_text(path, got.p, got.len, want);
	free(got.p);
}

/* Only the file and (after a change) its backup: no temporary leftovers. */
static void assert_dir_holds(size_t n)
{
	char cmd[512];
	FILE *p;
	size_t count = 0;
	int c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", tmpdir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF)
		count += c == '\n';
	pclose(p);
	assert_int_equal(count, n);
}

static void test_cli_enable_disable(void **state)
{
	struct text orig = fixture("debian-mdns", "conf");
	struct text en = fixture("debian-mdns", "enabled");
	char path[256], bak[512];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/nsswitch.conf", tmpdir);
	snprintf(bak, sizeof(bak), "%s%s", path, NSSCONF_BACKUP_SUFFIX);
	put(path, &orig, 0640);

	assert_int_equal(cli("status", "--file", path, NULL), 1);
	assert_int_equal(cli("enable", "--dry-run", "--file", path), 0);
	assert_file(path, &orig);
	assert_int_equal(access(bak, F_OK), -1);

	assert_int_equal(cli("enable", "--file", path, NULL), 0);
	assert_file(path, &en);
	assert_file(bak, &orig);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(stat(bak, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(cli("status", "-f", path, NULL), 0);
	assert_dir_holds(2);

	/* Again: nothing to do, and the backup still holds the original. */
	assert_int_equal(cli("--file", path, "enable", NULL), 0);
	assert_file(path, &en);
	assert_file(bak, &orig);

	assert_int_equal(cli("disable", "--file", path, NULL), 0);
	assert_file(path, &orig);
	assert_file(bak, &en);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(cli("status", "--file", path, NULL), 1);
	assert_int_equal(cli("disable", "--file", path, NULL), 0);
	assert_file(path, &orig);
	assert_dir_holds(2);

	unlink(path);
	unlink(bak);
	free(orig.p);
	free(en.p);
}

static void test_cli_refusals(void **state)
{
	struct text bad = fixture("refuse-two-hosts", "conf");
	char path[256], bak[512], link[256], tmpl[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/nsswitch.conf", tmpdir);
	snprintf(bak, sizeof(bak), "%s%s", path, NSSCONF_BACKUP_SUFFIX);
	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);

	/* Usage errors. */
	assert_int_equal(cli(NULL, NULL, NULL, NULL), 2);
	assert_int_equal(cli("frobnicate", "--file", path, NULL), 2);
	assert_int_equal(cli("enable", "--file", NULL, NULL), 2);
	assert_int_equal(cli("enable", "disable", "--file", path), 2);
	assert_int_equal(cli("enable", "--bogus", NULL, NULL), 2);
	assert_int_equal(cli("--help", NULL, NULL, NULL), 0);

	/* Missing file. */
	assert_int_equal(cli("enable", "--file", path, NULL), 1);

	/* Not understood: refused, untouched, no backup. */
	put(path, &bad, 0644);
	assert_int_equal(cli("enable", "--file", path, NULL), 1);
	assert_int_equal(cli("disable", "--file", path, NULL), 1);
	assert_int_equal(cli("status", "--file", path, NULL), 1);
	assert_file(path, &bad);
	assert_int_equal(access(bak, F_OK), -1);

	/* A symlink is not followed (rename would replace the link). */
	assert_int_equal(symlink(path, link), 0);
	snprintf(tmpl, sizeof(tmpl), "--file=%s", link);
	assert_int_equal(cli("enable", tmpl, NULL, NULL), 1);
	assert_dir_holds(2);

	/* A directory is not a file. */
	assert_int_equal(cli("status", "--file", tmpdir, NULL), 1);

	unlink(link);
	unlink(path);
	free(bad.p);
}

/* The backup is written first; if it cannot be, the file is not touched. */
static void test_cli_backup_first(void **state)
{
	struct text orig = fixture("debian-default", "conf");
	char path[256], bak[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/nsswitch.conf", tmpdir);
	snprintf(bak, sizeof(bak), "%s%s", path, NSSCONF_BACKUP_SUFFIX);
	put(path, &orig, 0644);
	/* A directory where the backup goes: rename onto it fails. */
	assert_int_equal(mkdir(bak, 0700), 0);
	assert_int_equal(cli("enable", "--file", path, NULL), 1);
	assert_file(path, &orig);
	assert_int_equal(rmdir(bak), 0);
	assert_dir_holds(1);
	unlink(path);
	free(orig.p);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_already_enabled),
		cmocka_unit_test(test_enabled_roundtrip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refuse_nul_and_size),
		cmocka_unit_test(test_exact_length),
		cmocka_unit_test(test_lookalikes),
		cmocka_unit_test(test_status_message),
	};
	const struct CMUnitTest files[] = {
		cmocka_unit_test(test_cli_enable_disable),
		cmocka_unit_test(test_cli_refusals),
		cmocka_unit_test(test_cli_backup_first),
	};
	int failed;

	failed = cmocka_run_group_tests_name("nssconf", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("nssconf_cli", files, cli_setup, cli_teardown);
	return failed;
}
