export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
export const WORKFLOWS = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];

export function severityOf(finding) {
  return finding?.Severity?.Label || 'INFORMATIONAL';
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 16) + 'Z';
}

// The end of a long ARN, where ARNs of one account differ.
export function shortResource(id, keep = 48) {
  return id && id.length > keep ? '…' + id.slice(id.length - keep + 1) : id || '';
}

export function firstResource(finding) {
  return finding?.Resources?.[0] || { Type: '', Id: '' };
}

export function identifier(finding) {
  return { ProductArn: finding.ProductArn, Id: finding.Id };
}

// Sort incidents and findings: most severe first, then newest.
export function bySeverityThenNewest(a, b) {
  const rank = (f) => SEVERITIES.indexOf(severityOf(f));
  return rank(a) - rank(b) || String(b.UpdatedAt).localeCompare(String(a.UpdatedAt));
}

// The relations of a resource view (GET /dashboard/resources/{arn}, the same document as
// `corroborate resource --output json`) as graph edges with where each was learned:
// [{from, to, toType, counts, sources: ['inventory aws-config', 'finding GuardDuty'], lastSeen}].
export function relationsOf(view) {
  const center = view?.Resource?.Id;
  return (view?.Relations || []).map((r) => {
    const provenance = r.Provenance || [];
    const sources = [
      ...new Set(
        provenance.map((p) =>
          p.Kind === 'inventory' ? `inventory ${p.Source}` : p.Kind === 'finding' ? `finding ${p.ProductName || p.Id}` : p.Kind,
        ),
      ),
    ];
    const seen = provenance.map((p) => p.LastSeen).filter(Boolean).sort();
    return { from: center, to: r.Id, toType: r.Type, counts: r.Counts !== false, sources, lastSeen: seen.at(-1) || '' };
  });
}
