// Sign-in with a bearer token (the kubeconfig's, or a service account's). The token goes in a
// POST body once; the server answers with an HttpOnly session cookie and the page forgets it.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { signIn, type Who } from '../api.js';
import { messageOf } from '../notice.js';

export function SignIn(props: { onSignedIn: (w: Who) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const w = await signIn(token);
      setToken('');
      props.onSignedIn(w);
    } catch (err) {
      setError(`Sign-in failed: ${messageOf(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="signin" onSubmit=${submit}>
    <h1>tskube</h1>
    <p>Sign in with a bearer token: the <code>token</code> of your kubeconfig, or a service account's.</p>
    <input type="password" data-testid="token" autocomplete="off" placeholder="token" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
    <button type="submit" data-testid="signin" disabled=${busy || !token}>Sign in</button>
    ${error && html`<p class="banner error" role="alert" data-testid="signin-error">${error}</p>`}
  </form>`;
}
