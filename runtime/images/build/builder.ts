// `image build`: runs a Dockerfile's instructions stage by stage into the image store. Metadata
// instructions change the config (a history entry with empty_layer); RUN runs in a container on
// the image so far and keeps what it changed as a layer; COPY/ADD write their files as a layer.
// Every step has a cache key (see cache.ts). Layers land in the store only complete (verified,
// then renamed), and the image record is written last, so a failed build leaves no image.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, posix, resolve as resolvePath } from 'node:path';
import { ImageStore } from '../store.js';
import { importImage } from '../import.js';
import { createImageService, findImage } from '../service.js';
import { BUSYBOX_TAG } from '../busybox.js';
import { formatReference, parseReference } from '../reference.js';
import { MEDIA } from '../media.js';
import type { ImageRecord, ImageService } from '../types.js';
import { lookupUser } from '../../users.js';
import { DockerfileError, parseDockerfile, parseInstruction, type Instruction } from './dockerfile.js';
import { expandWord, expandWords, keyValues, type Lookup } from './words.js';
import { DockerIgnore } from './dockerignore.js';
import { DirTree, MergedTree } from './merged.js';
import { layerTar, upperDirEntries, walkOrder, type LayerEntry } from './layer-tar.js';
import { planCopy } from './copy.js';
import { BuildCache, stepKey, type CacheRecord } from './cache.js';
import { StepRunner, type BuildNetwork } from './runner.js';
import {
  commandOf, DEFAULT_PATH, DEFAULT_SHELL, exposedPorts, getEnv, parseHealthcheck, setEnv,
  type HistoryEntry, type ImageConfigFile, type RunConfig,
} from './config.js';

export interface BuildOptions {
  imagesRoot: string;
  contextDir: string;
  /** Path of the Dockerfile (default <context>/Dockerfile). */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  network?: BuildNetwork;
  out?: (s: string) => void;
  /** Where RUN containers' state goes (a temporary dir under it; default the OS temp dir). */
  stateDir?: string;
  /** Where RUN containers' snapshots go (default the store's scratch dir). */
  containersDir?: string;
  /** Prefix of the build's own cgroup root (default tskube-build; a random suffix is added). */
  cgroupRoot?: string;
}

export interface BuildResult {
  id: string;
  tags: string[];
  steps: number;
  cacheHits: number;
  layersCreated: number;
}

/** ARGs every build knows without an ARG line (docker's predefined proxy ARGs); kept out of history and cache keys. */
const PROXY_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
/** Automatic platform ARGs: their value when declared without a default. */
const PLATFORM_ARGS: Record<string, string> = {
  BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '',
  TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETARCH: 'amd64', TARGETVARIANT: '',
};

interface Stage {
  name?: string;
  index: number;
  layers: string[];
  config: RunConfig;
  history: HistoryEntry[];
  author?: string;
  key: string;
  /** ARGs declared in this stage, with their values (undefined: declared without one). */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
}

const SIGNALS = new Set(['HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS']);

export async function buildImage(o: BuildOptions): Promise<BuildResult> {
  const b = new Builder(o);
  try {
    return await b.build();
  } finally {
    await b.close();
  }
}

class Builder {
  private readonly store: ImageStore;
  private service?: ImageService;
  private readonly cache: BuildCache;
  private readonly out: (s: string) => void;
  private readonly buildArgs: Record<string, string>;
  private readonly usedArgs = new Set<string>();
  private runner?: StepRunner;
  private readonly stages: Stage[] = [];
  private readonly sizes = new Map<string, number>();
  private unpins: (() => void)[] = [];
  private escape = '\\';
  private ignore?: DockerIgnore;
  private stats = { steps: 0, cacheHits: 0, layersCreated: 0 };

  constructor(private readonly o: BuildOptions) {
    this.store = new ImageStore(o.imagesRoot);
    this.cache = new BuildCache(join(o.imagesRoot, 'build-cache'));
    this.out = o.out ?? ((s) => process.stdout.write(s));
    this.buildArgs = o.buildArgs ?? {};
  }

  async close(): Promise<void> {
    for (const u of this.unpins) u();
    await this.runner?.close();
  }

  private async images(): Promise<ImageService> {
    return (this.service ??= await createImageService({ root: this.o.imagesRoot }));
  }

  async build(): Promise<BuildResult> {
    await this.store.init();
    const contextDir = resolvePath(this.o.contextDir);
    const dfPath = this.o.dockerfile ? resolvePath(this.o.dockerfile) : join(contextDir, 'Dockerfile');
    let text: string;
    try {
      text = readFileSync(dfPath, 'utf8');
    } catch (e) {
      throw new Error(`failed to read dockerfile: ${(e as Error).message}`);
    }
    try {
      this.ignore = new DockerIgnore(readFileSync(join(contextDir, '.dockerignore'), 'utf8'));
    } catch { /* no .dockerignore */ }
    const df = parseDockerfile(text);
    this.escape = df.escape;
    const all = df.instructions;
    if (!all.some((i) => i.keyword === 'FROM')) throw new DockerfileError(all[0]?.line ?? 1, 'no build stage in current context (a Dockerfile needs a FROM)');

    // ARGs before the first FROM: usable in FROM lines, and as defaults of ARGs redeclared in a stage.
    const meta = new Map<string, string | undefined>();
    let i = 0;
    for (; i < all.length && all[i].keyword !== 'FROM'; i++) {
      const ins = all[i];
      if (ins.keyword !== 'ARG') throw new DockerfileError(ins.line, `${ins.keyword} instruction before the first FROM (only ARG may come before it)`);
      this.declareArgs(ins, meta, (n) => meta.get(n) ?? PLATFORM_ARGS[n], meta);
    }
    const total = all.length - i;
    let n = 0;
    let stage: Stage | undefined;
    const targetKnown = !this.o.target || all.some((x) => x.keyword === 'FROM' && /\s+AS\s+(\S+)\s*$/i.exec(x.args)?.[1].toLowerCase() === this.o.target!.toLowerCase());
    if (!targetKnown) throw new Error(`target stage "${this.o.target}" could not be found`);
    for (; i < all.length; i++) {
      const ins = all[i];
      n++;
      if (ins.keyword === 'FROM') {
        if (stage && this.o.target && stage.name === this.o.target.toLowerCase()) break;
        this.out(`STEP ${n}/${total}: ${ins.original}\n`);
        stage = await this.step(ins, () => this.from(ins, meta));
        this.stages.push(stage);
        continue;
      }
      this.out(`STEP ${n}/${total}: ${ins.original}\n`);
      await this.step(ins, () => this.instruction(stage!, ins, meta));
    }
    const final = this.o.target ? this.stages.find((s) => s.name === this.o.target!.toLowerCase())! : stage!;
    const unused = Object.keys(this.buildArgs).filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.has(k));
    if (unused.length) this.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    const rec = await this.commit(final);
    this.out(`COMMIT ${this.o.tags?.join(', ') ?? ''}\n--> ${rec.id.slice(7, 19)}\n`);
    for (const t of rec.repoTags) this.out(`Successfully tagged ${t}\n`);
    this.out(`${rec.id}\n`);
    return { id: rec.id, tags: rec.repoTags, ...this.stats };
  }

  /** Runs one instruction; any error names its line. */
  private async step<T>(ins: Instruction, fn: () => Promise<T>): Promise<T> {
    this.stats.steps++;
    try {
      return await fn();
    } catch (e) {
      if (e instanceof DockerfileError) throw e;
      throw new DockerfileError(ins.line, `${ins.keyword}: ${(e as Error).message}`);
    }
  }

  private lookup(stage: Stage): Lookup {
    return (name) => {
      const env = getEnv(stage.config, name);
      if (env !== undefined) return env;
      if (stage.args.has(name)) return stage.args.get(name);
      if (PROXY_ARGS.has(name)) return this.buildArgs[name];
      return undefined;
    };
  }

  private declareArgs(ins: Instruction, into: Map<string, string | undefined>, lookup: Lookup, meta: Map<string, string | undefined>): void {
    for (const [k, def] of keyValues(ins.args, lookup, { legacy: false, allowBare: true, escape: this.escape })) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid ARG name ${JSON.stringify(k)}`);
      let v: string | undefined;
      if (Object.hasOwn(this.buildArgs, k)) { v = this.buildArgs[k]; this.usedArgs.add(k); }
      else if (def !== undefined) v = def;
      else if (meta.has(k)) v = meta.get(k);
      else if (Object.hasOwn(PLATFORM_ARGS, k)) v = PLATFORM_ARGS[k];
      into.set(k, v);
    }
  }

  // ------------------------------------------------------------------ FROM

  private async from(ins: Instruction, meta: Map<string, string | undefined>): Promise<Stage> {
    const words = expandWords(ins.args, (n) => meta.get(n) ?? PLATFORM_ARGS[n], this.escape);
    if (words.length !== 1 && !(words.length === 3 && /^as$/i.test(words[1]))) throw new Error('FROM requires either one or three arguments (FROM image [AS name])');
    const ref = words[0];
    const name = words[2]?.toLowerCase();
    if (name && !/^[a-z][a-z0-9-_.]*$/.test(name)) throw new Error(`invalid name for build stage: ${JSON.stringify(words[2])}, name can't start with a number or contain symbols`);
    if (name && this.stages.some((s) => s.name === name)) throw new Error(`duplicate name ${name}`);
    if (!ref) throw new Error('FROM needs an image (the argument expanded to nothing)');
    const base: Omit<Stage, 'index' | 'name'> = { layers: [], config: { Env: [DEFAULT_PATH] }, history: [], key: stepKey('', ['scratch']), args: new Map(), cmdSet: false };
    const prior = this.stages.find((s) => s.name === ref.toLowerCase());
    let onbuild: string[] = [];
    if (prior) {
      Object.assign(base, { layers: [...prior.layers], config: structuredClone(prior.config), history: [...prior.history], author: prior.author, key: prior.key });
    } else if (ref !== 'scratch') {
      const img = await this.resolveImage(ref);
      const cfg = JSON.parse((await this.store.readBlob(img.id)).toString('utf8')) as Partial<ImageConfigFile> & { author?: string };
      this.unpins.push(this.store.pin(img.layers));
      Object.assign(base, { layers: [...img.layers], config: structuredClone(cfg.config ?? {}), history: [...(cfg.history ?? [])], author: cfg.author, key: stepKey('', ['image', img.id]) });
      onbuild = base.config.OnBuild ?? [];
      if (base.config.OnBuild) base.config.OnBuild = null;
    }
    this.out(cachedLine(ref === 'scratch' ? 'scratch' : `${ref}`));
    const stage: Stage = { ...base, name, index: this.stages.length };
    for (const trigger of onbuild) {
      const t = parseInstruction(trigger, ins.line, this.escape);
      if (t.keyword === 'ONBUILD' || t.keyword === 'FROM' || t.keyword === 'MAINTAINER') throw new Error(`${t.keyword} isn't allowed as an ONBUILD trigger`);
      this.out(`  ONBUILD ${trigger}\n`);
      this.stats.steps++;
      await this.instruction(stage, t, meta);
    }
    return stage;
  }

  private async resolveImage(ref: string): Promise<ImageRecord & { id: string }> {
    let img = findImage(await this.store.readIndex(), ref);
    if (!img || !(await Promise.all(img.layers.map((l) => this.store.hasLayer(l)))).every(Boolean)) {
      const svc = await this.images();
      let normalized: string | undefined;
      try { normalized = formatReference(parseReference(ref)); } catch { throw new Error(`invalid reference format: ${JSON.stringify(ref)}`); }
      if (normalized === BUSYBOX_TAG) await svc.ensureBusybox();
      else {
        this.out(`pulling ${normalized}\n`);
        await svc.pullImage(normalized);
      }
      img = findImage(await this.store.readIndex(), ref);
      if (!img) throw new Error(`image ${ref} not found after pulling it`);
    }
    return img;
  }

  // ------------------------------------------------------------------ the rest

  private async instruction(stage: Stage, ins: Instruction, meta: Map<string, string | undefined>): Promise<void> {
    const look = this.lookup(stage);
    const c = stage.config;
    const word = (w: string) => expandWord(w, look, this.escape);
    const words = () => expandWords(ins.args, look, this.escape);
    const shell = c.Shell ?? DEFAULT_SHELL;
    const needArgs = () => { if (!ins.args.trim()) throw new Error(`${ins.keyword} requires at least one argument`); };
    switch (ins.keyword) {
      case 'ARG': {
        this.declareArgs(ins, stage.args, look, meta);
        return this.meta(stage, ins, ['ARG', [...stage.args]], `ARG ${ins.args}`, true);
      }
      case 'ENV': {
        const kv = keyValues(ins.args, look, { legacy: true, escape: this.escape });
        for (const [k, v] of kv) setEnv(c, k, v ?? '');
        return this.meta(stage, ins, ['ENV', kv], `ENV ${kv.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'LABEL': {
        const kv = keyValues(ins.args, look, { legacy: true, escape: this.escape });
        c.Labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of kv) c.Labels[k] = v ?? '';
        return this.meta(stage, ins, ['LABEL', kv], `LABEL ${kv.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'MAINTAINER': {
        needArgs();
        stage.author = ins.args.trim();
        return this.meta(stage, ins, ['MAINTAINER', stage.author], `MAINTAINER ${stage.author}`);
      }
      case 'WORKDIR': {
        needArgs();
        const w = posix.resolve(c.WorkingDir || '/', word(ins.args.trim()));
        c.WorkingDir = w;
        const tree = new MergedTree(stage.layers.map((l) => this.store.layerDir(l)));
        if (tree.lstat(w.slice(1))?.isDirectory() ?? w === '/') return this.meta(stage, ins, ['WORKDIR', w], `WORKDIR ${w}`);
        // As buildkit: a WORKDIR that does not exist yet is created, in a layer of its own.
        const entries: LayerEntry[] = [];
        const parts = w.split('/').filter(Boolean);
        for (let k = 1; k <= parts.length; k++) {
          const p = parts.slice(0, k).join('/');
          const st = tree.lstat(p);
          entries.push(st?.isDirectory() ? { name: p, type: 'directory', mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) } : { name: p, type: 'directory', mode: 0o40755, uid: 0, gid: 0, mtime: 0 });
        }
        return this.layerStep(stage, ins, ['WORKDIR', w], `WORKDIR ${w}`, () => Promise.resolve(entries));
      }
      case 'USER': {
        needArgs();
        c.User = word(ins.args.trim());
        return this.meta(stage, ins, ['USER', c.User], `USER ${c.User}`);
      }
      case 'EXPOSE': {
        needArgs();
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        const ports = exposedPorts(words());
        for (const p of ports) c.ExposedPorts[p] = {};
        return this.meta(stage, ins, ['EXPOSE', ports], `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]`);
      }
      case 'VOLUME': {
        needArgs();
        const vols = (ins.json ?? words()).map((v) => (ins.json ? word(v) : v));
        if (vols.some((v) => !v.trim())) throw new Error('VOLUME specified can not be an empty string');
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of vols) c.Volumes[v] = {};
        return this.meta(stage, ins, ['VOLUME', vols], `VOLUME [${vols.join(' ')}]`);
      }
      case 'STOPSIGNAL': {
        needArgs();
        const s = word(ins.args.trim());
        if (!/^\d+$/.test(s) && !SIGNALS.has(s.toUpperCase().replace(/^SIG/, '')) && !/^SIGRTM(IN|AX)([+-]\d+)?$/i.test(s)) throw new Error(`invalid signal: ${s}`);
        c.StopSignal = s;
        return this.meta(stage, ins, ['STOPSIGNAL', s], `STOPSIGNAL ${s}`);
      }
      case 'HEALTHCHECK': {
        needArgs();
        c.Healthcheck = parseHealthcheck(ins, shell);
        return this.meta(stage, ins, ['HEALTHCHECK', c.Healthcheck], `HEALTHCHECK ${c.Healthcheck.Test.join(' ')}`);
      }
      case 'SHELL': {
        if (!ins.json || ins.json.length === 0) throw new Error('SHELL requires the arguments to be in JSON form');
        c.Shell = ins.json;
        return this.meta(stage, ins, ['SHELL', ins.json], `SHELL [${ins.json.join(' ')}]`);
      }
      case 'ONBUILD': {
        const trigger = ins.args.trim();
        const kw = trigger.split(/\s+/)[0]?.toUpperCase();
        if (!kw) throw new Error('ONBUILD requires at least one argument');
        if (kw === 'ONBUILD') throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (kw === 'FROM' || kw === 'MAINTAINER') throw new Error(`${kw} isn't allowed as an ONBUILD trigger`);
        parseInstruction(trigger, ins.line, this.escape); // an unknown trigger instruction is an error now
        c.OnBuild = [...(c.OnBuild ?? []), trigger];
        return this.meta(stage, ins, ['ONBUILD', trigger], `ONBUILD ${trigger}`);
      }
      case 'CMD': {
        needArgs();
        c.Cmd = commandOf(ins, ins.args, shell);
        if (!ins.json) c.ArgsEscaped = true;
        stage.cmdSet = true;
        return this.meta(stage, ins, ['CMD', c.Cmd], `CMD [${c.Cmd.map((s) => JSON.stringify(s)).join(' ')}]`);
      }
      case 'ENTRYPOINT': {
        needArgs();
        c.Entrypoint = commandOf(ins, ins.args, shell);
        if (!ins.json) c.ArgsEscaped = true;
        // An ENTRYPOINT resets a CMD inherited from the base image (not one set in this stage).
        if (!stage.cmdSet) c.Cmd = null;
        return this.meta(stage, ins, ['ENTRYPOINT', c.Entrypoint], `ENTRYPOINT [${c.Entrypoint.map((s) => JSON.stringify(s)).join(' ')}]`);
      }
      case 'RUN':
        return this.run(stage, ins, shell);
      case 'COPY':
      case 'ADD':
        return this.copy(stage, ins, look);
      case 'FROM':
        throw new Error('FROM is not allowed here');
    }
  }

  /** A step that changes only the config: history with empty_layer, and a cache entry for its time. */
  private async meta(stage: Stage, ins: Instruction, keyParts: unknown[], createdBy: string, argOnly = false): Promise<void> {
    void argOnly;
    const key = stepKey(stage.key, keyParts.concat([stage.config]));
    const hit = this.o.noCache ? null : await this.cache.get(key);
    const rec: CacheRecord = hit ?? { created: new Date().toISOString() };
    if (hit) { this.stats.cacheHits++; this.out(' --> Using cache\n'); } else await this.cache.put(key, rec);
    stage.history.push({ created: rec.created, created_by: createdBy, comment: 'buildkit.dockerfile.v0', empty_layer: true });
    stage.key = key;
    void ins;
  }

  /** A step that makes a layer (unless cached): `make` gives its entries. */
  private async layerStep(stage: Stage, ins: Instruction, keyParts: unknown[], createdBy: string, make: () => Promise<LayerEntry[] | null>): Promise<void> {
    const key = stepKey(stage.key, keyParts.concat([stage.config]));
    let rec = this.o.noCache ? null : await this.cache.get(key);
    if (rec && rec.layer && !(await this.store.hasLayer(rec.layer))) rec = null; // the layer was removed since
    if (rec) {
      this.stats.cacheHits++;
      this.out(' --> Using cache\n');
    } else {
      const made = await make();
      const entries = made && walkOrder(made);
      rec = { created: new Date().toISOString() };
      if (entries && entries.length) {
        const { diffID, size } = await this.addLayer(entries);
        rec.layer = diffID;
        rec.size = size;
      }
      await this.cache.put(key, rec);
    }
    if (rec.layer) {
      this.unpins.push(this.store.pin([rec.layer]));
      stage.layers.push(rec.layer);
      if (rec.size !== undefined) this.sizes.set(rec.layer, rec.size);
    }
    stage.history.push({ created: rec.created, created_by: createdBy, comment: 'buildkit.dockerfile.v0', ...(rec.layer ? {} : { empty_layer: true }) });
    stage.key = key;
    void ins;
  }

  /** Hashes the entries' tar, then unpacks it into the store under that diffID (verified again). */
  private async addLayer(entries: LayerEntry[]): Promise<{ diffID: string; size: number }> {
    const h = createHash('sha256');
    let size = 0;
    for await (const chunk of layerTar(entries)) { h.update(chunk); size += chunk.length; }
    const diffID = `sha256:${h.digest('hex')}`;
    const added = await this.store.addLayer(diffID, () => Promise.resolve(layerTar(entries)));
    if (added) this.stats.layersCreated++;
    return { diffID, size };
  }

  private async run(stage: Stage, ins: Instruction, shell: string[]): Promise<void> {
    if (ins.flags.network && !['none', 'default', 'host'].includes(ins.flags.network)) throw new Error(`invalid network mode ${JSON.stringify(ins.flags.network)}`);
    if (!ins.json && !ins.args.trim()) throw new Error('RUN requires at least one argument');
    const argv = commandOf(ins, ins.args, shell);
    if (!argv.length) throw new Error('RUN requires at least one argument');
    // Build args in scope reach the command as environment (ENV wins), as docker's RUN.
    const argEnv = [...stage.args].filter(([k, v]) => v !== undefined && getEnv(stage.config, k) === undefined).map(([k, v]) => `${k}=${v}`);
    const proxy = Object.entries(this.buildArgs).filter(([k]) => PROXY_ARGS.has(k)).map(([k, v]) => `${k}=${v}`);
    const env = [...(stage.config.Env ?? []), ...argEnv];
    const net = ins.flags.network === 'none' ? 'none' : this.o.network ?? 'bridge';
    const prefix = argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ` : '';
    await this.layerStep(stage, ins, ['RUN', argv, env, stage.config.WorkingDir, stage.config.User, net], `RUN ${prefix}${argv.join(' ')} # buildkit`, async () => {
      this.runner ??= new StepRunner({ containersDir: this.o.containersDir ?? join(this.store.tmpDir, 'containers'), network: this.o.network ?? 'bridge', out: this.out, stateDir: this.o.stateDir, cgroupRoot: this.o.cgroupRoot });
      const res = await this.runner.run({ argv, env: [...env, ...proxy], workdir: stage.config.WorkingDir ?? '/', user: stage.config.User, layers: stage.layers.map((l) => this.store.layerDir(l)) });
      try {
        if (res.exitCode !== 0) throw new Error(`process "${argv.join(' ')}" did not complete successfully: exit code: ${res.exitCode}`);
        return upperDirEntries(res.upper, new MergedTree(stage.layers.map((l) => this.store.layerDir(l))));
      } finally {
        // The layer is read from the upper dir before the container goes: addLayer runs first.
        this.pendingRemoval = res.remove;
      }
    });
    await this.pendingRemoval?.();
    this.pendingRemoval = undefined;
  }

  private pendingRemoval?: () => Promise<void>;

  private async copy(stage: Stage, ins: Instruction, look: Lookup): Promise<void> {
    const list = (ins.json ?? expandWords(ins.args, look, this.escape)).map((w) => (ins.json ? expandWord(w, look, this.escape) : w));
    if (list.length < 2) throw new Error(`${ins.keyword} requires at least two arguments, but only ${list.length} provided`);
    const dest = list[list.length - 1];
    const sources = list.slice(0, -1);
    if (ins.keyword === 'ADD' && sources.some((s) => /^[a-z]+:\/\//i.test(s) || s.startsWith('git@'))) throw new Error('ADD from a URL or git repository is not supported; use a local file');
    const target = new MergedTree(stage.layers.map((l) => this.store.layerDir(l)));
    let chown: { uid: number; gid: number } | undefined;
    if (ins.flags.chown) {
      const spec = expandWord(ins.flags.chown, look, this.escape);
      const m = /^(\d+)(?::(\d+))?$/.exec(spec);
      chown = m ? { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } : lookupUser(stage.layers.map((l) => this.store.layerDir(l)), spec) ?? undefined;
    }
    let chmod: number | undefined;
    if (ins.flags.chmod) {
      if (!/^[0-7]{3,4}$/.test(ins.flags.chmod)) throw new Error(`invalid chmod parameter: ${ins.flags.chmod}`);
      chmod = parseInt(ins.flags.chmod, 8);
    }
    let src: DirTree | MergedTree = new DirTree(resolvePath(this.o.contextDir));
    let isContext = true;
    let fromKey = 'context';
    if (ins.flags.from !== undefined) {
      const f = expandWord(ins.flags.from, look, this.escape);
      const st = this.stages.find((s) => s.name === f.toLowerCase()) ?? (/^\d+$/.test(f) ? this.stages[Number(f)] : undefined);
      if (/^\d+$/.test(f) && !st) throw new Error(`invalid from flag value ${f}: refers to a stage that does not exist yet`);
      const layers = st ? st.layers : (await this.resolveImage(f)).layers;
      if (!st) this.unpins.push(this.store.pin(layers));
      src = new MergedTree(layers.map((l) => this.store.layerDir(l)));
      isContext = false;
      fromKey = st ? st.key : layers.join(',');
    }
    const plan = await planCopy({ src, isContext, sources, dest, workdir: stage.config.WorkingDir ?? '/', target, chown, chmod, ignore: this.ignore, extractArchives: ins.keyword === 'ADD' });
    const flags = Object.entries(ins.flags).map(([k, v]) => `--${k}=${v} `).join('');
    await this.layerStep(stage, ins, [ins.keyword, flags, fromKey, dest, stage.config.WorkingDir, plan.digest], `${ins.keyword} ${flags}${list.join(' ')} # buildkit`, () => Promise.resolve(plan.entries));
  }

  // ------------------------------------------------------------------ the image

  private async commit(stage: Stage): Promise<ImageRecord> {
    const last = stage.history[stage.history.length - 1];
    const cfg: ImageConfigFile & { author?: string } = {
      created: last?.created ?? new Date(0).toISOString(),
      ...(stage.author ? { author: stage.author } : {}),
      architecture: 'amd64',
      os: 'linux',
      config: stage.config,
      rootfs: { type: 'layers', diff_ids: stage.layers },
      history: stage.history,
    };
    const config = Buffer.from(JSON.stringify(cfg));
    const layers = stage.layers.map((d) => ({ mediaType: MEDIA.ociLayer, digest: d, size: this.sizes.get(d) ?? 0 }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: `sha256:${createHash('sha256').update(config).digest('hex')}`, size: config.length },
      layers,
    }));
    const tags = (this.o.tags ?? []).map((t) => formatReference(parseReference(t)));
    return importImage(this.store, {
      config,
      manifest,
      repoTags: tags,
      repoDigests: [],
      // Every layer is in the store already (built or cached, and pinned): none is opened.
      layers: layers.map((l) => ({ size: l.size, open: () => Promise.reject(new Error(`layer ${l.digest} is missing from the store`)) })),
    });
  }
}

function cachedLine(ref: string): string {
  return ` --> ${ref}\n`;
}
