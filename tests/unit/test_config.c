/* Unit tests for the configuration parser (src/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static int parse(const char *text, struct config *c, char *err, size_t errlen)
{
	config_defaults(c);
	return config_parse(text, strlen(text), "t.conf", c, err, errlen);
}

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.set, 0);
	assert_string_equal(c.name, "");
	assert_int_equal(c.interval_s, 10);
	assert_int_equal(c.lifetime_s, 33);
	assert_int_equal(c.table_size, 1024);
	assert_string_equal(c.socket, "@linkname");
	assert_string_equal(c.user, "");
	assert_int_equal(c.ninterfaces, 0);
	assert_int_equal(c.nignore, 0);
}

static void test_full_file(void **state)
{
	const char *text =
		"# linkname.conf\n"
		"\n"
		"name = Lab-Host-7   # trailing comment\n"
		"\tinterfaces=eth* , enp0s3\tbr0\n"
		"ignore-interfaces = veth* docker*\n"
		"interval = 10\r\n"
		"lifetime = 45\n"
		"table-size = 4096\n"
		"socket = /run/linkname/query\n"
		"user = linkname\n";
	char err[256] = "";
	struct config c;

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_string_equal(c.name, "Lab-Host-7");
	assert_int_equal(c.ninterfaces, 3);
	assert_string_equal(c.interfaces[0], "eth*");
	assert_string_equal(c.interfaces[1], "enp0s3");
	assert_string_equal(c.interfaces[2], "br0");
	assert_int_equal(c.nignore, 2);
	assert_string_equal(c.ignore[1], "docker*");
	assert_int_equal(c.interval_s, 10);
	assert_int_equal(c.lifetime_s, 45);
	assert_int_equal(c.table_size, 4096);
	assert_string_equal(c.socket, "/run/linkname/query");
	assert_string_equal(c.user, "linkname");
	assert_int_equal(c.set, CONFIG_NAME | CONFIG_INTERFACES | CONFIG_IGNORE | CONFIG_INTERVAL |
				CONFIG_LIFETIME | CONFIG_TABLE_SIZE | CONFIG_SOCKET | CONFIG_USER);
}

static void test_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "name = h1\nbogus = 1\n", "t.conf:2: bogus: unknown key" },
		{ "name h1\n", "t.conf:1: expected \"key = value\"" },
		{ "= h1\n", "t.conf:1: missing key before '='" },
		{ "name = h1\nname = h2\n", "t.conf:2: name: key given twice" },
		{ "\n\nname = bad_name\n", "t.conf:3: name: name must be one label" },
		{ "name = a.b\n", "t.conf:1: name: name must be one label" },
		{ "name =\n", "t.conf:1: name: name must be one label" },
		{ "interval = 0\n", "t.conf:1: interval: interval must be" },
		{ "interval = 3601\n", "t.conf:1: interval: interval must be" },
		{ "interval = 10s\n", "t.conf:1: interval: interval must be" },
		{ "interval = -5\n", "t.conf:1: interval: interval must be" },
		{ "interval = 99999999999999999999\n", "t.conf:1: interval: interval must be" },
		{ "lifetime = 86401\n", "t.conf:1: lifetime: lifetime must be" },
		{ "table-size = 0\n", "t.conf:1: table-size: table-size must be" },
		{ "socket = relative/path\n", "t.conf:1: socket: socket must be" },
		{ "socket = @\n", "t.conf:1: socket: socket must be" },
		{ "user = 0day\n", "t.conf:1: user: user must be a user name" },
		{ "user = a b\n", "t.conf:1: user: user must be a user name" },
	};
	char err[256];
	struct config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(cases[i].text, &c, err, sizeof(err)), -1);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, err, cases[i].err);
	}
}

static void test_limits(void **state)
{
	char text[4096], err[256];
	struct config c;
	size_t i, n = 0;

	(void)state;
	/* 32 patterns are fine, 33 are not. */
	n = (size_t)snprintf(text, sizeof(text), "interfaces =");
	for (i = 0; i < 32; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " e%zu", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ninterfaces, 32);
	snprintf(text + n, sizeof(text) - n, " one-more\n");
	assert_int_equal(parse(text, &c, err, sizeof(err)), -1);

	/* A pattern of 64 characters is too long. */
	memset(text, 0, sizeof(text));
	strcpy(text, "interfaces = ");
	memset(text + strlen(text), 'x', 64);
	strcat(text, "\n");
	assert_int_equal(parse(text, &c, err, sizeof(err)), -1);

	/* A NUL byte inside the file is refused, not silently cut. */
	assert_int_equal(config_parse("name = a\0b\n", 11, "t.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: NUL byte");

	/* An overlong line is refused. */
	{
		char *big = malloc(2000);

		assert_non_null(big);
		memset(big, 'a', 1999);
		big[1999] = '\n';
		assert_int_equal(config_parse(big, 2000, "t.conf", &c, err, sizeof(err)), -1);
		free(big);
	}
	/* The last line needs no newline; an empty file sets nothing. */
	assert_int_equal(parse("lifetime = 7", &c, err, sizeof(err)), 0);
	assert_int_equal(c.lifetime_s, 7);
	assert_int_equal(parse("", &c, err, sizeof(err)), 0);
	assert_int_equal(c.set, 0);
}

static void test_overlay(void **state)
{
	struct config file, cli;
	char err[256];

	(void)state;
	assert_int_equal(parse("name = fromfile\ninterval = 10\nlifetime = 50\n", &file, err,
			       sizeof(err)), 0);
	assert_int_equal(parse("name = fromcli\n", &cli, err, sizeof(err)), 0);
	config_overlay(&file, &cli);
	assert_string_equal(file.name, "fromcli");
	assert_int_equal(file.interval_s, 10);
	assert_int_equal(file.lifetime_s, 50);
	assert_true(file.set & CONFIG_NAME);
}

static void test_iface_wanted(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_true(config_iface_wanted(&c, "eth0"));
	assert_true(config_iface_wanted(&c, "veth1234"));
	assert_int_equal(parse("ignore-interfaces = veth* docker*\n", &c, err, sizeof(err)), 0);
	assert_true(config_iface_wanted(&c, "eth0"));
	assert_false(config_iface_wanted(&c, "veth1234"));
	assert_false(config_iface_wanted(&c, "docker0"));
	assert_int_equal(parse("interfaces = eth*\nignore-interfaces = eth1\n", &c, err,
			       sizeof(err)), 0);
	assert_true(config_iface_wanted(&c, "eth0"));
	assert_false(config_iface_wanted(&c, "eth1"));
	assert_false(config_iface_wanted(&c, "wlan0"));
}

static void test_load(void **state)
{
	char path[] = "/tmp/linkname-test-config-XXXXXX", err[256];
	struct config c;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "name = loaded\nbad line\n", 23), 23);
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(path, false, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: expected"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);
	/* Missing: fine only when allowed. */
	config_defaults(&c);
	assert_int_equal(config_load(path, true, &c, err, sizeof(err)), 0);
	assert_int_equal(c.set, 0);
	assert_int_equal(config_load(path, false, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_iface_wanted),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
