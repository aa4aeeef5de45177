// Child process for runtime/readopt.test.ts: starts a pod with containers, reports
// their ids on stdout, then idles until it is killed (-9) by the test.
import { Runtime } from '../runtime/runtime.js';
import { dirImages } from './runtime-env.js';

const opts = JSON.parse(process.argv[2]) as { stateDir: string; containersDir: string; cgroupRoot: string; busyboxLayer: string; logDir: string };
const rt = new Runtime({ ...opts, images: dirImages({ busybox: { layers: [opts.busyboxLayer] } }) });
const pod = await rt.runPodSandbox({ metadata: { name: 'survivor', namespace: 'default', uid: 'readopt' }, logDirectory: opts.logDir });
const ids: string[] = [];
for (let i = 0; i < 10; i++) {
  // Even: run until stopped. Odd: exit with code i once the parent is gone. The pause after /go
  // appears lets the exec that made it finish first: PID 1 exiting kills every process of its pid
  // namespace, so an exit right away could kill that exec (seen as its exit code 137).
  const command = i % 2 === 0 ? ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'] : ['sh', '-c', `while [ ! -e /go ]; do sleep 0.05; done; sleep 1; exit ${i}`];
  const id = await rt.createContainer(pod, { metadata: { name: `c${i}` }, image: 'busybox', command, logPath: `c${i}.log`, mounts: [] });
  await rt.startContainer(id);
  ids.push(id);
}
process.stdout.write(JSON.stringify({ pod, ids }) + '\n');
setInterval(() => {}, 1 << 30);
