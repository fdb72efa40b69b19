import { useState } from 'react';
import { ErrorBox, FindingSeverity, ResourceName, useLoad } from '../components/Common.jsx';
import { ResourceGraph } from '../components/Graph.jsx';
import { Timeline } from '../components/Timeline.jsx';
import { WorkflowButtons } from '../components/Workflow.jsx';
import { INCIDENT_FILTERS } from '../filters.js';
import { bySeverityThenNewest, firstResource, relationsOf, when } from '../format.js';

// The correlated findings, most severe and newest first; one opens to its evidence, the rule's
// explanation, the resource's relations and the workflow.
export function Incidents({ api, revision, selected, onSelect, onOpenResource }) {
  const [showArchived, setShowArchived] = useState(false);
  const filters = showArchived ? { ProductName: INCIDENT_FILTERS.ProductName } : INCIDENT_FILTERS;
  const [data, error, loading, reload] = useLoad(async () => {
    const all = [];
    let token;
    do {
      const page = await api.getFindings({ filters, maxResults: 100, nextToken: token });
      all.push(...page.Findings);
      token = page.NextToken;
    } while (token && all.length < 1000);
    return all.sort(bySeverityThenNewest);
  }, [revision, showArchived]);
  const incidents = data || [];
  const open = incidents.find((f) => f.Id === selected);
  return (
    <div className="split">
      <section className="list" aria-label="Incidents">
        <div className="toolbar">
          <h2>Incidents {data ? `(${incidents.length})` : ''}</h2>
          <label className="inline">
            <input
              type="checkbox"
              checked={showArchived}
              onChange={(e) => setShowArchived(e.target.checked)}
            />
            withdrawn too
          </label>
        </div>
        <ErrorBox error={error} />
        {loading && !data && <p className="muted">Loading…</p>}
        {data && incidents.length === 0 && <p className="muted">No incidents.</p>}
        <ul className="rows">
          {incidents.map((f) => (
            <li key={f.Id}>
              <button
                type="button"
                className={`row ${f.Id === selected ? 'row-selected' : ''}`}
                onClick={() => onSelect(f.Id)}
                aria-current={f.Id === selected ? 'true' : undefined}
              >
                <FindingSeverity finding={f} />
                <span className="row-main">
                  <span className="row-title">{f.Title}</span>
                  <span className="muted small">
                    {firstResource(f).Type} · <ResourceName id={firstResource(f).Id} /> ·{' '}
                    {f.RelatedFindings?.length || 0} findings · {when(f.UpdatedAt)}
                    {f.RecordState === 'ARCHIVED' ? ' · withdrawn' : ''}
                  </span>
                </span>
                <span className={`wf wf-${(f.Workflow?.Status || 'NEW').toLowerCase()}`}>
                  {f.Workflow?.Status || 'NEW'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="detail" aria-label="Incident">
        {open ? (
          <IncidentDetail
            key={open.Id + open.UpdatedAt}
            api={api}
            incident={open}
            onChanged={reload}
            onOpenResource={onOpenResource}
          />
        ) : (
          <p className="muted">Choose an incident to see its evidence.</p>
        )}
      </section>
    </div>
  );
}

function IncidentDetail({ api, incident, onChanged, onOpenResource }) {
  const resource = firstResource(incident);
  const ruleId = incident.ProductFields?.['corroborate/RuleId'] || '';
  const [evidence, evidenceError] = useLoad(async () => {
    const ids = (incident.RelatedFindings || []).map((r) => ({ Value: r.Id, Comparison: 'EQUALS' }));
    if (!ids.length) return [];
    const page = await api.getFindings({ filters: { Id: ids }, maxResults: 100 });
    return page.Findings;
  }, [incident.Id, incident.UpdatedAt]);
  const [explained, explainError] = useLoad(
    () => api.explain(resource.Id, ruleId),
    [resource.Id, ruleId, incident.UpdatedAt],
  );
  const [graph] = useLoad(() => api.resource(resource.Id), [resource.Id]);
  const explanation = explained?.Explanations?.[0];
  return (
    <article>
      <header>
        <h2>
          <FindingSeverity finding={incident} /> {incident.Title}
        </h2>
        <p>{incident.Description}</p>
        <p className="muted small">
          Rule <code>{ruleId}</code> · {resource.Type}{' '}
          <button type="button" className="link" onClick={() => onOpenResource(resource.Id)}>
            {resource.Id}
          </button>{' '}
          · first seen {when(incident.FirstObservedAt)} · updated {when(incident.UpdatedAt)}
          {incident.RecordState === 'ARCHIVED' ? ' · withdrawn: the rule no longer holds' : ''}
        </p>
      </header>
      <WorkflowButtons api={api} finding={incident} onChanged={onChanged} />
      <h3>Evidence</h3>
      <ErrorBox error={evidenceError} />
      {evidence && <Timeline findings={evidence} />}
      <h3>Why the rule fires</h3>
      <ErrorBox error={explainError} />
      {explanation && <Explanation explanation={explanation} />}
      <h3>Resource and its relations</h3>
      {graph && (
        <ResourceGraph
          center={resource.Id}
          centerType={resource.Type}
          relations={relationsOf(graph)}
          onOpen={onOpenResource}
        />
      )}
    </article>
  );
}

export function Explanation({ explanation }) {
  return (
    <div className="explanation">
      <p>
        <strong>{explanation.Rule?.Id}</strong> on {explanation.Group?.Type}:{' '}
        <span className={explanation.Fires ? 'fires' : 'quiet'}>
          {explanation.Fires ? 'fires' : 'does not fire'}
        </span>
      </p>
      <ul className="conditions">
        {(explanation.Conditions || []).map((c) => (
          <li key={c.Name} className={c.Holds ? 'holds' : 'missing'}>
            <span aria-label={c.Holds ? 'holds' : 'does not hold'}>{c.Holds ? '✔' : '✘'}</span>{' '}
            {c.Explanation}
            {c.Evidence?.length > 0 && (
              <ul>
                {c.Evidence.map((e) => (
                  <li key={e.ProductArn + e.Id} className="small">
                    {e.ProductName} {e.SeverityLabel}: {e.Title}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {explanation.Verdict && <p className="muted small">{explanation.Verdict}</p>}
    </div>
  );
}
