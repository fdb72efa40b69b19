import { useState } from 'react';
import { ErrorBox, SeverityBadge, useLoad } from '../components/Common.jsx';

const TEMPLATE = `id: my-rule
title: "Something worth a look on {resource}"
resource_type: AwsEc2Instance
window: 30d
conditions:
  guardduty: {filter: {ProductName: GuardDuty}}
  cves: {filter: {ProductName: Inspector, SeverityLabel: CRITICAL}, distinct: "Vulnerabilities[].Id", at_least: 2}
`;

// The loaded rules and how often each fired; and a rule tried on the stored history without
// storing anything.
export function Rules({ api, revision }) {
  const [data, error] = useLoad(() => api.rules(), [revision]);
  const [yaml, setYaml] = useState(TEMPLATE);
  const [tried, setTried] = useState(null);
  const [tryError, setTryError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function tryIt(e) {
    e.preventDefault();
    setBusy(true);
    setTryError(null);
    try {
      setTried(await api.tryRule(yaml));
    } catch (err) {
      setTryError(err);
      setTried(null);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="rules">
      <h2>Rules</h2>
      <ErrorBox error={error} />
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Severity</th>
            <th scope="col">Groups</th>
            <th scope="col">Active incidents</th>
            <th scope="col">Fired</th>
          </tr>
        </thead>
        <tbody>
          {(data?.Rules || []).map((r) => (
            <tr key={r.Id}>
              <td>
                <strong>{r.Id}</strong>
                <div className="muted small">{r.Title}</div>
                <div className="small">
                  {(r.Conditions || []).map((c) => c.Name).join(', ')} · require {r.Require}
                </div>
                <button type="button" className="link small" onClick={() => setYaml(r.Source || '')}>
                  try a copy on history
                </button>
              </td>
              <td>
                <SeverityBadge label={r.Severity} />
              </td>
              <td>{r.ResourceType || 'any'}</td>
              <td>{r.Active}</td>
              <td>{r.Fired}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Try a rule on history</h2>
      <form onSubmit={tryIt} className="try">
        <label>
          Rule (YAML, docs/rules.md)
          <textarea
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            rows={12}
            spellCheck={false}
            className="code"
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run over the stored findings'}
        </button>
      </form>
      <ErrorBox error={tryError} />
      {tried && (
        <section aria-label="Results of the rule">
          {(tried.Errors || []).map((e) => (
            <p key={e.Line + e.Message} className="error" role="alert">
              line {e.Line}: {e.Message}
            </p>
          ))}
          {tried.Results && (
            <p>
              Would fire on {tried.Results.length}
              {tried.Truncated ? '+' : ''} of {tried.Evaluated} resources evaluated.
            </p>
          )}
          <ul className="rows">
            {(tried.Results || [])
              .filter((r) => r.Fires)
              .map((r) => (
                <li key={r.Group.Id} className="row static">
                  <span className="row-main">
                    <span className="row-title">{r.Title}</span>
                    <span className="muted small">
                      {r.Group.Type} {r.Group.Id} · {(r.Evidence || []).length} findings:{' '}
                      {(r.Evidence || []).map((e) => e.Title).join('; ')}
                    </span>
                  </span>
                </li>
              ))}
          </ul>
        </section>
      )}
    </div>
  );
}
