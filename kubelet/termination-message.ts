// terminationMessagePath / terminationMessagePolicy, as Kubernetes does them: each container
// attempt gets an empty host file bind-mounted at its terminationMessagePath; when the container
// has exited, what it wrote there (at most 4 KiB) becomes state.terminated.message. With
// FallbackToLogsOnError an empty file on a failed exit falls back to the log's last lines.

import { closeSync, constants, fchmodSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from '../api/core.js';
import type { Mount } from '../runtime/cri.js';
import { podDir } from './volumes.js';
import { readLog } from './logs.js';

const MAX_MESSAGE = 4096;
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

export function terminationFile(rootDir: string, uid: string, container: string, attempt: number): string {
  return join(podDir(rootDir, uid), 'containers', container, String(attempt));
}

/** Creates the (empty, world-writable: the container may run as any user) file and returns its mount. */
export function terminationMount(rootDir: string, uid: string, c: Container, attempt: number): Mount[] {
  const path = c.terminationMessagePath;
  if (!path) return [];
  const file = terminationFile(rootDir, uid, c.name, attempt);
  mkdirSync(join(file, '..'), { recursive: true });
  // Never through a symlink: the file is the container's to write, the kubelet only makes and reads it.
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o666);
  try {
    fchmodSync(fd, 0o666);
  } finally {
    closeSync(fd);
  }
  return [{ containerPath: path, hostPath: file, readonly: false }];
}

function readHead(file: string, max: number): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    // No file (the container wrote none) or a symlink (O_NOFOLLOW): no message, as the kubelet.
    return '';
  }
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The message of an exited attempt: its file, or with FallbackToLogsOnError and a failure, its log's tail. */
export function terminationMessage(rootDir: string, uid: string, c: Container, attempt: number, exitCode: number, logFile: string): string {
  const fromFile = c.terminationMessagePath ? readHead(terminationFile(rootDir, uid, c.name, attempt), MAX_MESSAGE) : '';
  if (fromFile || c.terminationMessagePolicy !== 'FallbackToLogsOnError' || exitCode === 0) return fromFile;
  try {
    const text = readLog(logFile, { tailLines: FALLBACK_LINES }).text;
    return Buffer.byteLength(text) > FALLBACK_BYTES ? Buffer.from(text).subarray(-FALLBACK_BYTES).toString('utf8') : text;
  } catch {
    // No log to fall back on: the message stays empty.
    return '';
  }
}
