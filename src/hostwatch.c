/* hostwatch: a descriptor that wakes on host name changes (hostwatch.h). */
#include <fcntl.h>

#include "hostwatch.h"

int hostwatch_open(void)
{
	return open(HOSTWATCH_PATH, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
}
