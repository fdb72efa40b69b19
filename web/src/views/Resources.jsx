import { useState } from 'react';
import { ErrorBox, FindingSeverity, useLoad } from '../components/Common.jsx';
import { ResourceGraph } from '../components/Graph.jsx';
import { Explanation } from './Incidents.jsx';
import { relationsOf, when } from '../format.js';

// Everything known about one resource: its relations (with where each was learned), its findings
// and every rule's state on it.
export function Resources({ api, revision, resource, onOpen }) {
  const [text, setText] = useState(resource || '');
  const [data, error, loading] = useLoad(
    () => (resource ? api.resource(resource) : null),
    [resource, revision],
  );
  return (
    <div className="resources">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) onOpen(text.trim());
        }}
      >
        <label className="grow">
          Resource (ARN or id)
          <input value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit">Show</button>
      </form>
      <ErrorBox error={error} />
      {loading && resource && <p className="muted">Loading…</p>}
      {data && (
        <article>
          <h2>
            {data.Resource?.Type} <code>{data.Resource?.Id}</code>
          </h2>
          <div className="split">
            <section aria-label="Relations">
              <h3>Relations{data.RelationsTotal > (data.Relations || []).length ? ` (${data.Relations.length} of ${data.RelationsTotal})` : ''}</h3>
              <ResourceGraph
                center={data.Resource?.Id}
                centerType={data.Resource?.Type}
                relations={relationsOf(data)}
                onOpen={onOpen}
              />
              <ul className="small">
                {relationsOf(data).map((r) => (
                  <li key={r.to} className={r.counts ? '' : 'muted'}>
                    {r.toType}{' '}
                    <button type="button" className="link" onClick={() => onOpen(r.to)}>
                      {r.to}
                    </button>{' '}
                    <span className="muted">
                      from {r.sources.join(', ') || 'nothing now'}
                      {r.lastSeen ? `, last seen ${when(r.lastSeen)}` : ''}
                      {r.counts ? '' : ' (expired: no longer counts)'}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
            <section aria-label="Rules">
              <h3>Rules</h3>
              {(data.Rules || []).length === 0 && <p className="muted">No rule groups this type.</p>}
              {(data.Rules || []).map((e) => (
                <Explanation key={e.Rule?.Id} explanation={e} />
              ))}
            </section>
          </div>
          <h3>Findings ({(data.Findings || []).length})</h3>
          <ul className="rows">
            {(data.Findings || []).map((f) => (
              <li key={f.ProductArn + f.Id} className="row static">
                <FindingSeverity finding={f} />
                <span className="row-main">
                  <span className="row-title">{f.Title}</span>
                  <span className="muted small">
                    {f.ProductName} · {f.RecordState} · {f.Workflow?.Status || 'NEW'} ·{' '}
                    {when(f.UpdatedAt)}
                  </span>
                </span>
              </li>
            ))}
          </ul>
        </article>
      )}
    </div>
  );
}
