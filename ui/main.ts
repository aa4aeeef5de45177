// The dashboard's entry point, bundled by esbuild (hack/build-ui.sh) with its styles.

import '@xterm/xterm/css/xterm.css';
import './style.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { App } from './app.js';
import { preconnect } from './watch.js';

// The watch socket opens while the page asks who is signed in (a 401 just closes it).
preconnect();
performance.mark('tskube:start');

render(html`<${App} />`, document.getElementById('app')!);
