// The port-forward mode: joins a pod's network namespace, connects to 127.0.0.1:<port> there and
// relays stdin → socket and socket → stdout (stdin's end half-closes the connection).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "modes.h"
#include "util.h"

int mode_portforward(const char *netns, int port) {
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
