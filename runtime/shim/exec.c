// The exec mode: a short-lived process (Node's child) that enters a running container (its
// cgroups, then setns into ipc/uts/net/pid/cgroup/mnt of the container's init), forks the command
// with the container's identity and seccomp filter, relays a pty when asked, and exits with the
// command's status (128+signal when killed).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "conf.h"
#include "modes.h"
#include "nsexec.h"
#include "seccomp-filter.h"
#include "util.h"

static int relay_pty(int master, pid_t child) {
  // stdin → master, master → stdout; fd 3 (if open) carries "cols rows\n" resize lines.
  char buf[16384];
  int in = 0, ctl = fcntl(3, F_GETFD) >= 0 ? 3 : -1, status = 0, done = 0;
  while (!done) {
    struct pollfd pf[3] = {{master, POLLIN, 0}, {in, POLLIN, 0}, {ctl, POLLIN, 0}};
    if (poll(pf, 3, -1) < 0 && errno == EINTR) continue;
    if (pf[0].revents) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) done = 1;
      else if (write(1, buf, n) < 0) {}
    }
    if (in >= 0 && pf[1].revents) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n <= 0) in = -1, pf[1].fd = -1;
      else if (write(master, buf, n) < 0) {}
    }
    if (ctl >= 0 && pf[2].revents) {
      ssize_t n = read(ctl, buf, sizeof buf - 1);
      if (n <= 0) ctl = -1;
      else {
        buf[n] = 0;
        unsigned cols, rows;
        if (sscanf(buf, "%u %u", &cols, &rows) == 2) {
          struct winsize ws = {.ws_row = rows, .ws_col = cols};
          ioctl(master, TIOCSWINSZ, &ws);
        }
      }
    }
  }
  waitpid(child, &status, 0);
  return status;
}

static pid_t exec_child;

// Ending an exec ends everything it started: the child is a session (and group) leader.
static void on_exec_term(int sig) {
  (void)sig;
  if (exec_child > 0) {
    kill(-exec_child, SIGKILL);
    kill(exec_child, SIGKILL);
  }
}

int mode_exec(void) {
  long target = geti("pid", 0);
  if (target <= 0) die("no target pid");
  static const struct { const char *n; int t; } nss[] = {{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET}, {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS}};
  int fds[6];
  char p[64];
  int filtered = seccomp_prepare();
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "/proc/%ld/ns/%s", target, nss[i].n);
    fds[i] = open(p, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) die("open %s: %s", p, strerror(errno));
  }
  int lastcap = last_cap();
  join_cgroups();
  for (int i = 0; i < 6; i++)
    if (setns(fds[i], nss[i].t) < 0) die("setns %s: %s", nss[i].n, strerror(errno));
  int tty = geti("tty", 0), master = -1, slave = -1;
  if (tty) {
    // A pty from the container's devpts, so the process sees a /dev/pts/N that exists inside.
    master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || unlockpt(master) < 0) die("open ptmx: %s", strerror(errno));
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    if (slave < 0) die("open pty slave: %s", strerror(errno));
  }
  pid_t c = fork();
  if (c < 0) die("fork: %s", strerror(errno));
  if (c == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setsid();
    if (tty) {
      ioctl(slave, TIOCSCTTY, 0);
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
    }
    const char *cwd = get("cwd");
    if (cwd) chdir_in_root(cwd, 0);
    set_rlimits();
    int nnp = geti("nnp", 1);
    if (filtered && !nnp) seccomp_install();
    apply_identity(lastcap);
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    signal(SIGPIPE, SIG_DFL);
    char **argv = getall("arg", NULL), **envp = getall("env", NULL);
    if (filtered && nnp) seccomp_install();
    exec_cmd(argv, envp);
  }
  exec_child = c;
  struct sigaction sa = {0};
  sa.sa_handler = on_exec_term;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  int status;
  if (tty) {
    close(slave);
    status = relay_pty(master, c);
  } else {
    // Forward termination requests to the process we started.
    while (waitpid(c, &status, 0) < 0 && errno == EINTR) {}
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
