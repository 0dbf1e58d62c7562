/* replay: run saved inputs (files, or every file in a directory) through a
 * fuzz target without libFuzzer, so the seed corpus and every crasher ever
 * found are replayed by `make check` under gcc's ASan/UBSan. A crash or a
 * sanitizer report ends the program; otherwise it prints what it ran. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Bigger than anything a target looks at; a larger file is an error. */
#define REPLAY_MAX (1u << 20)

static int replay_file(const char *path)
{
	uint8_t *buf, *exact;
	size_t len;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX + 1);
	len = buf ? fread(buf, 1, REPLAY_MAX + 1, f) : 0;
	if (buf == NULL || ferror(f) || len > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: cannot read, or over %u octets\n", path, REPLAY_MAX);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* Exactly len octets, as libFuzzer gives, so ASan sees overreads. */
	exact = realloc(buf, len ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	fprintf(stderr, "replay: %s (%zu octets)\n", path, len);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order so runs are repeatable. */
static int replay_dir(const char *dir, unsigned int *count)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	int rc = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL) {
				rc = -1;
				break;
			}
			names = grown;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (rc == 0 && (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	if (rc < 0)
		fprintf(stderr, "replay: %s: failed\n", dir);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	struct stat st;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
		} else if (replay_file(argv[i]) < 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	printf("replayed %u inputs\n", count);
	return rc;
}
