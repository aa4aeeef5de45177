// The pause mode: one daemon per pod that creates and holds the pod's net/ipc/uts namespaces
// (and, for shareProcessNamespace, forks the PID 1 of the pod's pid namespace), applies the pod's
// namespaced sysctls and hostname, brings lo up, and sleeps until SIGTERM/SIGINT.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "conf.h"
#include "launch.h"
#include "modes.h"
#include "util.h"

static void on_term(int s) {
  (void)s;
  _exit(0);
}

// The pause process lives as long as its pod, so once the namespaces are set up it re-executes
// itself as "pause-idle": a fresh image drops what the setup dirtied (the parsed config, the
// heap, deep stack pages; measured 72 -> ~44 KiB private per pod). The namespaces, the cgroup and
// SIGCHLD ignored (which reaps the pod's orphans) survive execve. The conf path stays in argv so
// the process can still be told by its command line. If the exec fails, it idles as it is.
static void __attribute__((noreturn)) become_idle(const char *conf) {
  char *argv[] = {"tskube-shim", "pause-idle", (char *)conf, NULL};
  char *envp[] = {NULL};
  execve("/proc/self/exe", argv, envp);
  mode_pause_idle();
  _exit(0);
}

static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  if (s >= 0) close(s);
}

int mode_pause(const char *conf) {
  int syncfd;
  daemonize(&syncfd);
  devnull_stdio();
  int flags = 0;
  if (geti("new_net", 0)) flags |= CLONE_NEWNET;
  if (geti("new_ipc", 0)) flags |= CLONE_NEWIPC;
  if (geti("new_uts", 0)) flags |= CLONE_NEWUTS;
  char **cg = getall("cgroup", NULL);
  for (int i = 0; cg[i]; i++)
    if (write_file(cg[i], "0") < 0) {
      report(syncfd, "err join cgroup %s: %s\n", cg[i], strerror(errno));
      return 1;
    }
  int share_pid = geti("new_pid", 0);
  if (share_pid) flags |= CLONE_NEWPID;
  if (flags && unshare(flags) < 0) {
    report(syncfd, "err unshare: %s\n", strerror(errno));
    return 1;
  }
  // Namespaced sysctls (validated by the Node side), written through /proc/sys from inside the
  // new net/ipc namespaces: the kernel applies them to the opener's namespaces.
  char **sc = getall("sysctl", NULL);
  for (int i = 0; sc[i]; i++) {
    char key[256], path[PATH_MAX];
    const char *eq = strchr(sc[i], '=');
    if (!eq || eq - sc[i] >= (long)sizeof key || strstr(sc[i], "..")) {
      report(syncfd, "err bad sysctl %s\n", sc[i]);
      return 1;
    }
    memcpy(key, sc[i], eq - sc[i]);
    key[eq - sc[i]] = 0;
    for (char *k = key; *k; k++)
      if (*k == '.') *k = '/';
      else if (*k == '/') *k = '.';
    snprintf(path, sizeof path, "/proc/sys/%s", key);
    if (write_file(path, eq + 1) < 0) {
      report(syncfd, "err sysctl %.*s=%s: %s\n", (int)(eq - sc[i]), sc[i], eq + 1, strerror(errno));
      return 1;
    }
  }
  free(sc);
  const char *hn = get("hostname");
  if (hn && (flags & CLONE_NEWUTS) && sethostname(hn, strlen(hn)) < 0) {
    report(syncfd, "err sethostname: %s\n", strerror(errno));
    return 1;
  }
  if (flags & CLONE_NEWNET) loopback_up();
  pid_t me = getpid();
  if (share_pid) {
    // The pod's pid namespace: its PID 1 is a child holding the same net/ipc/uts; it reaps the
    // containers' orphans (SIGCHLD ignored) and its death ends every process of the pod.
    me = fork();
    if (me < 0) {
      report(syncfd, "err fork: %s\n", strerror(errno));
      return 1;
    }
    if (me == 0) {
      close(syncfd);
      signal(SIGCHLD, SIG_IGN);
      become_idle(conf);
    }
  }
  const char *startedf = get("started");
  if (startedf) {
    char st[128];
    snprintf(st, sizeof st, "pid=%d\nstarted_ns=%lld\n", me, now_ns());
    write_atomic(startedf, st);
  }
  if (share_pid) {
    report(syncfd, "ok %d\n", me);
    _exit(0);
  }
  signal(SIGCHLD, SIG_IGN);
  report(syncfd, "ok %d\n", getpid());
  become_idle(conf);
}

int mode_pause_idle(void) {
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  for (;;) pause();
}
