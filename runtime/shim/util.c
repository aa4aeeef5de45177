// Small helpers every mode uses: dying with a message, time, files.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

int fail_fd = -1; // container-init → monitor error channel (CLOEXEC)

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tskube-shim: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(125);
}

// In the container init (before exec): report why we could not start, and die.
void fail(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n > (int)sizeof buf - 64) n = sizeof buf - 64;
  n += snprintf(buf + n, sizeof buf - n, ": %s", strerror(errno));
  if (fail_fd >= 0) {
    if (write(fail_fd, buf, n) < 0) {}
  } else {
    fprintf(stderr, "tskube-shim: %s\n", buf);
  }
  _exit(127);
}

long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, data, strlen(data));
  int e = errno;
  close(fd);
  errno = e;
  return n < 0 ? -1 : 0;
}

// Atomic state file: write tmp, fsync-free rename (crash of the machine is out of scope, crash of Node is not).
void write_atomic(const char *path, const char *data) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s.tmp%d", path, getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, data, strlen(data)) < 0) {}
  close(fd);
  rename(tmp, path);
}

static void mkdir_p(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      mkdir(buf, mode);
      *p = '/';
    }
  }
  mkdir(buf, mode);
}

void make_parent(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  char *s = strrchr(buf, '/');
  if (s && s != buf) {
    *s = 0;
    mkdir_p(buf, 0755);
  }
}

void devnull_stdio(void) {
  int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
}
