import { SeverityBadge } from './Common.jsx';
import { severityOf, when } from '../format.js';

// The evidence of an incident on one time axis: each finding a bar from FirstObservedAt (else
// CreatedAt) to LastObservedAt (else UpdatedAt).
export function Timeline({ findings }) {
  const spans = findings
    .map((f) => ({
      f,
      start: Date.parse(f.FirstObservedAt || f.CreatedAt),
      end: Date.parse(f.LastObservedAt || f.UpdatedAt),
    }))
    .filter((s) => !Number.isNaN(s.start))
    .sort((a, b) => a.start - b.start);
  if (spans.length === 0) return <p className="muted">No evidence is stored any more.</p>;
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => Math.max(s.end, s.start)));
  const range = Math.max(1, t1 - t0);
  return (
    <ol className="timeline" aria-label="Evidence in time order">
      {spans.map(({ f, start, end }) => (
        <li key={f.ProductArn + f.Id} className="timeline-row">
          <div className="timeline-text">
            <SeverityBadge label={severityOf(f)} /> <strong>{f.ProductName}</strong> {f.Title}
            <div className="muted small">
              {when(f.FirstObservedAt || f.CreatedAt)} → {when(f.LastObservedAt || f.UpdatedAt)}
              {f.Workflow?.Status && f.Workflow.Status !== 'NEW' ? ` · ${f.Workflow.Status}` : ''}
            </div>
          </div>
          <div className="timeline-track" aria-hidden="true">
            <span
              className={`timeline-bar sev-bg-${severityOf(f).toLowerCase()}`}
              style={{
                left: `${(100 * (start - t0)) / range}%`,
                width: `${Math.max(1.5, (100 * (Math.max(end, start) - start)) / range)}%`,
              }}
            />
          </div>
        </li>
      ))}
    </ol>
  );
}
