// Debian's docker-registry (distribution 2.8) as a child process on a free loopback port, with
// filesystem storage in a directory of the test's, for tests that push with skopeo and pull.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './etcd.js';

export interface TestRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  /** The registry's filesystem storage (<dir>/storage). */
  storage: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** An `auth:` section of the registry config (default: none, an open registry). */
  authYaml?: string;
  /** Serve this config file instead of a generated one; its address and storage directory are
   *  overridden through the registry's REGISTRY_* environment variables. */
  configFile?: string;
}

/** Starts a registry keeping everything under `dir` and resolves once /v2/ answers. */
export async function startRegistry(dir: string, o: RegistryOptions = {}): Promise<TestRegistry> {
  const host = `127.0.0.1:${await freePort()}`;
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  let config = o.configFile;
  if (!config) {
    config = join(dir, 'config.yml');
    writeFileSync(config, [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true } }`,
      `http: { addr: "${host}", secret: tkt-secret }`,
      o.authYaml ?? '',
      '',
    ].join('\n'));
  }
  const env = { ...process.env, REGISTRY_HTTP_ADDR: host, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: storage };
  const proc = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; ; i++) {
    const r = await fetch(`http://${host}/v2/`).catch(() => null);
    if (r && (r.status === 401 || r.status === 200)) break;
    if (i > 400 || proc.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return { host, storage, proc, stop };
}
