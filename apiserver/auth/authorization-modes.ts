// --authorization-mode: a comma-separated list of authorizers, asked in order (upstream's
// spelling). tskube knows AlwaysAllow (alone), Node and RBAC; system:masters is always first.

export type AuthorizationMode = string;
export const AUTHORIZATION_MODES = ['AlwaysAllow', 'Node', 'RBAC'] as const;

/** The modes of a flag value; throws with the flag's message on an unknown, repeated or mixed one. */
export function parseAuthorizationModes(v: string): string[] {
  const modes = v.split(',').map((m) => m.trim()).filter(Boolean);
  if (!modes.length) throw new Error('--authorization-mode must name at least one mode');
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new Error(`--authorization-mode: unknown authorization mode ${JSON.stringify(m)} (one of ${AUTHORIZATION_MODES.join(', ')})`);
  }
  if (new Set(modes).size !== modes.length) throw new Error(`--authorization-mode: ${JSON.stringify(v)} names a mode twice`);
  if (modes.includes('AlwaysAllow') && modes.length > 1) throw new Error('--authorization-mode: AlwaysAllow cannot be combined with other modes');
  return modes;
}
