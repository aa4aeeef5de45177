// A container's log, streamed as it is written (follow), or the previous instance's; a search box
// keeps only the lines that contain the text. Lines are text nodes, never HTML.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { resourcePath, stream } from '../api.js';
import { messageOf } from '../notice.js';

const MAX_LINES = 5000;

export function Logs(props: { ns: string; name: string; containers: string[] }) {
  const [container, setContainer] = useState(props.containers[0] ?? '');
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [search, setSearch] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState('');
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const ctl = new AbortController();
    const held: string[] = [];
    let partial = '';
    let frame = 0;
    setLines([]);
    setError('');
    const q = new URLSearchParams({ container, tailLines: '1000' });
    if (follow && !previous) q.set('follow', 'true');
    if (previous) q.set('previous', 'true');
    stream(
      `${resourcePath('', 'v1', 'pods', props.ns, props.name, 'log')}?${q.toString()}`,
      (text) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        held.push(...parts);
        if (held.length > MAX_LINES) held.splice(0, held.length - MAX_LINES);
        if (!frame)
          frame = requestAnimationFrame(() => {
            frame = 0;
            setLines([...held]);
          });
      },
      ctl.signal,
    ).catch((err: unknown) => {
      if (!ctl.signal.aborted) setError(messageOf(err));
    });
    return () => {
      ctl.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [props.ns, props.name, container, follow, previous]);
  useEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);
  const shown = search ? lines.filter((l) => l.includes(search)) : lines;
  return html`<div class="logs">
    <div class="toolbar">
      <select value=${container} onChange=${(e: Event) => setContainer((e.target as HTMLSelectElement).value)} data-testid="log-container">
        ${props.containers.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
      </select>
      <label><input type="checkbox" checked=${follow} onChange=${(e: Event) => setFollow((e.target as HTMLInputElement).checked)} /> follow</label>
      <label><input type="checkbox" checked=${previous} onChange=${(e: Event) => setPrevious((e.target as HTMLInputElement).checked)} /> previous</label>
      <input placeholder="search" value=${search} onInput=${(e: Event) => setSearch((e.target as HTMLInputElement).value)} data-testid="log-search" />
      <span class="muted">${shown.length} lines</span>
    </div>
    ${error && html`<div class="banner error" role="alert">${error}</div>`}
    <pre class="log" ref=${box} data-testid="log">${shown.join('\n')}</pre>
  </div>`;
}
