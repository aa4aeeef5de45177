// The launch protocol of the daemon modes (start, pause); see launch.h.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch.h"
#include "util.h"

// Double fork + setsid so the daemon is reparented to init and survives the
// Node process; the launcher relays the daemon's one-line verdict.
// Returns in the daemon with *syncfd set; never returns in the launcher.
void daemonize(int *syncfd) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  pid_t c = fork();
  if (c < 0) die("fork: %s", strerror(errno));
  if (c > 0) {
    close(p[1]);
    int st;
    waitpid(c, &st, 0);
    char buf[2048];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0) n += r;
    buf[n] = 0;
    if (n == 0) {
      printf("err daemon died before reporting\n");
      exit(1);
    }
    fputs(buf, stdout);
    exit(strncmp(buf, "ok ", 3) == 0 ? 0 : 1);
  }
  close(p[0]);
  setsid();
  c = fork();
  if (c < 0) _exit(1);
  if (c > 0) _exit(0);
  *syncfd = p[1];
  if (chdir("/") < 0) {}
  umask(022);
}

void report(int syncfd, const char *fmt, ...) {
  char buf[1500];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (write(syncfd, buf, strlen(buf)) < 0) {}
  close(syncfd);
}
