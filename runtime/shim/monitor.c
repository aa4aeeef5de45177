// The start mode: the container's monitor, a daemon outside the container. It forks the container
// init (nsexec.c) into the container's pid namespace, reports "ok <pid>" once the init has exec'd
// (or "err <message>" from the init's error pipe), then until the init exits: copies its output
// into the CRI log (crilog.c) and to attach clients (attach.c), feeds their stdin and resizes, and
// reaps. Last it writes the "exit" state file and sends the exit code to attach clients.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "attach.h"
#include "conf.h"
#include "crilog.h"
#include "launch.h"
#include "modes.h"
#include "nsexec.h"
#include "sealed.h"
#include "util.h"

static unsigned long long read_oom_kills(const char *key) {
  // v1 memory.oom_control and v2 memory.events both carry "oom_kill N".
  const char *p = get(key);
  if (!p) return 0;
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  char k[64];
  unsigned long long v, r = 0;
  while (fscanf(f, "%63s %llu", k, &v) == 2)
    if (!strcmp(k, "oom_kill")) r = v;
  fclose(f);
  return r;
}

static void kill_cgroup_rest(void) {
  const char *procs = get("cgroup");
  if (!procs) return;
  for (int round = 0; round < 50; round++) {
    FILE *f = fopen(procs, "r");
    if (!f) return;
    int pid, any = 0;
    while (fscanf(f, "%d", &pid) == 1)
      if (pid != getpid()) {
        kill(pid, SIGKILL);
        any = 1;
      }
    fclose(f);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    if (!any) return;
    usleep(10000);
  }
}

int mode_start(void) {
  int syncfd;
  daemonize(&syncfd);
  devnull_stdio();
  signal(SIGPIPE, SIG_IGN);

  int tty = geti("tty", 0), want_stdin = geti("stdin", 0), stdin_once = geti("stdin_once", 0);
  log_open(get("log"), geti("log_max", 10 * 1024 * 1024), geti("log_files", 5));

  int outp[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1}, master = -1, slave = -1;
  if (tty) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
      report(syncfd, "err openpt: %s\n", strerror(errno));
      return 1;
    }
    char *sn = ptsname(master);
    slave = open(sn, O_RDWR | O_NOCTTY);
    // /dev/console inside is a bind mount of our pty slave.
    conf_add("console", strdup(sn));
  } else {
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
      report(syncfd, "err pipe: %s\n", strerror(errno));
      return 1;
    }
  }
  if (want_stdin && !tty) pipe2(inp, O_CLOEXEC);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  int ep[2];
  pipe2(ep, O_CLOEXEC);
  unsigned long long oom_before = read_oom_kills("oom_file");
  unsigned long long pod_oom_before = read_oom_kills("pod_oom_file");
  // The init's pid namespace: its own (default), the pod's (shareProcessNamespace: the pause
  // process is PID 1 there) or the host's (hostPID). setns/unshare of a pid ns apply to children.
  const char *nspid = get("ns_pid");
  int own_pidns = 0;
  if (nspid) {
    int fd = open(nspid, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) {
      report(syncfd, "err join pid ns %s: %s\n", nspid, strerror(errno));
      return 1;
    }
    close(fd);
  } else if (!geti("host_pid", 0)) {
    if (unshare(CLONE_NEWPID) < 0) {
      report(syncfd, "err unshare pid ns: %s\n", strerror(errno));
      return 1;
    }
    own_pidns = 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    report(syncfd, "err fork: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    close(ep[0]);
    fail_fd = ep[1];
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    container_init(inp[0] >= 0 ? inp[0] : devnull, outp[1], errp[1], slave);
    _exit(127);
  }
  close(ep[1]);
  if (outp[1] >= 0) close(outp[1]);
  if (errp[1] >= 0) close(errp[1]);
  if (inp[0] >= 0) close(inp[0]);
  // Keep the slave open in tty mode so output is not lost when the init exits before we read;
  // it is closed once the init has been reaped.
  char emsg[1100];
  ssize_t en = read(ep[0], emsg, sizeof emsg - 1);
  close(ep[0]);
  char st[512];
  const char *statef = get("state");
  const char *startedf = get("started");
  if (en > 0) {
    emsg[en] = 0;
    int status;
    waitpid(pid, &status, 0);
    snprintf(st, sizeof st, "exit_code=128\nsignal=0\noom=0\nfinished_ns=%lld\nstart_error=1\n", now_ns());
    // message last, on its own line
    char full[1800];
    snprintf(full, sizeof full, "%smessage=%s\n", st, emsg);
    if (statef) write_atomic(statef, full);
    report(syncfd, "err %s\n", emsg);
    return 1;
  }
  // Attach socket.
  const char *sockp = get("attach_sock");
  int lsock = attach_listen(sockp);

  // Registered before "started" is written and the start reported, so whoever starts the next
  // container after this one returned finds this copy (and a test can read the registry at once).
  register_sealed_copy(get("sealed_copy"));
  long long started = now_ns();
  if (startedf) {
    snprintf(st, sizeof st, "pid=%d\nmonitor_pid=%d\nstarted_ns=%lld\n", pid, getpid(), started);
    write_atomic(startedf, st);
  }
  report(syncfd, "ok %d\n", pid);
  // The monitor idles for the container's life: hand back the heap the start-up freed (config
  // file buffers, the init's setup) instead of keeping those pages dirty.
  malloc_trim(0);

  // Static and initialized, not on the stack: an initialized local would zero (dirty) both 16 KiB
  // line buffers in every idle monitor; in .data their pages stay the (shared) file's until output
  // reaches them.
  static stream_t so = {.name = "stdout"}, se = {.name = "stderr"};
  int outfd = tty ? master : outp[0], errfd2 = tty ? -1 : errp[0], infd = tty ? (want_stdin ? master : -1) : inp[1];
  int exited = 0, status = 0;
  char buf[32768];
  while (outfd >= 0 || errfd2 >= 0 || !exited) {
    struct pollfd pf[4 + ATTACH_MAXCLI];
    int n = 0;
    pf[n++] = (struct pollfd){sfd, POLLIN, 0};
    int io = -1, ie = -1, il = -1;
    if (outfd >= 0) { io = n; pf[n++] = (struct pollfd){outfd, POLLIN, 0}; }
    if (errfd2 >= 0) { ie = n; pf[n++] = (struct pollfd){errfd2, POLLIN, 0}; }
    if (lsock >= 0) { il = n; pf[n++] = (struct pollfd){lsock, POLLIN, 0}; }
    int ic = n, ncli = attach_pollfds(pf + n);
    n += ncli;
    // After the init exited, give stragglers (tty) a moment, then stop waiting.
    int r = poll(pf, n, exited ? 200 : -1);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && exited) break;
    if (pf[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {}
      if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
        exited = 1;
        if (slave >= 0) { close(slave); slave = -1; }
      }
      while (waitpid(-1, NULL, WNOHANG) > 0) {}
    }
    for (int k = 0; k < 2; k++) {
      int idx = k == 0 ? io : ie;
      if (idx < 0 || !pf[idx].revents) continue;
      int *fdp = k == 0 ? &outfd : &errfd2;
      stream_t *s = k == 0 ? &so : &se;
      ssize_t m = read(*fdp, buf, sizeof buf);
      if (m > 0) {
        log_feed(s, buf, m);
        broadcast(k == 0 ? FRAME_STDOUT : FRAME_STDERR, buf, m);
      } else if (m == 0 || (errno != EINTR && errno != EAGAIN)) {
        // EIO on a pty master means the slave side is gone.
        if (*fdp != infd) close(*fdp);
        else if (!want_stdin) close(*fdp);
        *fdp = -1;
      }
    }
    // Clients polled above only (a client accepted below waits for the next poll).
    for (int i = ncli - 1; i >= 0; i--) {
      if (!pf[ic + i].revents) continue;
      int kind;
      ssize_t len = attach_recv(i, &kind, buf, sizeof buf);
      if (len < 0) continue;
      if (kind == FRAME_STDIN && infd >= 0) {
        if (write(infd, buf, len) < 0) {}
      } else if (kind == FRAME_STDIN_CLOSE && infd >= 0 && stdin_once && !tty) {
        close(infd);
        infd = -1;
      } else if (kind == FRAME_RESIZE && master >= 0) {
        char rs[32];
        snprintf(rs, sizeof rs, "%.*s", (int)len, buf);
        struct winsize ws = {0};
        unsigned cols = 0, rows = 0;
        if (sscanf(rs, "%u %u", &cols, &rows) == 2) {
          ws.ws_col = cols;
          ws.ws_row = rows;
          ioctl(master, TIOCSWINSZ, &ws);
        }
      }
    }
    if (il >= 0 && pf[il].revents) attach_accept(lsock);
  }
  if (!exited) waitpid(pid, &status, 0);
  // Without a pid namespace of its own, the init's end does not end its descendants: the kernel
  // would for PID 1 of a namespace, so do it for the container's cgroup, as runc does.
  if (!own_pidns) kill_cgroup_rest();
  log_flush(&so);
  log_flush(&se);
  unsigned long long oom_after = read_oom_kills("oom_file");
  unsigned long long pod_oom_after = read_oom_kills("pod_oom_file");
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  // Any OOM kill in the container's cgroup marks it, as containerd's OOM event does.
  // The pod cgroup's limit (the sum of its containers') can be hit first; v1 counts that OOM
  // there, not in the container's cgroup, so a SIGKILL with a pod OOM kill counts too.
  int oom = oom_after > oom_before || (sig == SIGKILL && pod_oom_after > pod_oom_before);
  snprintf(st, sizeof st, "exit_code=%d\nsignal=%d\noom=%d\nfinished_ns=%lld\n", code, sig, oom, now_ns());
  if (statef) write_atomic(statef, st);
  char cs[16];
  int cl = snprintf(cs, sizeof cs, "%d", code);
  broadcast(FRAME_EXIT, cs, cl);
  if (sockp) unlink(sockp);
  return 0;
}
