import { useState } from 'react';
import { ErrorBox } from './Common.jsx';

const ACTIONS = [
  { status: 'NOTIFIED', label: 'Notified', hint: 'someone responsible knows' },
  { status: 'SUPPRESSED', label: 'Suppress', hint: 'accepted or not a problem' },
  { status: 'RESOLVED', label: 'Resolve', hint: 'fixed' },
];

// BatchUpdateFindings on one finding: a workflow status with a note.
export function WorkflowButtons({ api, finding, onChanged }) {
  const [note, setNote] = useState('');
  const [by, setBy] = useState(() => globalThis.localStorage?.getItem('corroborate.user') || '');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const current = finding.Workflow?.Status || 'NEW';
  async function apply(status) {
    setBusy(true);
    setError(null);
    try {
      globalThis.localStorage?.setItem('corroborate.user', by);
      const r = await api.updateWorkflow(
        [{ ProductArn: finding.ProductArn, Id: finding.Id }],
        status,
        note,
        by,
      );
      if (r.UnprocessedFindings?.length) {
        throw new Error(
          `${r.UnprocessedFindings[0].ErrorCode}: ${r.UnprocessedFindings[0].ErrorMessage}`,
        );
      }
      setNote('');
      onChanged?.(status);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="workflow" aria-label="Workflow">
      <h3>
        Workflow: <span className={`wf wf-${current.toLowerCase()}`}>{current}</span>
      </h3>
      <label>
        Note
        <textarea
          value={note}
          onChange={(e) => setNote(e.target.value)}
          rows={2}
          maxLength={512}
          placeholder="why (kept with the finding)"
        />
      </label>
      <label>
        Your name
        <input value={by} onChange={(e) => setBy(e.target.value)} maxLength={128} />
      </label>
      <div className="buttons">
        {ACTIONS.map((a) => (
          <button
            key={a.status}
            type="button"
            disabled={busy || current === a.status}
            onClick={() => apply(a.status)}
            title={a.hint}
          >
            {a.label}
          </button>
        ))}
      </div>
      {finding.Note?.Text && (
        <p className="muted small">
          Note by {finding.Note.UpdatedBy}: {finding.Note.Text}
        </p>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
