// The monitor's attach socket and its frames; see attach.h.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "attach.h"

static int clients[ATTACH_MAXCLI];
static int nclients;

static void send_frame(int fd, int kind, const char *data, size_t n) {
  unsigned char h[5] = {(unsigned char)kind, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  struct iovec iov[2] = {{h, 5}, {(void *)data, n}};
  if (writev(fd, iov, 2) < 0) {}
}

void broadcast(int kind, const char *data, size_t n) {
  for (int i = 0; i < nclients; i++) send_frame(clients[i], kind, data, n);
}

static void drop_client(int i) {
  close(clients[i]);
  clients[i] = clients[--nclients];
}

int attach_listen(const char *path) {
  if (!path) return -1;
  int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  unlink(path);
  if (bind(lsock, (struct sockaddr *)&a, sizeof a) < 0 || listen(lsock, 4) < 0) {
    close(lsock);
    lsock = -1;
  }
  return lsock;
}

void attach_accept(int lsock) {
  int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
  if (c >= 0) {
    if (nclients < ATTACH_MAXCLI) clients[nclients++] = c;
    else close(c);
  }
}

int attach_pollfds(struct pollfd *pf) {
  for (int i = 0; i < nclients; i++) pf[i] = (struct pollfd){clients[i], POLLIN, 0};
  return nclients;
}

ssize_t attach_recv(int i, int *kind, char *buf, size_t cap) {
  unsigned char h[5];
  ssize_t m = recv(clients[i], h, 5, MSG_WAITALL);
  if (m != 5) { drop_client(i); return -1; }
  size_t len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
  if (len > cap) { drop_client(i); return -1; }
  if (len && recv(clients[i], buf, len, MSG_WAITALL) != (ssize_t)len) { drop_client(i); return -1; }
  *kind = h[0];
  return (ssize_t)len;
}
