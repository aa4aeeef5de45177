// The container's root filesystem; see rootfs.h. Every target below the root is resolved inside it
// (sp_open) and mounted through /proc/self/fd/N, never as a "<root>/<path>" string.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "conf.h"
#include "rootfs.h"
#include "safepath.h"
#include "util.h"

void mnt(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
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

void setup_rootfs(const char *root, int privileged) {
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

void pivot(const char *root) {
  if (chdir(root) < 0) fail("chdir %s", root);
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root");
  // The old root is stacked on "."; detach it.
  if (umount2(".", MNT_DETACH) < 0) fail("umount old root");
  if (chdir("/") < 0) fail("chdir /");
}

void mask_paths(void) {
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
