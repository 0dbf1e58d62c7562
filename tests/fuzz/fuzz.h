/* fuzz: what the libFuzzer targets in tests/fuzz/ share. Each target is one
 * LLVMFuzzerTestOneInput(); built with clang -fsanitize=fuzzer it is a
 * fuzzer (make fuzz), linked with replay.c it replays saved inputs under
 * gcc's ASan/UBSan (make check). */
#ifndef LINKNAME_FUZZ_H
#define LINKNAME_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a crash, so the fuzzer keeps the input. assert()
 * would vanish under -DNDEBUG. */
#define FUZZ_CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif
