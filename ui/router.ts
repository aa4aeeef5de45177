// Hash routes: #/<view>/<args...>?ns=<namespace>. The hash never holds a credential.

import { useEffect, useState } from 'preact/hooks';

export interface Route {
  view: string;
  args: string[];
  ns: string;
}

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const qi = h.indexOf('?');
  const path = qi < 0 ? h : h.slice(0, qi);
  const q = new URLSearchParams(qi < 0 ? '' : h.slice(qi + 1));
  const [view = 'overview', ...args] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { view, args, ns: q.get('ns') ?? '' };
}

export function href(view: string, args: string[] = [], ns = currentRoute().ns): string {
  const p = [view, ...args].map(encodeURIComponent).join('/');
  return `#/${p}${ns ? `?ns=${encodeURIComponent(ns)}` : ''}`;
}

export function currentRoute(): Route {
  return parseRoute(location.hash);
}

export function go(view: string, args: string[] = [], ns?: string): void {
  location.hash = href(view, args, ns);
}

export function useRoute(): Route {
  const [r, setR] = useState(currentRoute);
  useEffect(() => {
    const on = () => setR(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return r;
}
