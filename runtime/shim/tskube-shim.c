// tskube-shim: the single-threaded helper the Node runtime uses for everything
// that must happen in a fresh process (Node is multithreaded, so it cannot
// unshare/setns itself).  One static binary, several modes:
//
//   tskube-shim start <conf>   daemonize as the container's monitor: clone the
//                              container init (new mount+pid ns, joins the
//                              pod's net/ipc/uts), keep its stdio, write CRI
//                              logs, record the exit status, then exit.
//   tskube-shim pause <conf>   daemonize as the pod's pause process holding
//                              new net/ipc/uts namespaces.
//   tskube-shim exec <conf>    enter a running container (all namespaces,
//                              cgroups, same caps/uid) and run a command,
//                              relaying stdio (and a pty when asked).
//   tskube-shim portforward <netns> <port>
//                              connect to 127.0.0.1:<port> inside a netns and
//                              relay stdin/stdout.
//
// Launch modes print one line on stdout: "ok <pid>" or "err <message>".
// The config file is written by the Node side: one "key value" per line,
// value escaped with \n and \\ (see runtime/shim-config.ts).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include "shim.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// ------------------------------------------------------------------ config

#define MAXV 512
typedef struct {
  char *key[MAXV * 4];
  char *val[MAXV * 4];
  int n;
} conf_t;

static conf_t C;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tskube-shim: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(125);
}

void load_conf(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("open %s: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
    if (len == 0) continue;
    char *sp = strchr(line, ' ');
    char *k = strndup(line, sp ? (size_t)(sp - line) : (size_t)len);
    char *raw = sp ? sp + 1 : line + len;
    char *v = malloc(strlen(raw) + 1), *o = v;
    for (char *p = raw; *p; p++) {
      if (*p == '\\' && p[1] == 'n') { *o++ = '\n'; p++; }
      else if (*p == '\\' && p[1] == '\\') { *o++ = '\\'; p++; }
      else *o++ = *p;
    }
    *o = 0;
    if (C.n >= MAXV * 4) die("config too long");
    C.key[C.n] = k;
    C.val[C.n] = v;
    C.n++;
  }
  free(line);
  fclose(f);
}

const char *get(const char *k) {
  for (int i = 0; i < C.n; i++)
    if (!strcmp(C.key[i], k)) return C.val[i];
  return NULL;
}
long geti(const char *k, long def) {
  const char *v = get(k);
  return v ? strtol(v, NULL, 10) : def;
}
// All values of a repeated key, NULL-terminated (static storage per call site is avoided: malloc).
char **getall(const char *k, int *count) {
  char **out = calloc(C.n + 1, sizeof(char *));
  int n = 0;
  for (int i = 0; i < C.n; i++)
    if (!strcmp(C.key[i], k)) out[n++] = C.val[i];
  out[n] = NULL;
  if (count) *count = n;
  return out;
}

// ------------------------------------------------------------------ helpers

static int errfd = -1; // container-init → monitor error channel (CLOEXEC)

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
  if (errfd >= 0) {
    if (write(errfd, buf, n) < 0) {}
  } else {
    fprintf(stderr, "tskube-shim: %s\n", buf);
  }
  _exit(127);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, data, strlen(data));
  int e = errno;
  close(fd);
  errno = e;
  return n < 0 ? -1 : 0;
}

// Atomic state file: write tmp, fsync-free rename (crash of the machine is out of scope, crash of Node is not).
static void write_atomic(const char *path, const char *data) {
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

static void make_parent(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  char *s = strrchr(buf, '/');
  if (s && s != buf) {
    *s = 0;
    mkdir_p(buf, 0755);
  }
}

static void devnull_stdio(void) {
  int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
}

static void join_cgroups(void) {
  char **cg = getall("cgroup", NULL);
  for (int i = 0; cg[i]; i++)
    if (write_file(cg[i], "0") < 0) fail("join cgroup %s", cg[i]);
  free(cg);
}

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

// Double fork + setsid so the daemon is reparented to init and survives the
// Node process; the launcher relays the daemon's one-line verdict.
// Returns in the daemon with *syncfd set; never returns in the launcher.
static void daemonize(int *syncfd) {
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

static void report(int syncfd, const char *fmt, ...) {
  char buf[1500];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (write(syncfd, buf, strlen(buf)) < 0) {}
  close(syncfd);
}

// ------------------------------------------------------------------ capabilities / identity

static int last_cap(void) {
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
static void apply_identity(int lastcap) {
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
static void exec_cmd(char **argv, char **envp) {
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

static void set_rlimits(void) {
  // Soft = hard for open files, never above what we hold (machines here cap it at 20000).
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// ------------------------------------------------------------------ rootfs

static void mnt(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
  if (mount(src, dst, type, fl, data) < 0) fail("mount %s on %s (%s)", src ? src : "none", dst, type ? type : "bind");
}

static void bind_ro(const char *src, const char *dst, int ro, int rec) {
  mnt(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL);
  if (ro) mnt(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | (rec ? MS_REC : 0), NULL);
}

// An O_PATH fd of path inside the container root (created as kind when missing), or fail.
static int in_root(int rootfd, const char *path, int kind, mode_t mode) {
  int fd = sp_open(rootfd, path, kind, mode);
  if (fd < 0) fail("resolve %s inside the container root", path);
  return fd;
}

// Mounts onto a path resolved inside the root, through /proc/self/fd/N (never a "<root>/<path>" string).
static void mnt_in(int rootfd, const char *src, const char *dst, int kind, mode_t mode, const char *type, unsigned long fl, const char *data) {
  char fp[64];
  int fd = in_root(rootfd, dst, kind, mode);
  if (mount(src, sp_fdpath(fd, fp, sizeof fp), type, fl, data) < 0) fail("mount %s on %s (%s)", src ? src : "none", dst, type ? type : "bind");
  close(fd);
}

// Read-only remount of the mount now on top of dst (re-resolved: the old fd names the covered directory).
static void remount_ro_in(int rootfd, const char *dst, int rec) {
  char fp[64];
  int fd = in_root(rootfd, dst, SP_NONE, 0);
  if (mount(NULL, sp_fdpath(fd, fp, sizeof fp), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | (rec ? MS_REC : 0), NULL) < 0)
    fail("remount %s read-only", dst);
  close(fd);
}

static void make_dev(int devfd, const char *name, mode_t mode, int maj, int mnr) {
  if (mknodat(devfd, name, S_IFCHR | mode, makedev(maj, mnr)) < 0 && errno != EEXIST) fail("mknod /dev/%s", name);
  fchmodat(devfd, name, mode, 0);
}

// A bind mount "src\tdst\tro|rw[\tsubPath]": the source is the host path the kubelet gave (trusted),
// or with a subPath the path resolved INSIDE it; the target is resolved inside the container root.
static void bind_volume(int rootfd, const char *spec_in) {
  char *spec = strdup(spec_in), fp[64], sp[64];
  char *src = spec, *dst = strchr(spec, '\t');
  if (!dst) fail("bad mount spec %s", spec_in);
  *dst++ = 0;
  char *mode = strchr(dst, '\t'), *sub = NULL;
  if (mode) {
    *mode++ = 0;
    sub = strchr(mode, '\t');
    if (sub) *sub++ = 0;
  }
  int sfd;
  if (sub && *sub) {
    int vfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (vfd < 0) fail("open volume %s", src);
    // Missing subPath: created as a directory, as the kubelet does; a link swapped in cannot leave the volume.
    sfd = sp_open(vfd, sub, SP_DIR, 0755);
    if (sfd < 0) fail("subPath %s of volume %s", sub, src);
    close(vfd);
  } else {
    sfd = open(src, O_PATH | O_CLOEXEC);
    if (sfd < 0) fail("mount source %s", src);
  }
  struct stat st;
  if (fstat(sfd, &st) < 0) fail("stat mount source %s", src);
  int tfd = in_root(rootfd, dst, S_ISDIR(st.st_mode) ? SP_DIR : SP_FILE, S_ISDIR(st.st_mode) ? 0755 : 0644);
  if (mount(sp_fdpath(sfd, sp, sizeof sp), sp_fdpath(tfd, fp, sizeof fp), NULL, MS_BIND | MS_REC, NULL) < 0) fail("bind %s on %s", src, dst);
  close(tfd);
  close(sfd);
  if (mode && !strcmp(mode, "ro")) remount_ro_in(rootfd, dst, 1);
  free(spec);
}

// /sys/fs/cgroup inside the container's cgroup namespace: cgroup2 (v2), or a tmpfs with each joined
// v1 hierarchy ("cgroup_mount <dir>\t<fstype>\t<options>"), so the container sees its own limits.
static void mount_cgroups(int rootfd, int privileged) {
  int n;
  char **cm = getall("cgroup_mount", &n);
  if (n == 0) {
    free(cm);
    return;
  }
  unsigned long ro = privileged ? 0 : MS_RDONLY;
  unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (n == 1 && !strncmp(cm[0], "\tcgroup2", 8)) {
    mnt_in(rootfd, "cgroup2", "sys/fs/cgroup", SP_NONE, 0, "cgroup2", fl | ro, NULL);
  } else {
    mnt_in(rootfd, "tmpfs", "sys/fs/cgroup", SP_NONE, 0, "tmpfs", fl, "mode=755,size=64k");
    for (int i = 0; i < n; i++) {
      char *spec = strdup(cm[i]), *type = strchr(spec, '\t'), *opts = NULL, path[PATH_MAX];
      if (!type) fail("bad cgroup_mount %s", cm[i]);
      *type++ = 0;
      opts = strchr(type, '\t');
      if (opts) *opts++ = 0;
      snprintf(path, sizeof path, "sys/fs/cgroup/%s", spec);
      mnt_in(rootfd, "cgroup", path, SP_DIR, 0755, type, fl | ro, opts && *opts ? opts : NULL);
      free(spec);
    }
    if (!privileged) remount_ro_in(rootfd, "sys/fs/cgroup", 0);
  }
  free(cm);
}

static void setup_rootfs(const char *root, int privileged) {
  char fp[64];
  // Overlay: lowerdir lists the top layer first; config gives lowest first.
  int nl;
  char **lower = getall("lower", &nl);
  const char *upper = get("upper"), *work = get("work");
  if (nl == 0) fail("no image layers");
  size_t cap = 256;
  for (int i = 0; i < nl; i++) cap += strlen(lower[i]) + 1;
  cap += (upper ? strlen(upper) : 0) + (work ? strlen(work) : 0);
  char *opts = malloc(cap);
  strcpy(opts, "lowerdir=");
  for (int i = nl - 1; i >= 0; i--) {
    strcat(opts, lower[i]);
    if (i) strcat(opts, ":");
  }
  if (upper && work) {
    strcat(opts, ",upperdir=");
    strcat(opts, upper);
    strcat(opts, ",workdir=");
    strcat(opts, work);
  }
  free(lower);
  // nodev: device nodes created in the writable layer can never be opened.
  if (nl == 1 && !upper) bind_ro(get("lower"), root, 1, 1);
  else mnt("overlay", root, "overlay", privileged ? 0 : MS_NODEV, opts);
  free(opts);
  // The root is a path tskube owns; everything below it is the image's and resolved inside it.
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) fail("open rootfs %s", root);

  mnt_in(rootfd, "proc", "proc", SP_DIR, 0555, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);

  if (privileged) {
    int fd = in_root(rootfd, "dev", SP_DIR, 0755);
    if (mount("/dev", sp_fdpath(fd, fp, sizeof fp), NULL, MS_BIND | MS_REC, NULL) < 0) fail("bind /dev");
    close(fd);
  } else {
    mnt_in(rootfd, "tmpfs", "dev", SP_DIR, 0755, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    // The fresh tmpfs now on /dev: everything below is ours.
    int devfd = in_root(rootfd, "dev", SP_NONE, 0);
    make_dev(devfd, "null", 0666, 1, 3);
    make_dev(devfd, "zero", 0666, 1, 5);
    make_dev(devfd, "full", 0666, 1, 7);
    make_dev(devfd, "random", 0666, 1, 8);
    make_dev(devfd, "urandom", 0666, 1, 9);
    make_dev(devfd, "tty", 0666, 5, 0);
    mnt_in(rootfd, "devpts", "dev/pts", SP_DIR, 0755, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    if (symlinkat("pts/ptmx", devfd, "ptmx") < 0) fail("symlink ptmx");
    mnt_in(rootfd, "shm", "dev/shm", SP_DIR, 01777, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
    {
      int fd = in_root(rootfd, "dev/mqueue", SP_DIR, 0755);
      mount("mqueue", sp_fdpath(fd, fp, sizeof fp), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL); // optional
      close(fd);
    }
    const char *links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"}};
    for (unsigned i = 0; i < sizeof links / sizeof links[0]; i++)
      if (symlinkat(links[i][0], devfd, links[i][1]) < 0) {}
    // A tty container gets its pty as /dev/console.
    const char *cons = get("console");
    if (cons) mnt_in(rootfd, cons, "dev/console", SP_FILE, 0600, NULL, MS_BIND, NULL);
    close(devfd);
  }

  if (!privileged && geti("dev_ro", 0)) {
    int fd = in_root(rootfd, "dev", SP_NONE, 0);
    mnt(NULL, sp_fdpath(fd, fp, sizeof fp), NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    close(fd);
  }

  // sysfs belongs to the net ns; with the host's net ns a fresh mount is still fine as root.
  mnt_in(rootfd, "sysfs", "sys", SP_DIR, 0555, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (privileged ? 0 : MS_RDONLY), NULL);
  mount_cgroups(rootfd, privileged);

  // Bind mounts, targets created like runc does (dir or empty file), all inside the root.
  char **ms = getall("mount", NULL);
  for (int i = 0; ms[i]; i++) bind_volume(rootfd, ms[i]);
  free(ms);
  close(rootfd);
}

static void pivot(const char *root) {
  if (chdir(root) < 0) fail("chdir %s", root);
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root");
  // The old root is stacked on "."; detach it.
  if (umount2(".", MNT_DETACH) < 0) fail("umount old root");
  if (chdir("/") < 0) fail("chdir /");
}

static void mask_paths(void) {
  static const char *masked[] = {"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                                 "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                                 "/sys/devices/virtual/powercap", NULL};
  static const char *ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
  for (int i = 0; masked[i]; i++) {
    struct stat st;
    if (stat(masked[i], &st) < 0) continue;
    if (S_ISDIR(st.st_mode)) mnt("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL);
    else mnt("/dev/null", masked[i], NULL, MS_BIND, NULL);
  }
  for (int i = 0; ro[i]; i++) {
    struct stat st;
    if (stat(ro[i], &st) < 0) continue;
    bind_ro(ro[i], ro[i], 1, 1);
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
static void chdir_in_root(const char *cwd, int create) {
  int rfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) fail("open /");
  int fd = sp_open(rfd, cwd, create ? SP_DIR : SP_NONE, 0755);
  if (fd < 0 || fchdir(fd) < 0) fail("chdir %s", cwd);
  close(fd);
  close(rfd);
}

static void container_init(int in, int out, int errw, int tty_slave) {
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

// ------------------------------------------------------------------ CRI log writer

typedef struct {
  const char *name;
  char buf[16384];
  size_t len;
} stream_t;

static int logfd = -1;
static const char *logpath;
static long long logsize, logmax;
static int logfiles;

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

static void log_feed(stream_t *s, const char *data, size_t n) {
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

static void log_flush(stream_t *s) {
  if (s->len) log_line(s->name, "F", s->buf, s->len);
  s->len = 0;
}

// ------------------------------------------------------------------ attach socket
// Frames both ways: [1 byte kind][4 bytes big-endian length][payload].
// monitor → client: kind 1 stdout, 2 stderr, 4 exit (payload: decimal code).
// client → monitor: kind 0 stdin data, 5 stdin close, 3 resize (payload "cols rows").

#define MAXCLI 8
static int clients[MAXCLI];
static int nclients;

static void send_frame(int fd, int kind, const char *data, size_t n) {
  unsigned char h[5] = {(unsigned char)kind, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  struct iovec iov[2] = {{h, 5}, {(void *)data, n}};
  if (writev(fd, iov, 2) < 0) {}
}

static void broadcast(int kind, const char *data, size_t n) {
  for (int i = 0; i < nclients; i++) send_frame(clients[i], kind, data, n);
}

static void drop_client(int i) {
  close(clients[i]);
  clients[i] = clients[--nclients];
}

// ------------------------------------------------------------------ start mode (monitor)

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

static int mode_start(void) {
  int syncfd;
  daemonize(&syncfd);
  devnull_stdio();
  signal(SIGPIPE, SIG_IGN);

  int tty = geti("tty", 0), want_stdin = geti("stdin", 0), stdin_once = geti("stdin_once", 0);
  logpath = get("log");
  logmax = geti("log_max", 10 * 1024 * 1024);
  logfiles = geti("log_files", 5);
  if (logpath && *logpath) {
    make_parent(logpath);
    logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st;
    if (logfd >= 0 && fstat(logfd, &st) == 0) logsize = st.st_size;
  }

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
    C.key[C.n] = "console";
    C.val[C.n++] = strdup(sn);
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
    errfd = ep[1];
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
  int lsock = -1;
  const char *sockp = get("attach_sock");
  if (sockp) {
    lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sockp);
    unlink(sockp);
    if (bind(lsock, (struct sockaddr *)&a, sizeof a) < 0 || listen(lsock, 4) < 0) {
      close(lsock);
      lsock = -1;
    }
  }

  long long started = now_ns();
  if (startedf) {
    snprintf(st, sizeof st, "pid=%d\nmonitor_pid=%d\nstarted_ns=%lld\n", pid, getpid(), started);
    write_atomic(startedf, st);
  }
  report(syncfd, "ok %d\n", pid);

  stream_t so = {.name = "stdout"}, se = {.name = "stderr"};
  int outfd = tty ? master : outp[0], errfd2 = tty ? -1 : errp[0], infd = tty ? (want_stdin ? master : -1) : inp[1];
  int exited = 0, status = 0;
  char buf[32768];
  while (outfd >= 0 || errfd2 >= 0 || !exited) {
    struct pollfd pf[4 + MAXCLI];
    int n = 0;
    pf[n++] = (struct pollfd){sfd, POLLIN, 0};
    int io = -1, ie = -1, il = -1;
    if (outfd >= 0) { io = n; pf[n++] = (struct pollfd){outfd, POLLIN, 0}; }
    if (errfd2 >= 0) { ie = n; pf[n++] = (struct pollfd){errfd2, POLLIN, 0}; }
    if (lsock >= 0) { il = n; pf[n++] = (struct pollfd){lsock, POLLIN, 0}; }
    int ic = n;
    for (int i = 0; i < nclients; i++) pf[n++] = (struct pollfd){clients[i], POLLIN, 0};
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
        broadcast(k + 1, buf, m);
      } else if (m == 0 || (errno != EINTR && errno != EAGAIN)) {
        // EIO on a pty master means the slave side is gone.
        if (*fdp != infd) close(*fdp);
        else if (!want_stdin) close(*fdp);
        *fdp = -1;
      }
    }
    if (il >= 0 && pf[il].revents) {
      int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
      if (c >= 0) {
        if (nclients < MAXCLI) clients[nclients++] = c;
        else close(c);
      }
    }
    for (int i = nclients - 1; i >= 0; i--) {
      if (!pf[ic + i].revents) continue;
      unsigned char h[5];
      ssize_t m = recv(clients[i], h, 5, MSG_WAITALL);
      if (m != 5) { drop_client(i); continue; }
      size_t len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
      if (len > sizeof buf) { drop_client(i); continue; }
      if (len && recv(clients[i], buf, len, MSG_WAITALL) != (ssize_t)len) { drop_client(i); continue; }
      if (h[0] == 0 && infd >= 0) {
        if (write(infd, buf, len) < 0) {}
      } else if (h[0] == 5 && infd >= 0 && stdin_once && !tty) {
        close(infd);
        infd = -1;
      } else if (h[0] == 3 && master >= 0) {
        buf[len] = 0;
        struct winsize ws = {0};
        unsigned cols = 0, rows = 0;
        if (sscanf(buf, "%u %u", &cols, &rows) == 2) {
          ws.ws_col = cols;
          ws.ws_row = rows;
          ioctl(master, TIOCSWINSZ, &ws);
        }
      }
    }
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
  broadcast(4, cs, cl);
  if (sockp) unlink(sockp);
  return 0;
}

// ------------------------------------------------------------------ pause mode

static void on_term(int s) {
  (void)s;
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

static int mode_pause(void) {
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
      signal(SIGTERM, on_term);
      signal(SIGINT, on_term);
      signal(SIGCHLD, SIG_IGN);
      for (;;) pause();
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
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGCHLD, SIG_IGN);
  report(syncfd, "ok %d\n", getpid());
  for (;;) pause();
}

// ------------------------------------------------------------------ exec mode

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

static int mode_exec(void) {
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

// ------------------------------------------------------------------ port-forward mode

static int mode_portforward(const char *netns, int port) {
  int fd = open(netns, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) die("setns %s: %s", netns, strerror(errno));
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) die("connect 127.0.0.1:%d: %s", port, strerror(errno));
  signal(SIGPIPE, SIG_IGN);
  char buf[32768];
  int in = 0, open_s = 1;
  while (open_s) {
    struct pollfd pf[2] = {{s, POLLIN, 0}, {in, POLLIN, 0}};
    if (poll(pf, 2, -1) < 0 && errno == EINTR) continue;
    if (pf[0].revents) {
      ssize_t n = read(s, buf, sizeof buf);
      if (n <= 0) open_s = 0;
      else if (write(1, buf, n) < 0) open_s = 0;
    }
    if (in >= 0 && pf[1].revents) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n <= 0) {
        shutdown(s, SHUT_WR);
        in = -1;
      } else if (write(s, buf, n) < 0) open_s = 0;
    }
  }
  return 0;
}

extern char **environ;

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static void run_from_sealed_copy(char **argv) {
  const char *mark = getenv("_TSKUBE_SHIM_SEALED");
  if (mark && !strcmp(mark, "1")) {
    unsetenv("_TSKUBE_SHIM_SEALED");
    return;
  }
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0) die("open /proc/self/exe: %s", strerror(errno));
  int mfd = memfd_create("tskube-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("tskube-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) die("memfd_create: %s", strerror(errno));
  struct stat st;
  if (fstat(src, &st) < 0) die("stat /proc/self/exe: %s", strerror(errno));
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, src, NULL, left);
    if (n <= 0) die("copy shim to memfd: %s", strerror(errno));
    left -= n;
  }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) die("seal memfd: %s", strerror(errno));
  setenv("_TSKUBE_SHIM_SEALED", "1", 1);
  fexecve(mfd, argv, environ);
  die("fexecve sealed copy: %s", strerror(errno));
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "portforward")) return mode_portforward(argv[2], atoi(argv[3]));
  if (argc < 3) {
    fprintf(stderr, "usage: tskube-shim start|pause|exec <conf> | portforward <netns> <port>\n");
    return 2;
  }
  if (!strcmp(argv[1], "start") || !strcmp(argv[1], "exec")) {
    // CVE-2019-5736: these modes put a process of this binary inside a container before execve.
    // Run from a sealed memfd copy (so /proc/<pid>/exe never names the host file) and not dumpable
    // (so a container process cannot open /proc/<pid>/exe or /proc/<pid>/fd at all).
    run_from_sealed_copy(argv);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  load_conf(argv[2]);
  if (!strcmp(argv[1], "start")) return mode_start();
  if (!strcmp(argv[1], "pause")) return mode_pause();
  if (!strcmp(argv[1], "exec")) return mode_exec();
  fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
