// Exec, attach and port-forward streams: thin Node wrappers around shim
// processes (exec, portforward) and the monitor's attach socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import type { AttachRequest, ExecRequest, ExecSyncResult, StreamSession, TerminalSize } from './cri.js';

/**
 * SIGTERM makes the exec shim kill the command's whole process group; SIGKILL follows in case the
 * shim is stuck (its direct child still dies through PR_SET_PDEATHSIG).
 */
function terminate(child: ChildProcess): void {
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  t.unref();
  child.once('close', () => clearTimeout(t));
}

export function execSync(shim: string, conf: string, timeoutSeconds: number): Promise<ExecSyncResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shim, ['exec', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = timeoutSeconds > 0 ? setTimeout(() => ((timedOut = true), terminate(child)), timeoutSeconds * 1000) : undefined;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      rmSync(conf, { force: true });
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: code ?? 128 + (sig === 'SIGKILL' ? 9 : 15), timedOut });
    });
  });
}

export function execSession(shim: string, conf: string, req: ExecRequest): Promise<StreamSession> {
  const tty = !!req.tty;
  // fd 3 carries resize requests ("cols rows\n") for tty sessions.
  const child = spawn(shim, ['exec', conf], { stdio: [req.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', tty ? 'pipe' : 'ignore'] });
  const exit = new Promise<number>((resolve) => {
    child.on('close', (code, sig) => {
      rmSync(conf, { force: true });
      resolve(code ?? (sig === 'SIGKILL' ? 137 : 143));
    });
  });
  const ctl = tty ? (child.stdio[3] as Writable) : null;
  // Writes racing the process's exit fail with EPIPE; the exit code already tells the caller.
  ctl?.on('error', () => {});
  child.stdin?.on('error', () => {});
  // With a tty the process's stderr is the pty; the shim's own stderr only carries its errors.
  if (tty || req.stderr === false) child.stderr!.resume();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () =>
      resolve({
        stdin: req.stdin ? child.stdin : null,
        stdout: req.stdout === false ? null : child.stdout,
        stderr: tty || req.stderr === false ? null : child.stderr,
        resize: (s: TerminalSize) => ctl?.write(`${s.width} ${s.height}\n`),
        wait: () => exit,
        close: () => terminate(child),
      }),
    );
  });
}

/** Largest stdin payload per frame (the monitor's frame buffer is 32 KiB). */
const STDIN_FRAME_MAX = 16 * 1024;

/** Frame: [kind][u32 BE length][payload]; see shim/attach.h and shim/README.md. */
function frame(kind: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = kind;
  h.writeUInt32BE(payload.length, 1);
  return Buffer.concat([h, payload]);
}

export function attachSession(socketPath: string, req: AttachRequest): Promise<StreamSession> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let buf = Buffer.alloc(0);
    let exitCode = -1;
    const exit = new Promise<number>((res) => sock.on('close', () => {
      stdout.end();
      stderr.end();
      res(exitCode);
    }));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5) {
        const len = buf.readUInt32BE(1);
        if (buf.length < 5 + len) break;
        const kind = buf[0];
        const payload = buf.subarray(5, 5 + len);
        buf = buf.subarray(5 + len);
        if (kind === 1 && req.stdout !== false) stdout.write(payload);
        else if (kind === 2 && req.stderr !== false && !req.tty) stderr.write(payload);
        else if (kind === 2 && req.tty) stdout.write(payload);
        else if (kind === 4) {
          exitCode = Number(payload.toString());
          sock.end();
        }
      }
    });
    sock.on('error', reject); // after connect, a late EPIPE must not become an uncaught exception
    sock.once('connect', () => {
      const stdin = req.stdin
        ? new Writable({
            write(chunk: Buffer, _enc, cb) {
              // The monitor reads a frame into a 32 KiB buffer and drops a client that sends more.
              for (let at = 0; at < chunk.length; at += STDIN_FRAME_MAX) {
                const last = at + STDIN_FRAME_MAX >= chunk.length;
                sock.write(frame(0, chunk.subarray(at, at + STDIN_FRAME_MAX)), last ? cb : undefined);
              }
              if (chunk.length === 0) cb();
            },
            final(cb) {
              sock.write(frame(5, Buffer.alloc(0)), () => cb());
            },
          })
        : null;
      resolve({
        stdin,
        stdout: req.stdout === false ? null : stdout,
        stderr: req.tty || req.stderr === false ? null : stderr,
        resize: (s: TerminalSize) => {
          if (req.tty) sock.write(frame(3, Buffer.from(`${s.width} ${s.height}`)));
        },
        wait: () => exit,
        close: () => sock.destroy(),
      });
    });
  });
}

export function portForwardStream(shim: string, netnsPath: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn(shim, ['portforward', netnsPath, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('spawn', () => {
      // Not Duplex.from: the shim exits as soon as the pod closes the connection, and its
      // stdin closing then must not tear down output still on its way. The readable side
      // ends at the exit — as an error if the shim failed (it says a refused connection
      // only by its exit code); writes after the exit are dropped, as on a closed socket.
      // Once that output has been read the stream closes, even if never ended by the writer.
      const stdin = child.stdin;
      const stdout = child.stdout;
      stdin.on('error', () => {});
      const d = new Duplex({
        read() {
          stdout.resume();
        },
        write(chunk: Buffer, _enc, cb) {
          if (stdin.destroyed || stdin.writableEnded) return cb();
          stdin.write(chunk, () => cb());
        },
        final(cb) {
          stdin.end();
          cb();
        },
        destroy(e, cb) {
          child.kill('SIGKILL');
          cb(e);
        },
      });
      stdout.on('data', (b: Buffer) => {
        if (!d.push(b)) stdout.pause();
      });
      child.on('close', (code) => {
        if (code) d.destroy(new Error(err.trim() || `port-forward to ${port} failed (exit ${code})`));
        else {
          // Output all delivered, and nothing can be written any more: done.
          d.push(null);
          d.once('end', () => d.destroy());
        }
      });
      resolve(d);
    });
  });
}
