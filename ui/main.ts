// The dashboard's entry point, bundled by esbuild (hack/build-ui.sh) with its styles.

import '@xterm/xterm/css/xterm.css';
import './style.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { App } from './app.js';

render(html`<${App} />`, document.getElementById('app')!);
