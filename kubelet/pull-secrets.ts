// Registry credentials for one pull, as the kubelet's keyring: the pod's imagePullSecrets of type
// kubernetes.io/dockerconfigjson (`.dockerconfigjson`) or kubernetes.io/dockercfg (`.dockercfg`),
// then the node-wide docker config file (--image-credentials-file). Matching credentials are
// tried in that order (pod secrets first, each most specific key first); none → anonymous.
import { readFileSync } from 'node:fs';
import type { Pod, Secret } from '../api/core.js';
import type { RestClient } from '../client/rest.js';
import { Keyring, parseDockerConfig, type RegistryAuth } from '../runtime/images/index.js';

const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
const DOCKER_CFG = 'kubernetes.io/dockercfg';

/** The keyring of a docker config.json on the node; a missing file is an empty keyring. */
export function nodeKeyring(path: string | undefined, log: (m: string) => void): Keyring {
  const k = new Keyring();
  if (!path) return k;
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`image credentials ${path}: ${(e as Error).message}`);
    return k;
  }
  try { k.add(parseDockerConfig(JSON.parse(text))); } catch (e) { log(`image credentials ${path}: ${(e as Error).message}`); }
  return k;
}

/** The keyring of a pull secret, or an error saying why it is not usable. */
export function secretKeyring(s: Secret): Keyring {
  const data = s.data ?? {};
  const key = s.type === DOCKER_CONFIG_JSON ? '.dockerconfigjson' : s.type === DOCKER_CFG ? '.dockercfg' : undefined;
  if (!key) throw new Error(`secret ${s.metadata.name} is of type ${s.type ?? 'Opaque'}, not ${DOCKER_CONFIG_JSON} or ${DOCKER_CFG}`);
  const raw = data[key];
  if (!raw) throw new Error(`secret ${s.metadata.name} has no ${key}`);
  return new Keyring().add(parseDockerConfig(JSON.parse(Buffer.from(raw, 'base64').toString('utf8'))));
}

/** Credentials to try for `image`, in order; warnings (missing or bad secrets) go to `warn`, as upstream's
 *  "Unable to retrieve some image pull secrets" event, and the pull goes on without them. */
export async function pullCredentials(client: RestClient, pod: Pod, image: string, node: Keyring, warn: (m: string) => void): Promise<RegistryAuth[]> {
  const out: RegistryAuth[] = [];
  const missing: string[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (!ref?.name) continue;
    try {
      const s: Secret = await client.secrets(pod.metadata.namespace).get(ref.name);
      out.push(...secretKeyring(s).lookup(image));
    } catch (e) {
      missing.push(ref.name);
      warn(`secret ${pod.metadata.namespace}/${ref.name}: ${(e as Error).message}`);
    }
  }
  if (missing.length) warn(`Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
  out.push(...node.lookup(image));
  return out;
}
