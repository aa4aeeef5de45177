// The container's CRI log file (the format the kubelet's log reader parses); see crilog.h.
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "crilog.h"
#include "util.h"

static int logfd = -1;
static const char *logpath;
static long long logsize, logmax;
static int logfiles;

void log_open(const char *path, long long max, int files) {
  logpath = path;
  logmax = max;
  logfiles = files;
  if (logpath && *logpath) {
    make_parent(logpath);
    logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st;
    if (logfd >= 0 && fstat(logfd, &st) == 0) logsize = st.st_size;
  }
}

static void log_rotate(void) {
  char a[PATH_MAX], b[PATH_MAX];
  close(logfd);
  for (int i = logfiles - 1; i >= 1; i--) {
    if (i == 1) snprintf(a, sizeof a, "%s", logpath);
    else snprintf(a, sizeof a, "%s.%d", logpath, i - 1);
    snprintf(b, sizeof b, "%s.%d", logpath, i);
    rename(a, b);
  }
  if (logfiles <= 1) unlink(logpath);
  logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  logsize = 0;
}

static void log_line(const char *stream, const char *tag, const char *data, size_t n) {
  if (logfd < 0) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char head[96];
  int h = strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
  h += snprintf(head + h, sizeof head - h, ".%09ldZ %s %s ", ts.tv_nsec, stream, tag);
  if (logmax > 0 && logsize > 0 && logsize + h + (long long)n + 1 > logmax) log_rotate();
  if (logfd < 0) return;
  struct iovec iov[3] = {{head, (size_t)h}, {(void *)data, n}, {"\n", 1}};
  ssize_t w = writev(logfd, iov, 3);
  if (w > 0) logsize += w;
}

void log_feed(stream_t *s, const char *data, size_t n) {
  while (n > 0) {
    size_t take = sizeof s->buf - s->len;
    if (take > n) take = n;
    memcpy(s->buf + s->len, data, take);
    s->len += take;
    data += take;
    n -= take;
    size_t start = 0;
    for (size_t i = 0; i < s->len; i++) {
      if (s->buf[i] == '\n') {
        log_line(s->name, "F", s->buf + start, i - start);
        start = i + 1;
      }
    }
    if (start == 0 && s->len == sizeof s->buf) {
      log_line(s->name, "P", s->buf, s->len); // a line longer than the buffer
      s->len = 0;
    } else {
      memmove(s->buf, s->buf + start, s->len - start);
      s->len -= start;
    }
  }
}

void log_flush(stream_t *s) {
  if (s->len) log_line(s->name, "F", s->buf, s->len);
  s->len = 0;
}
