/* name: linkname names are one DNS label (RFC 1123 letters, digits, hyphen;
 * 1-63 octets), compared case-insensitively, shown as announced. Pure code. */
#ifndef LINKNAME_NAME_H
#define LINKNAME_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 63

/* True if s[0..len) is a valid label. */
bool name_valid(const char *s, size_t len);
/* Same, for a NUL-terminated string. */
bool name_valid_str(const char *s);
/* ASCII case-insensitive equality of two labels. */
bool name_equal(const char *a, size_t alen, const char *b, size_t blen);
/* A hash that agrees with name_equal: equal names hash alike. */
uint32_t name_hash(const char *s, size_t len);
/* The default name: the first label of a host name ("h1.lab" -> "h1").
 * Returns 0 and fills out (NUL-terminated), or -1 if no valid label. */
int name_from_hostname(const char *hostname, char out[NAME_MAX_LEN + 1]);

#endif
