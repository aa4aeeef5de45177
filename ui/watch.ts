// Every list on the page stays live through ONE WebSocket to /ui/watch, where the apiserver runs
// the watches (apiserver/ui/watch-mux.ts): each subscription starts with the current objects
// (sendInitialEvents) and then gets changes. A closed watch or a dropped socket subscribes again;
// lists are rebuilt from the fresh initial events.

import { useEffect, useState } from 'preact/hooks';
import type { KObject } from './api.js';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject;
}

interface Subscriber {
  path: string;
  onEvent(e: WatchEvent): void;
  /** The initial objects are all in (the end-of-initial-events bookmark). */
  onSynced(): void;
  /** A fresh start follows (resubscribed): drop what is held. */
  onReset(): void;
  onError(message: string): void;
}

type Incoming = { id: string; event?: WatchEvent; error?: { message?: string }; closed?: boolean };

class WatchMux {
  private ws?: WebSocket;
  private open = false;
  private next = 0;
  private readonly subs = new Map<string, Subscriber>();
  private retry = 0;

  subscribe(s: Subscriber): () => void {
    const id = String(++this.next);
    this.subs.set(id, s);
    this.connect();
    if (this.open) this.start(id, s);
    return () => {
      this.subs.delete(id);
      if (this.open) this.ws!.send(JSON.stringify({ type: 'cancel', id }));
    };
  }

  private start(id: string, s: Subscriber) {
    const sep = s.path.includes('?') ? '&' : '?';
    const path = `${s.path}${sep}sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`;
    this.ws!.send(JSON.stringify({ type: 'watch', id, path }));
  }

  private connect() {
    if (this.ws) return;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ui/watch`);
    this.ws = ws;
    ws.onopen = () => {
      performance.mark('tskube:watch-open');
      this.open = true;
      this.retry = 0;
      for (const [id, s] of this.subs) this.start(id, s);
    };
    ws.onmessage = (m) => {
      for (const msg of JSON.parse(m.data as string) as Incoming[]) this.receive(msg);
    };
    ws.onclose = () => {
      this.open = false;
      this.ws = undefined;
      if (this.subs.size === 0) return;
      for (const s of this.subs.values()) s.onReset();
      this.retry = Math.min(this.retry + 1, 5);
      setTimeout(() => this.connect(), 200 * this.retry);
    };
  }

  private receive(msg: Incoming) {
    const s = this.subs.get(msg.id);
    if (!s) return;
    if (msg.event) {
      const e = msg.event;
      if (e.type === 'BOOKMARK') {
        if (e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true') s.onSynced();
      } else if (e.type === 'ERROR') {
        s.onError((e.object as { message?: string }).message ?? 'watch failed');
      } else s.onEvent(e);
    } else if (msg.error) {
      s.onError(msg.error.message ?? 'watch refused');
    } else if (msg.closed) {
      // The server ended this watch (its timeout): start it again from a fresh list.
      s.onReset();
      if (this.open) this.start(msg.id, s);
    }
  }

  /** Opens the socket ahead of the first subscription. */
  preconnect() {
    this.connect();
  }

  close() {
    this.subs.clear();
    this.ws?.close();
  }
}

let mux = new WatchMux();

export function preconnect(): void {
  mux.preconnect();
}

/** Drops every watch (sign-out). */
export function resetWatches(): void {
  mux.close();
  mux = new WatchMux();
}

export interface LiveList {
  items: KObject[];
  synced: boolean;
  error?: string;
}

const keyOf = (o: KObject) => o.metadata.uid ?? `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The objects of a collection path (undefined: none), live. Events are applied to a map and the
 * list re-rendered once per animation frame, so a burst of a thousand events is one render.
 */
export function useWatch(path: string | undefined): LiveList {
  const [state, setState] = useState<LiveList>({ items: [], synced: false });
  useEffect(() => {
    if (!path) {
      setState({ items: [], synced: true });
      return;
    }
    const objects = new Map<string, KObject>();
    let synced = false;
    let error: string | undefined;
    let frame = 0;
    const flush = () => {
      frame = 0;
      setState({ items: [...objects.values()], synced, error });
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(flush);
    };
    setState({ items: [], synced: false });
    const stop = mux.subscribe({
      path,
      onEvent: (e) => {
        if (e.type === 'DELETED') objects.delete(keyOf(e.object));
        else objects.set(keyOf(e.object), e.object);
        if (synced) schedule();
      },
      onSynced: () => {
        performance.mark(`tskube:synced ${path}`);
        synced = true;
        error = undefined;
        schedule();
      },
      onReset: () => {
        objects.clear();
        synced = false;
      },
      onError: (m) => {
        error = m;
        synced = true;
        schedule();
      },
    });
    return () => {
      stop();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [path]);
  return state;
}
