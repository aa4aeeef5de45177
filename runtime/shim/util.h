// Small helpers every mode uses: dying with a message, time, files.
#ifndef TSKUBE_SHIM_UTIL_H
#define TSKUBE_SHIM_UTIL_H
#include <sys/types.h>

// Outside a container start: "tskube-shim: <message>" on stderr, exit 125.
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
// In the container init or exec child (before execve): report why we could not start, with
// ": strerror(errno)" appended, and _exit(127). The message goes to fail_fd when set (the
// monitor reads it as the start error), else to stderr.
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
// The container init's error channel to the monitor (CLOEXEC pipe); -1 elsewhere.
extern int fail_fd;

// CLOCK_REALTIME in nanoseconds (the state files' times).
long long now_ns(void);
// Writes data into an existing file (cgroup.procs, /proc/sys/...); -1 with errno on failure.
int write_file(const char *path, const char *data);
// Writes path.tmp<pid> and renames it over path, so a reader never sees half a state file.
void write_atomic(const char *path, const char *data);
// mkdir -p of path's parent directory.
void make_parent(const char *path);
// Points fds 0-2 at /dev/null (daemons).
void devnull_stdio(void);
#endif
