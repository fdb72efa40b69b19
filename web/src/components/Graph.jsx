import { shortResource } from '../format.js';

const TYPE_SHORT = {
  AwsEc2Instance: 'instance',
  AwsEc2NetworkInterface: 'interface',
  AwsEc2SecurityGroup: 'security group',
  AwsS3Bucket: 'bucket',
  AwsIotRegisteredThing: 'thing',
  AwsIotCertificate: 'certificate',
  AwsIotPolicy: 'policy',
};

// A resource and what it relates to (one hop and the hop beyond), as a small radial graph.
// `relations`: [{from, to, toType}] with from/to canonical keys.
export function ResourceGraph({ center, centerType, relations, onOpen }) {
  const nodes = new Map([[center, { key: center, type: centerType, ring: 0 }]]);
  for (const r of relations) {
    if (!nodes.has(r.to)) {
      nodes.set(r.to, { key: r.to, type: r.toType, ring: r.from === center ? 1 : 2, parent: r.from });
    }
  }
  const rings = [[], [], []];
  for (const n of nodes.values()) rings[n.ring].push(n);
  const size = 360;
  const c = size / 2;
  const position = new Map([[center, { x: c, y: c }]]);
  rings.forEach((ring, r) => {
    if (r === 0) return;
    ring.forEach((n, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, ring.length) - Math.PI / 2 + r * 0.4;
      position.set(n.key, { x: c + r * 70 * Math.cos(angle), y: c + r * 70 * Math.sin(angle) });
    });
  });
  if (nodes.size === 1) return <p className="muted">No related resources are known.</p>;
  // The view box fits the nodes (and their labels) rather than the whole rings, so one related
  // resource does not leave a mostly empty picture.
  const xs = [...position.values()].map((p) => p.x);
  const ys = [...position.values()].map((p) => p.y);
  const left = Math.min(...xs) - 80;
  const top = Math.min(...ys) - 24;
  const width = Math.max(...xs) - Math.min(...xs) + 160;
  const height = Math.max(...ys) - Math.min(...ys) + 72;
  return (
    <svg
      className="graph"
      viewBox={`${left} ${top} ${width} ${height}`}
      style={{ maxHeight: `${Math.max(160, height * 1.2)}px` }}
      role="img"
      aria-label={`${nodes.size - 1} resources related to ${center}`}
    >
      {relations.map((r) => {
        const a = position.get(r.from);
        const b = position.get(r.to);
        if (!a || !b) return null;
        return <line key={r.from + '>' + r.to} x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="edge" />;
      })}
      {[...nodes.values()].map((n) => {
        const p = position.get(n.key);
        return (
          <g
            key={n.key}
            transform={`translate(${p.x},${p.y})`}
            className={n.ring === 0 ? 'node node-center' : 'node'}
            tabIndex={0}
            role="button"
            aria-label={`${TYPE_SHORT[n.type] || n.type} ${n.key}`}
            onClick={() => onOpen?.(n.key)}
            onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onOpen?.(n.key)}
          >
            <circle r={n.ring === 0 ? 14 : 10} />
            <text y={n.ring === 0 ? 28 : 22} textAnchor="middle">
              {TYPE_SHORT[n.type] || n.type}
            </text>
            <title>{`${n.type} ${n.key}`}</title>
            <text y={n.ring === 0 ? 40 : 33} textAnchor="middle" className="small">
              {shortResource(n.key.split('/').pop(), 22)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
