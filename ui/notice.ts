// Messages for the user: the result of an action, or the server's refusal in its own words.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError } from './api.js';

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.code === 403 ? `Not allowed: ${err.message}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** An action runner: runs it, shows what failed (or the success text) in a banner. */
export function useAction(): [(what: () => Promise<unknown>, ok?: string) => Promise<void>, ReturnType<typeof html> | null] {
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  const run = async (what: () => Promise<unknown>, ok?: string) => {
    try {
      await what();
      setMsg(ok ? { error: false, text: ok } : null);
    } catch (err) {
      setMsg({ error: true, text: messageOf(err) });
    }
  };
  const banner = msg ? html`<div class=${msg.error ? 'banner error' : 'banner ok'} role="alert" data-testid="notice">${msg.text}</div>` : null;
  return [run, banner];
}
