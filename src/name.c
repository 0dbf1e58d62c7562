/* name: validation and comparison of linkname names (one DNS label). */
#include <string.h>

#include "name.h"

static int name_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

bool name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > NAME_MAX_LEN)
		return false;
	/* RFC 952/1123: a label neither starts nor ends with a hyphen. */
	if (s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!name_ldh(s[i]))
			return false;
	return true;
}

bool name_valid_str(const char *s)
{
	size_t len = strnlen(s, NAME_MAX_LEN + 1);

	return name_valid(s, len) && s[len] == '\0';
}

static char name_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (name_lower(a[i]) != name_lower(b[i]))
			return false;
	return true;
}

int name_from_hostname(const char *hostname, char out[NAME_MAX_LEN + 1])
{
	size_t len = strcspn(hostname, ".");

	if (!name_valid(hostname, len))
		return -1;
	memcpy(out, hostname, len);
	out[len] = '\0';
	return 0;
}

uint32_t name_hash(const char *s, size_t len)
{
	uint32_t x = 2166136261u;	/* FNV-1a over the lower-cased name */
	size_t i;

	for (i = 0; i < len; i++)
		x = (x ^ (uint8_t)name_lower(s[i])) * 16777619u;
	return x;
}
