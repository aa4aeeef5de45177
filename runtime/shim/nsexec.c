// Turning a shim process into a container process; see nsexec.h.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/capability.h>
#include "conf.h"
#include "nsexec.h"
#include "rootfs.h"
#include "safepath.h"
#include "seccomp-filter.h"
#include "util.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

void join_cgroups(void) {
  char **cg = getall("cgroup", NULL);
  for (int i = 0; cg[i]; i++)
    if (write_file(cg[i], "0") < 0) fail("join cgroup %s", cg[i]);
  free(cg);
}

// ------------------------------------------------------------------ capabilities / identity

int last_cap(void) {
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  char b[16] = {0};
  int r = 40;
  if (fd >= 0) {
    if (read(fd, b, sizeof b - 1) > 0) r = atoi(b);
    close(fd);
  }
  return r;
}

// Keep exactly the configured caps in bounding/permitted/effective/inheritable/ambient,
// switch uid/gid (which clears caps for non-root, as with runc/containerd).
void apply_identity(int lastcap) {
  int ncaps;
  char **caps = getall("cap", &ncaps);
  uint64_t keep = 0;
  for (int i = 0; i < ncaps; i++) keep |= 1ULL << atoi(caps[i]);
  free(caps);
  {
    // Never ask for more than we hold (root here may lack e.g. CAP_SYS_RESOURCE).
    struct __user_cap_header_struct hh = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct cur[2];
    if (syscall(SYS_capget, &hh, cur) == 0) keep &= ((uint64_t)cur[1].permitted << 32) | cur[0].permitted;
  }
  for (int c = 0; c <= lastcap; c++)
    if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) fail("drop bounding cap %d", c);

  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  for (int i = 0; i < 2; i++) {
    uint32_t w = (uint32_t)(keep >> (32 * i));
    d[i].effective = d[i].permitted = d[i].inheritable = w;
  }

  uid_t uid = geti("uid", 0);
  gid_t gid = geti("gid", 0);
  int ng;
  char **gs = getall("group", &ng);
  gid_t groups[64];
  if (ng > 64) ng = 64;
  for (int i = 0; i < ng; i++) groups[i] = atoi(gs[i]);
  free(gs);
  // Identity first (needs CAP_SETGID/SETUID); a non-root uid loses permitted/effective caps here.
  if (setgroups(ng, groups) < 0) fail("setgroups");
  if (setresgid(gid, gid, gid) < 0) fail("setgid %d", gid);
  if (setresuid(uid, uid, uid) < 0) fail("setuid %d", uid);
  if (uid == 0) {
    if (syscall(SYS_capset, &h, d) < 0) fail("capset");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int c = 0; c <= lastcap; c++)
      if (keep & (1ULL << c)) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
  }
  if (geti("nnp", 1) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs");
}

// execve with PATH lookup in the *container's* environment.
void exec_cmd(char **argv, char **envp) {
  if (!argv[0]) {
    errno = EINVAL;
    fail("no command given");
  }
  if (strchr(argv[0], '/')) {
    execve(argv[0], argv, envp);
    fail("exec %s", argv[0]);
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (int i = 0; envp[i]; i++)
    if (!strncmp(envp[i], "PATH=", 5)) path = envp[i] + 5;
  char buf[PATH_MAX];
  int saved = ENOENT;
  const char *p = path;
  while (*p) {
    const char *e = strchr(p, ':');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    snprintf(buf, sizeof buf, "%.*s/%s", (int)l, p, argv[0]);
    execve(buf, argv, envp);
    if (errno != ENOENT) saved = errno;
    if (!e) break;
    p = e + 1;
  }
  errno = saved;
  fail("exec %s (not found in PATH %s)", argv[0], path);
}

void set_rlimits(void) {
  // Soft = hard for open files, never above what we hold (machines here cap it at 20000).
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// ------------------------------------------------------------------ container init (runs in the child)

static void join_ns(const char *key, int type) {
  const char *p = get(key);
  if (!p) return;
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open %s", p);
  if (setns(fd, type) < 0) fail("setns %s", p);
  close(fd);
}

// chdir to the working directory resolved (and created) inside the container root: an image link
// such as /work -> /proc/1/root cannot take the process out (magic links are refused).
void chdir_in_root(const char *cwd, int create) {
  int rfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) fail("open /");
  int fd = sp_open(rfd, cwd, create ? SP_DIR : SP_NONE, 0755);
  if (fd < 0 || fchdir(fd) < 0) fail("chdir %s", cwd);
  close(fd);
  close(rfd);
}

void container_init(int in, int out, int errw, int tty_slave) {
  int lastcap = last_cap();
  int privileged = geti("privileged", 0);
  // stdio
  if (setsid() < 0) fail("setsid");
  if (tty_slave >= 0) {
    if (ioctl(tty_slave, TIOCSCTTY, 0) < 0) fail("TIOCSCTTY");
    dup2(tty_slave, 0);
    dup2(tty_slave, 1);
    dup2(tty_slave, 2);
  } else {
    dup2(in, 0);
    dup2(out, 1);
    dup2(errw, 2);
  }
  sp_force_walk = geti("path_walk", 0);
  sp_unsafe = geti("unsafe_paths", 0);
  // Compiled before the mounts (libseccomp needs nothing from the filesystem), loaded last.
  int filtered = seccomp_prepare();
  // The container cgroup's CPU weight ("<file>\t<value>"), opened while the host's cgroupfs is
  // reachable and written only once the root is built: a low weight (BestEffort: 2) would stretch
  // this setup many times over on a busy node. Written before anything of the container runs.
  int weight_fd = -1;
  char weight[32] = "";
  const char *cw = get("cpu_weight");
  if (cw) {
    const char *tab = strchr(cw, '\t');
    if (!tab || strlen(tab + 1) >= sizeof weight) fail("bad cpu_weight %s", cw);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.*s", (int)(tab - cw), cw);
    snprintf(weight, sizeof weight, "%s", tab + 1);
    weight_fd = open(path, O_WRONLY | O_CLOEXEC);
    if (weight_fd < 0) fail("open %s", path);
  }
  join_cgroups();
  join_ns("ns_ipc", CLONE_NEWIPC);
  join_ns("ns_uts", CLONE_NEWUTS);
  join_ns("ns_net", CLONE_NEWNET);
  // A cgroup namespace rooted at the container's cgroups (joined above): /sys/fs/cgroup shows its own.
  if (unshare(CLONE_NEWNS | (geti("new_cgroupns", 1) ? CLONE_NEWCGROUP : 0)) < 0) fail("unshare mount/cgroup ns");
  mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  const char *root = get("rootfs");
  if (!root) fail("no rootfs");
  setup_rootfs(root, privileged);
  pivot(root);
  if (!privileged && !geti("unmasked", 0)) mask_paths();
  if (geti("readonly_root", 0)) mnt(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
  const char *hn = get("hostname");
  // Only ever inside a UTS namespace that is not the host's.
  if (hn && get("ns_uts") && sethostname(hn, strlen(hn)) < 0) fail("sethostname");
  set_rlimits();
  const char *cwd = get("cwd");
  if (cwd) chdir_in_root(cwd, 1);
  if (weight_fd >= 0) {
    if (write(weight_fd, weight, strlen(weight)) < 0) fail("write cpu weight %s", weight);
    close(weight_fd);
  }
  int nnp = geti("nnp", 1);
  // Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter: load it while we hold it (runc's order).
  if (filtered && !nnp) seccomp_install();
  apply_identity(lastcap);
  // Everything but stdio and the error pipe (CLOEXEC) must not leak into the container.
  syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  char **argv = getall("arg", NULL);
  char **envp = getall("env", NULL);
  signal(SIGPIPE, SIG_DFL);
  if (filtered && nnp) seccomp_install();
  exec_cmd(argv, envp);
}
