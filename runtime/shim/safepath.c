// Path resolution inside a container's root, as runc/libpathrs do it: the
// shim never builds "<root>/<path>" strings and hands them to mkdir/open/mount
// (an image symlink /data -> /host/dir would then reach the host), it holds an
// fd of the root and resolves every component inside it:
//   - openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) where the kernel has it
//     (5.6+): the kernel treats rootfd as "/" for absolute links and "..";
//   - otherwise a component-by-component walk (O_PATH|O_NOFOLLOW, readlinkat)
//     that restarts absolute links at rootfd and clamps ".." at it.
// Missing components are created with mkdirat in the fd of the directory just
// resolved, so a symlink swapped in during the walk cannot move the creation
// outside. The result is an O_PATH fd, mounted through /proc/self/fd/N.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "safepath.h"

int sp_force_walk;
int sp_unsafe;
static int have_openat2 = 1;

int sp_clean(const char *path, char *out, size_t n) {
  size_t len = 0;
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    const char *e = strchr(p, '/');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == 0) break;
    if (l == 1 && p[0] == '.') {
    } else if (l == 2 && p[0] == '.' && p[1] == '.') {
      // Back one component, never above the root.
      while (len > 0 && out[len - 1] != '/') len--;
      if (len > 0) len--;
    } else {
      if (len + l + 2 > n) {
        errno = ENAMETOOLONG;
        return -1;
      }
      if (len) out[len++] = '/';
      memcpy(out + len, p, l);
      len += l;
    }
    p += l;
  }
  out[len] = 0;
  return 0;
}

// The component walk; with kind != SP_NONE it also creates what is missing (directories, the last
// component as kind) with mkdirat/openat in the fd of the directory just resolved. A dangling link is
// followed into the root and its target created there, as runc's MkdirAllInRoot does.
static int walk(int rootfd, const char *rel, int kind, mode_t mode) {
  char rem[PATH_MAX], tmp[PATH_MAX];
  int stack[128], depth = 0, links = 0;
  snprintf(rem, sizeof rem, "%s", rel);
  stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
  if (stack[0] < 0) return -1;
  char *p = rem;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    char *e = strchr(p, '/');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    char comp[NAME_MAX + 1];
    if (l > NAME_MAX) {
      errno = ENAMETOOLONG;
      goto err;
    }
    memcpy(comp, p, l);
    comp[l] = 0;
    p += l;
    if (!strcmp(comp, ".")) continue;
    if (!strcmp(comp, "..")) {
      if (depth > 0) close(stack[depth--]);
      continue;
    }
    int fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && kind != SP_NONE) {
      while (*p == '/') p++;
      int last = !*p;
      if (last && kind == SP_FILE) {
        int f = openat(stack[depth], comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
        if (f < 0 && errno != EEXIST) goto err;
        if (f >= 0) close(f);
      } else if (mkdirat(stack[depth], comp, last ? mode : 0755) < 0 && errno != EEXIST) {
        goto err;
      }
      // Whatever is there now (ours, or a racer's link) goes through the same checks below.
      fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) goto err;
    struct stat st;
    if (fstat(fd, &st) < 0) {
      close(fd);
      goto err;
    }
    if (S_ISLNK(st.st_mode)) {
      // Any link (magic /proc ones included) is read as text and resolved inside the root.
      char tgt[PATH_MAX];
      ssize_t n = readlinkat(fd, "", tgt, sizeof tgt - 1);
      close(fd);
      if (n < 0) goto err;
      tgt[n] = 0;
      if (++links > 40) {
        errno = ELOOP;
        goto err;
      }
      if ((size_t)snprintf(tmp, sizeof tmp, "%s/%s", tgt, p) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        goto err;
      }
      memcpy(rem, tmp, sizeof rem);
      p = rem;
      if (tgt[0] == '/')
        while (depth > 0) close(stack[depth--]);
      continue;
    }
    if (depth + 1 >= (int)(sizeof stack / sizeof stack[0])) {
      close(fd);
      errno = ELOOP;
      goto err;
    }
    stack[++depth] = fd;
  }
  for (int i = 0; i < depth; i++) close(stack[i]);
  return stack[depth];
err : {
  int e = errno;
  for (int i = 0; i <= depth; i++) close(stack[i]);
  errno = e;
  return -1;
}
}

// Resolve an already cleaned relative path inside rootfd; "" is the root itself.
static int resolve(int rootfd, const char *rel) {
  if (have_openat2 && !sp_force_walk) {
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd = syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EAGAIN)) return fd;
    if (errno == ENOSYS) have_openat2 = 0;
  }
  return walk(rootfd, rel, SP_NONE, 0);
}

// The pre-issue-12 behaviour (plain lookups that follow links anywhere), kept only so the benchmark
// can show the cost of the safe walk beside it (RuntimeOptions.benchUnsafePaths).
static int unsafe_open(int rootfd, const char *rel, int kind, mode_t mode) {
  char pre[PATH_MAX];
  int fd = openat(rootfd, *rel ? rel : ".", O_PATH | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT || kind == SP_NONE) return fd;
  snprintf(pre, sizeof pre, "%s", rel);
  for (char *q = pre; *q; q++)
    if (*q == '/') {
      *q = 0;
      mkdirat(rootfd, pre, 0755);
      *q = '/';
    }
  if (kind == SP_DIR) mkdirat(rootfd, pre, mode);
  else close(openat(rootfd, pre, O_CREAT | O_WRONLY | O_CLOEXEC, mode));
  return openat(rootfd, pre, O_PATH | O_CLOEXEC);
}

int sp_open(int rootfd, const char *path, int kind, mode_t mode) {
  char rel[PATH_MAX];
  if (sp_clean(path, rel, sizeof rel) < 0) return -1;
  if (sp_unsafe) return unsafe_open(rootfd, rel, kind, mode);
  int fd = resolve(rootfd, rel);
  if (fd >= 0 || errno != ENOENT || kind == SP_NONE) return fd;
  // Something is missing: create it with the walk (held fds, links followed inside the root).
  return walk(rootfd, rel, kind, mode);
}

const char *sp_fdpath(int fd, char *buf, size_t n) {
  snprintf(buf, n, "/proc/self/fd/%d", fd);
  return buf;
}
