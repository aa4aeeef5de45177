// safepath.c: every path inside a container resolved inside its root.
#ifndef TSKUBE_SHIM_SAFEPATH_H
#define TSKUBE_SHIM_SAFEPATH_H
#include <sys/types.h>

enum { SP_NONE = 0, SP_DIR = 1, SP_FILE = 2 };
// 1 = use the component walk even where openat2 exists (tests of the fallback).
extern int sp_force_walk;
// 1 = plain lookups that follow links anywhere (benchmark comparison only; never in production).
extern int sp_unsafe;
// Lexically clean path (no ".", "..", "//"); ".." never climbs above the root. out gets a relative path ("" = root).
int sp_clean(const char *path, char *out, size_t n);
// O_PATH fd of path resolved inside rootfd (symlinks, "..", absolute links all stay inside);
// missing components are created (directories; the last one as kind) along held fds when kind != SP_NONE.
// -1 with errno on failure.
int sp_open(int rootfd, const char *path, int kind, mode_t mode);
// "/proc/self/fd/N" for mount(2) targets and sources.
const char *sp_fdpath(int fd, char *buf, size_t n);
#endif
