// A windowed list: only the rows in view (and a few beyond) are in the DOM, each keyed, so a
// thousand pods scroll and update as fast as thirty.

import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

const ROW = 30;
const OVERSCAN = 10;

export function VirtualList<T>(props: { items: T[]; keyOf: (t: T) => string; row: (t: T) => ComponentChildren; height?: number; testid?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const height = props.height ?? 600;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const on = () => setTop(el.scrollTop);
    el.addEventListener('scroll', on, { passive: true });
    return () => el.removeEventListener('scroll', on);
  }, []);
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(props.items.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  const rows = props.items.slice(first, last);
  return html`<div class="vlist" ref=${ref} style=${{ maxHeight: `${height}px` }} data-testid=${props.testid} data-count=${props.items.length}>
    <div style=${{ height: `${props.items.length * ROW}px`, position: 'relative' }}>
      ${rows.map(
        (t, i) =>
          html`<div class="vrow" key=${props.keyOf(t)} style=${{ top: `${(first + i) * ROW}px`, height: `${ROW}px` }}>${props.row(t)}</div>`,
      )}
    </div>
  </div>`;
}
