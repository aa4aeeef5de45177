/* The pod-to-pod latency probe of `npm run bench -- nodes`: a tiny TCP echo server and a client
 * that times N request/response round trips of a small message on one connection (TCP_NODELAY).
 * Built static (gcc -static) so a busybox pod runs it from a hostPath volume.
 *
 *   tcp-pingpong server PORT
 *   tcp-pingpong client IPV4 PORT N     prints "rtt_us <value>" per round trip, then "done N"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define WARMUP 20

static int full(int fd, char *buf, int n, int writing) {
  int done = 0;
  while (done < n) {
    ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    done += (int)r;
  }
  return 0;
}

static int port_arg(const char *s) {
  char *end;
  long p = strtol(s, &end, 10);
  if (*end || p < 1 || p > 65535) {
    fprintf(stderr, "bad port %s\n", s);
    exit(2);
  }
  return (int)p;
}

static int serve(int port) {
  int one = 1;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 16) < 0) {
    perror("listen");
    return 1;
  }
  signal(SIGCHLD, SIG_IGN); /* children reaped by the kernel */
  printf("listening %d\n", port);
  fflush(stdout);
  for (;;) {
    int c = accept(l, NULL, NULL);
    if (c < 0) continue;
    if (fork() == 0) {
      char buf[MSG];
      close(l);
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      while (full(c, buf, MSG, 0) == 0 && full(c, buf, MSG, 1) == 0) {
      }
      _exit(0);
    }
    close(c);
  }
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int client(const char *ip, int port, long n) {
  int one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "bad address %s\n", ip);
    return 2;
  }
  /* The server's routes and rules may still be settling: retry the connect for up to 30 s. */
  int fd = -1;
  for (int i = 0; i < 300; i++) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) break;
    close(fd);
    fd = -1;
    usleep(100000);
  }
  if (fd < 0) {
    fprintf(stderr, "connect %s:%d failed\n", ip, port);
    return 1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[MSG];
  memset(buf, 'x', MSG);
  for (long i = 0; i < WARMUP + n; i++) {
    double t0 = now_us();
    if (full(fd, buf, MSG, 1) < 0 || full(fd, buf, MSG, 0) < 0) {
      fprintf(stderr, "connection lost after %ld round trips\n", i);
      return 1;
    }
    if (i >= WARMUP) printf("rtt_us %.1f\n", now_us() - t0);
  }
  printf("done %ld\n", n);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "server") == 0) return serve(port_arg(argv[2]));
  if (argc == 5 && strcmp(argv[1], "client") == 0) {
    char *end;
    long n = strtol(argv[4], &end, 10);
    if (*end || n < 1 || n > 1000000) {
      fprintf(stderr, "bad count %s\n", argv[4]);
      return 2;
    }
    return client(argv[2], port_arg(argv[3]), n);
  }
  fprintf(stderr, "usage: tcp-pingpong server PORT | client IPV4 PORT N\n");
  return 2;
}
