// Views that need a big library (xterm.js for the terminal, js-yaml for YAML) are loaded when first
// shown, so the first paint parses only what the lists need. The chunks are built files next to
// app.js (esbuild --splitting), served like it: nothing comes from the network but this server.

import { html } from 'htm/preact';
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function Lazy(props: P) {
    const [, setReady] = useState(false);
    const [error, setError] = useState('');
    useEffect(() => {
      if (!loaded)
        load().then(
          (c) => {
            loaded = c;
            setReady(true);
          },
          (e: unknown) => setError(String(e)),
        );
    }, []);
    if (error) return html`<div class="banner error" role="alert">${error}</div>`;
    const C = loaded;
    return C ? html`<${C} ...${props} />` : html`<p class="loading">Loading…</p>`;
  };
}
