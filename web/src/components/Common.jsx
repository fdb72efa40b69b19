import { useEffect, useState } from 'react';
import { severityOf, shortResource } from '../format.js';

export function SeverityBadge({ label }) {
  const l = label || 'INFORMATIONAL';
  return <span className={`sev sev-${l.toLowerCase()}`}>{l}</span>;
}

export function FindingSeverity({ finding }) {
  return <SeverityBadge label={severityOf(finding)} />;
}

export function ResourceName({ id }) {
  return (
    <span className="resource" title={id}>
      {shortResource(id)}
    </span>
  );
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {String(error.message || error)}
    </div>
  );
}

// Runs `load` when its dependencies change and gives [data, error, loading, reload].
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [again, setAgain] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    Promise.resolve()
      .then(load)
      .then(
        (data) => live && setState({ data, error: null, loading: false }),
        (error) => live && setState({ data: null, error, loading: false }),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, again]);
  return [state.data, state.error, state.loading, () => setAgain((n) => n + 1)];
}

export function JsonView({ value }) {
  return (
    <pre className="json" tabIndex={0} aria-label="The finding as JSON">
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

// Counts as horizontal bars, largest first; each bar a button when `onPick` is given.
export function BarChart({ title, counts, onPick }) {
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {entries.length === 0 && <p className="muted">nothing</p>}
      <ul>
        {entries.map(([name, n]) => (
          <li key={name}>
            <button
              type="button"
              className="bar-row"
              onClick={onPick ? () => onPick(name) : undefined}
              disabled={!onPick}
              aria-label={`${name}: ${n}${onPick ? ', filter on it' : ''}`}
            >
              <span className="bar-label">{name}</span>
              <span className="bar" style={{ width: `${(100 * n) / max}%` }} />
              <span className="bar-count">{n}</span>
            </button>
          </li>
        ))}
      </ul>
    </figure>
  );
}
