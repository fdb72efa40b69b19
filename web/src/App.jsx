import { useEffect, useMemo, useState } from 'react';
import { AuthError, initialToken, makeApi, saveToken } from './api.js';
import { decodeChips, encodeChips } from './filters.js';
import { Findings } from './views/Findings.jsx';
import { Incidents } from './views/Incidents.jsx';
import { Resources } from './views/Resources.jsx';
import { Rules } from './views/Rules.jsx';

// Where the user is, in the URL's hash, so views can be bookmarked and the back button works:
// #/incidents[/<id>], #/findings[?f=<chips>], #/resources[/<arn>], #/rules.
function parseHash(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [view, ...rest] = path.split('/');
  const params = new URLSearchParams(query);
  return { view: view || 'incidents', arg: rest.length ? decodeURIComponent(rest.join('/')) : '', params };
}

function go(view, arg = '', params = '') {
  globalThis.location.hash = `#/${view}${arg ? '/' + encodeURIComponent(arg) : ''}${params ? '?' + params : ''}`;
}

const VIEWS = [
  ['incidents', 'Incidents'],
  ['findings', 'Findings'],
  ['resources', 'Resources'],
  ['rules', 'Rules'],
];

export function App() {
  const [route, setRoute] = useState(() => parseHash(globalThis.location.hash));
  const [token, setToken] = useState(() => initialToken());
  const [authError, setAuthError] = useState(null);
  const [revision, setRevision] = useState(0);
  const [live, setLive] = useState(true);
  const api = useMemo(() => {
    const inner = makeApi(() => token);
    // Any call refused for authorization asks for a token instead of showing an error.
    return Object.fromEntries(
      Object.entries(inner).map(([name, fn]) => [
        name,
        async (...args) => {
          try {
            return await fn(...args);
          } catch (e) {
            if (e instanceof AuthError) setAuthError(e.message);
            throw e;
          }
        },
      ]),
    );
  }, [token]);

  useEffect(() => {
    const onHash = () => setRoute(parseHash(globalThis.location.hash));
    globalThis.addEventListener('hashchange', onHash);
    return () => globalThis.removeEventListener('hashchange', onHash);
  }, []);

  // Live updates: the store's newest version, every few seconds; views reload when it moves.
  useEffect(() => {
    if (!live) return undefined;
    let last = null;
    let stopped = false;
    const tick = async () => {
      try {
        const { Version } = await api.version();
        if (!stopped && last !== null && Version !== last) setRevision((r) => r + 1);
        last = Version;
      } catch {
        // shown by the views; keep polling
      }
    };
    tick();
    const timer = setInterval(tick, 4000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, live]);

  const chips = decodeChips(route.params.get('f'));
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <h1>Corroborate</h1>
        <nav aria-label="Views">
          {VIEWS.map(([view, label]) => (
            <a
              key={view}
              href={`#/${view}`}
              aria-current={route.view === view ? 'page' : undefined}
              className={route.view === view ? 'current' : ''}
            >
              {label}
            </a>
          ))}
        </nav>
        <label className="inline live">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} />
          live
        </label>
      </header>
      {authError && (
        <TokenPrompt
          message={authError}
          onToken={(t) => {
            saveToken(t);
            setToken(t);
            setAuthError(null);
            setRevision((r) => r + 1);
          }}
        />
      )}
      <main id="main" tabIndex={-1}>
        {route.view === 'incidents' && (
          <Incidents
            api={api}
            revision={revision}
            selected={route.arg}
            onSelect={(id) => go('incidents', id)}
            onOpenResource={(arn) => go('resources', arn)}
          />
        )}
        {route.view === 'findings' && (
          <Findings
            api={api}
            revision={revision}
            chips={chips}
            onChips={(next) => go('findings', '', next.length ? `f=${encodeChips(next)}` : '')}
          />
        )}
        {route.view === 'resources' && (
          <Resources api={api} revision={revision} resource={route.arg} onOpen={(arn) => go('resources', arn)} />
        )}
        {route.view === 'rules' && <Rules api={api} revision={revision} />}
      </main>
    </div>
  );
}

function TokenPrompt({ message, onToken }) {
  const [value, setValue] = useState('');
  return (
    <form
      className="token"
      role="alert"
      onSubmit={(e) => {
        e.preventDefault();
        if (value) onToken(value);
      }}
    >
      <p>
        The server refused the request ({message}). Give a bearer token of its{' '}
        <code>--bearer-tokens</code> file:
      </p>
      <input
        type="password"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-label="Bearer token"
        autoFocus
      />
      <button type="submit">Use it</button>
    </form>
  );
}
