// A terminal into a container: xterm.js over the exec WebSocket (v5.channel.k8s.io: each binary
// message starts with its channel — 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close).
// The browser sends the session cookie and its Origin; the apiserver checks both.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Terminal as XTerm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { resourcePath } from '../api.js';

export function Terminal(props: { ns: string; name: string; containers: string[] }) {
  const [container, setContainer] = useState(props.containers[0] ?? '');
  const [state, setState] = useState('connecting');
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const term = new XTerm({ cursorBlink: true, fontSize: 13, convertEol: false });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    const q = new URLSearchParams({ container, stdin: 'true', stdout: 'true', tty: 'true' });
    for (const c of ['sh', '-c', 'command -v bash >/dev/null && exec bash || exec sh']) q.append('command', c);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}${resourcePath('', 'v1', 'pods', props.ns, props.name, 'exec')}?${q.toString()}`, ['v5.channel.k8s.io']);
    ws.binaryType = 'arraybuffer';
    const enc = new TextEncoder();
    const sendChannel = (ch: number, data: Uint8Array) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const m = new Uint8Array(data.length + 1);
      m[0] = ch;
      m.set(data, 1);
      ws.send(m);
    };
    const resize = () => sendChannel(4, enc.encode(JSON.stringify({ Width: term.cols, Height: term.rows })));
    ws.onopen = () => {
      setState('connected');
      resize();
      term.focus();
    };
    ws.onmessage = (m) => {
      const b = new Uint8Array(m.data as ArrayBuffer);
      if (b[0] === 1 || b[0] === 2) term.write(b.subarray(1));
      else if (b[0] === 3) {
        const s = JSON.parse(new TextDecoder().decode(b.subarray(1))) as { status?: string; message?: string };
        if (s.status !== 'Success') setState(`ended: ${s.message ?? 'error'}`);
      }
    };
    ws.onerror = () => setState('error: the exec connection failed (refused, or the pod has no such container)');
    ws.onclose = () => setState((s) => (s.startsWith('ended') || s.startsWith('error') ? s : 'closed'));
    const input = term.onData((d) => sendChannel(0, enc.encode(d)));
    const resized = term.onResize(resize);
    const onWindow = () => fit.fit();
    window.addEventListener('resize', onWindow);
    return () => {
      window.removeEventListener('resize', onWindow);
      input.dispose();
      resized.dispose();
      ws.close();
      term.dispose();
    };
  }, [props.ns, props.name, container]);
  return html`<div class="terminal">
    <div class="toolbar">
      <select value=${container} onChange=${(e: Event) => setContainer((e.target as HTMLSelectElement).value)}>
        ${props.containers.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
      </select>
      <span class="muted" data-testid="term-state">${state}</span>
    </div>
    <div class="xterm-host" ref=${host} data-testid="terminal"></div>
  </div>`;
}
