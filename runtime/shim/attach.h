// The monitor's attach socket: a unix stream socket speaking frames both ways,
//   [1 byte kind][4 bytes big-endian payload length][payload]
// (runtime/streams.ts is the other end; at most ATTACH_MAXCLI clients at once).
#ifndef TSKUBE_SHIM_ATTACH_H
#define TSKUBE_SHIM_ATTACH_H
#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

enum {
  FRAME_STDIN = 0,       // client → monitor: bytes for the container's stdin
  FRAME_STDOUT = 1,      // monitor → client: container output (the pty's, with a tty)
  FRAME_STDERR = 2,      // monitor → client: container stderr
  FRAME_RESIZE = 3,      // client → monitor: "cols rows" (tty only)
  FRAME_EXIT = 4,        // monitor → client: the exit code in decimal, last frame
  FRAME_STDIN_CLOSE = 5, // client → monitor: close the container's stdin (stdinOnce, no tty)
};

#define ATTACH_MAXCLI 8

// Listens on path (an old socket file there is removed first); -1 when it cannot.
int attach_listen(const char *path);
// Accepts one waiting client (closed at once when ATTACH_MAXCLI are attached).
void attach_accept(int lsock);
// Fills pf with one POLLIN entry per client, in client order; returns how many.
int attach_pollfds(struct pollfd *pf);
// Reads one whole frame from client i (blocking for the rest of it) into *kind and buf; returns
// the payload length, or -1 after dropping the client (hang-up, short or too long a frame). Dropping
// moves the last client to index i, so walk clients from the last one down.
ssize_t attach_recv(int i, int *kind, char *buf, size_t cap);
// Sends one frame to every client (errors ignored: a gone client is dropped on its next read).
void broadcast(int kind, const char *data, size_t n);
#endif
