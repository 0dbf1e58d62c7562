/* Unit tests for src/name.c: label validation, comparison, default name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"

/* Fill buf with n copies of c and NUL-terminate it. */
static char *fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_valid_lengths(void **state)
{
	char buf[128];

	(void)state;
	assert_true(name_valid("a", 1));
	assert_true(name_valid_str("a"));
	assert_true(name_valid(fill(buf, 'a', 63), 63));
	assert_true(name_valid_str(fill(buf, 'a', 63)));
	assert_false(name_valid(fill(buf, 'a', 64), 64));
	assert_false(name_valid_str(fill(buf, 'a', 64)));
	assert_false(name_valid_str(fill(buf, 'a', 100)));
	assert_false(name_valid("", 0));
	assert_false(name_valid("abc", 0));
	assert_false(name_valid_str(""));
}

static void test_valid_charset(void **state)
{
	(void)state;
	assert_true(name_valid_str("abcdefghijklmnopqrstuvwxyz"));
	assert_true(name_valid_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
	assert_true(name_valid_str("h1-lab-2"));
	assert_true(name_valid_str("a-b"));
	assert_true(name_valid_str("a--b"));
	assert_true(name_valid_str("0123456789"));
	assert_true(name_valid_str("7"));
	assert_true(name_valid("1", 1));
	/* Only the first len octets count. */
	assert_true(name_valid("ab.cd", 2));
	assert_false(name_valid("ab.cd", 3));
}

static void test_valid_hyphens(void **state)
{
	(void)state;
	assert_false(name_valid_str("-"));
	assert_false(name_valid_str("-a"));
	assert_false(name_valid_str("a-"));
	assert_false(name_valid_str("-ab-"));
	assert_false(name_valid("a-", 2));
	assert_false(name_valid("-a", 2));
	assert_true(name_valid("a-b-", 3));
}

static void test_valid_bad_bytes(void **state)
{
	static const char bad[] = { '.', '_', ' ', '\t', '/', '@', ':', '*', '\n' };
	char buf[8];
	size_t i;
	unsigned int c;

	(void)state;
	assert_false(name_valid_str("a.b"));
	assert_false(name_valid_str("a_b"));
	assert_false(name_valid_str("a b"));
	assert_false(name_valid_str("."));
	assert_false(name_valid_str("h1."));
	for (i = 0; i < sizeof(bad); i++) {
		buf[0] = 'a';
		buf[1] = bad[i];
		buf[2] = 'b';
		buf[3] = '\0';
		assert_false(name_valid(buf, 3));
		assert_false(name_valid_str(buf));
	}
	/* NUL inside the counted length. */
	assert_false(name_valid("a\0b", 3));
	assert_false(name_valid("ab\0", 3));
	/* Every byte >= 0x80, in the middle, at the start and at the end. */
	for (c = 0x80; c <= 0xff; c++) {
		buf[0] = 'a';
		buf[1] = (char)c;
		buf[2] = 'b';
		buf[3] = '\0';
		assert_false(name_valid(buf, 3));
		assert_false(name_valid_str(buf));
		buf[0] = (char)c;
		assert_false(name_valid(buf, 3));
		buf[0] = 'a';
		buf[2] = (char)c;
		buf[1] = 'b';
		assert_false(name_valid(buf, 3));
	}
	/* UTF-8 letters are not LDH. */
	assert_false(name_valid_str("caf\xc3\xa9"));
}

static void test_valid_str_nul(void **state)
{
	(void)state;
	/* name_valid_str sees the string up to its NUL. */
	assert_true(name_valid_str("ab\0cd"));
	assert_false(name_valid_str("a-\0b"));
}

static void test_equal(void **state)
{
	(void)state;
	assert_true(name_equal("h1", 2, "h1", 2));
	assert_true(name_equal("Host-A", 6, "hOST-a", 6));
	assert_true(name_equal("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26,
			       "abcdefghijklmnopqrstuvwxyz", 26));
	assert_true(name_equal("x", 0, "y", 0));
	assert_false(name_equal("h1", 2, "h2", 2));
	assert_false(name_equal("h1", 2, "h10", 3));
	assert_false(name_equal("h10", 3, "h1", 2));
	assert_false(name_equal("a", 1, "", 0));
	/* Only the counted octets are compared. */
	assert_true(name_equal("abX", 2, "ABy", 2));
	/* ASCII only: no folding of other bytes. */
	assert_false(name_equal("\xc0", 1, "\xe0", 1));
	assert_false(name_equal("\xc9", 1, "\xe9", 1));
	/* '@' (0x40) and '`' (0x60) differ by the case bit but are not letters. */
	assert_false(name_equal("@", 1, "`", 1));
	assert_false(name_equal("[", 1, "{", 1));
	assert_false(name_equal("-", 1, "\r", 1));
	assert_false(name_equal("a", 1, "A-", 2));
}

static void test_from_hostname(void **state)
{
	char out[NAME_MAX_LEN + 1];
	char host[200];

	(void)state;
	memset(out, 'z', sizeof(out));
	assert_int_equal(name_from_hostname("h1", out), 0);
	assert_string_equal(out, "h1");

	memset(out, 'z', sizeof(out));
	assert_int_equal(name_from_hostname("h1.lab.example", out), 0);
	assert_string_equal(out, "h1");

	assert_int_equal(name_from_hostname("MyHost.", out), 0);
	assert_string_equal(out, "MyHost");

	assert_int_equal(name_from_hostname("", out), -1);
	assert_int_equal(name_from_hostname(".x", out), -1);
	assert_int_equal(name_from_hostname(".", out), -1);
	assert_int_equal(name_from_hostname("bad_name.x", out), -1);
	assert_int_equal(name_from_hostname("-h1.lab", out), -1);
	assert_int_equal(name_from_hostname("h1-.lab", out), -1);

	/* 63-octet first label: accepted whole. */
	fill(host, 'b', 63);
	strcat(host, ".lab.example");
	memset(out, 'z', sizeof(out));
	assert_int_equal(name_from_hostname(host, out), 0);
	assert_int_equal(strlen(out), 63);
	assert_memory_equal(out, host, 63);

	fill(host, 'b', 63);
	assert_int_equal(name_from_hostname(host, out), 0);
	assert_int_equal(strlen(out), 63);

	/* 64-octet first label: refused, with or without a domain. */
	fill(host, 'b', 64);
	assert_int_equal(name_from_hostname(host, out), -1);
	strcat(host, ".lab");
	assert_int_equal(name_from_hostname(host, out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_lengths),
		cmocka_unit_test(test_valid_charset),
		cmocka_unit_test(test_valid_hyphens),
		cmocka_unit_test(test_valid_bad_bytes),
		cmocka_unit_test(test_valid_str_nul),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_from_hostname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
