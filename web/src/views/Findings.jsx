import { useMemo, useState } from 'react';
import {
  BarChart,
  ErrorBox,
  FindingSeverity,
  JsonView,
  ResourceName,
  useLoad,
} from '../components/Common.jsx';
import { COMPARISONS, chipLabel, chipsToFilters } from '../filters.js';
import { firstResource, when } from '../format.js';

const SORTS = [
  { label: 'Newest first', sort: [] },
  { label: 'Most severe first', sort: [{ field: 'SeverityNormalized', ascending: false }] },
  { label: 'Oldest first', sort: [{ field: 'UpdatedAt', ascending: true }] },
  { label: 'Title', sort: [{ field: 'Title', ascending: true }] },
];

// Security Hub's findings with its own filters as chips, sort, paging, counts and the raw JSON.
export function Findings({ api, revision, chips, onChips }) {
  const [fields] = useLoad(() => api.filterFields(), []);
  const typeOf = useMemo(() => {
    const types = new Map((fields?.Fields || []).map((f) => [f.Name, f.Type]));
    return (name) => types.get(name) || 'string';
  }, [fields]);
  const [sortIndex, setSortIndex] = useState(0);
  const [pages, setPages] = useState([undefined]);  // the NextToken of each page seen
  const [open, setOpen] = useState(null);
  let filters = {};
  let filterError = null;
  try {
    filters = chipsToFilters(chips, typeOf);
  } catch (e) {
    filterError = e;
  }
  const key = JSON.stringify(filters) + sortIndex;
  const token = pages[pages.length - 1];
  const [page, error, loading] = useLoad(
    () => api.getFindings({ filters, sort: SORTS[sortIndex].sort, maxResults: 25, nextToken: token }),
    [key, token, revision],
  );
  const [counts] = useLoad(() => api.counts(filters), [key, revision]);
  const change = (next) => {
    setPages([undefined]);
    onChips(next);
  };
  return (
    <div className="findings">
      <FilterBar fields={fields?.Fields || []} typeOf={typeOf} chips={chips} onChips={change} />
      <ErrorBox error={filterError || error} />
      <div className="charts">
        <BarChart
          title="By severity"
          counts={counts?.SeverityLabel}
          onPick={(v) => change([...chips, { field: 'SeverityLabel', comparison: 'EQUALS', value: v }])}
        />
        <BarChart
          title="By product"
          counts={counts?.ProductName}
          onPick={(v) => change([...chips, { field: 'ProductName', comparison: 'EQUALS', value: v }])}
        />
        <BarChart
          title="By resource type"
          counts={counts?.ResourceType}
          onPick={(v) => change([...chips, { field: 'ResourceType', comparison: 'EQUALS', value: v }])}
        />
      </div>
      <div className="toolbar">
        <h2>Findings {counts?.Total !== undefined ? `(${counts.Total})` : ''}</h2>
        <label className="inline">
          Sort
          <select
            value={sortIndex}
            onChange={(e) => {
              setPages([undefined]);
              setSortIndex(Number(e.target.value));
            }}
          >
            {SORTS.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {loading && !page && <p className="muted">Loading…</p>}
      <table className="table">
        <caption className="visually-hidden">Findings matching the filters</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Title</th>
            <th scope="col">Product</th>
            <th scope="col">Resource</th>
            <th scope="col">Workflow</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {(page?.Findings || []).map((f) => (
            <tr key={f.ProductArn + f.Id} className={open?.Id === f.Id ? 'row-selected' : ''}>
              <td>
                <FindingSeverity finding={f} />
              </td>
              <td>
                <button type="button" className="link" onClick={() => setOpen(f)}>
                  {f.Title}
                </button>
              </td>
              <td>{f.ProductName}</td>
              <td>
                <ResourceName id={firstResource(f).Id} />
              </td>
              <td>{f.Workflow?.Status || 'NEW'}</td>
              <td className="nowrap">{when(f.UpdatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
          Previous
        </button>
        <span>page {pages.length}</span>
        <button
          type="button"
          disabled={!page?.NextToken}
          onClick={() => setPages([...pages, page.NextToken])}
        >
          Next
        </button>
      </nav>
      {open && (
        <section aria-label="Finding JSON">
          <div className="toolbar">
            <h3>{open.Title}</h3>
            <button type="button" onClick={() => setOpen(null)}>
              Close
            </button>
          </div>
          <JsonView value={open} />
        </section>
      )}
    </div>
  );
}

function FilterBar({ fields, typeOf, chips, onChips }) {
  const [field, setField] = useState('SeverityLabel');
  const type = typeOf(field);
  const [comparison, setComparison] = useState('EQUALS');
  const [value, setValue] = useState('');
  const comparisons = COMPARISONS[type] || COMPARISONS.string;
  const current = comparisons.includes(comparison) ? comparison : comparisons[0];
  const add = (e) => {
    e.preventDefault();
    if (!value.trim()) return;
    onChips([...chips, { field, comparison: current, value: value.trim() }]);
    setValue('');
  };
  return (
    <form className="filterbar" onSubmit={add} aria-label="Filters">
      <label>
        Field
        <input
          list="filter-fields"
          value={field}
          onChange={(e) => setField(e.target.value)}
          aria-describedby="field-type"
        />
      </label>
      <datalist id="filter-fields">
        {fields.map((f) => (
          <option key={f.Name} value={f.Name} />
        ))}
      </datalist>
      <span id="field-type" className="muted small">
        {type}
      </span>
      <label>
        Comparison
        <select value={current} onChange={(e) => setComparison(e.target.value)}>
          {comparisons.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Value
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={type === 'map' ? 'key=value' : type === 'date' ? '7' : ''}
        />
      </label>
      <button type="submit">Add filter</button>
      <ul className="chips" aria-label="Filters in use">
        {chips.map((c, i) => (
          <li key={chipLabel(c) + i} className="chip">
            {chipLabel(c)}
            <button
              type="button"
              aria-label={`Remove filter ${chipLabel(c)}`}
              onClick={() => onChips(chips.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </form>
  );
}
