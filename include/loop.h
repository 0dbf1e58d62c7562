/* loop: thin epoll wrapper; each watched fd carries its own handler. */
#ifndef LINKNAME_LOOP_H
#define LINKNAME_LOOP_H

#include <stdint.h>

struct loop_watch {
	int fd;
	void (*fn)(struct loop_watch *w, uint32_t events);
};

int loop_add(int epfd, struct loop_watch *w, uint32_t events);
int loop_mod(int epfd, struct loop_watch *w, uint32_t events);
void loop_del(int epfd, struct loop_watch *w);
/* Milliseconds on CLOCK_MONOTONIC: never jumps with the wall clock. */
uint64_t loop_now_ms(void);

#endif
