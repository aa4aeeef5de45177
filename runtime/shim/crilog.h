// The container's CRI log file: "<RFC3339Nano> <stream> <F|P> <text>\n" per line, rotated by size.
#ifndef TSKUBE_SHIM_CRILOG_H
#define TSKUBE_SHIM_CRILOG_H
#include <stddef.h>

// One output stream's partial line (a line longer than buf is written as P parts).
typedef struct {
  const char *name; // "stdout" or "stderr"
  char buf[16384];
  size_t len;
} stream_t;

// Opens (appends to) path, creating its directory; no path or "": nothing is logged. A file that
// would grow past max bytes (0: never) is rotated to path.1 ... path.<files-1>.
void log_open(const char *path, long long max, int files);
// Appends output; every complete line becomes one F entry.
void log_feed(stream_t *s, const char *data, size_t n);
// Writes the unfinished line, if any, as an F entry (at the container's end).
void log_flush(stream_t *s);
#endif
