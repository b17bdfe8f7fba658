/** Small inline-SVG charts: no chart library, readable by screen readers through a table summary. */
const PALETTE = ['#3b5bdb', '#2b8a3e', '#e8590c', '#c2255c', '#5f3dc4', '#1098ad', '#868e96'];

export function BarChart({ title, data, unit = '' }: { title: string; data: [string, number][]; unit?: string }) {
  if (data.length === 0) return <p className="state state-empty">No data yet for {title.toLowerCase()}.</p>;
  const rows = data.slice(0, 10);
  const max = Math.max(...rows.map(([, value]) => value), 1);
  const rowHeight = 26;
  const labelWidth = 70;
  const width = 320;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${rows.length * rowHeight}`} role="img" aria-label={`${title}: ${rows.map(([l, v]) => `${l} ${v}${unit}`).join(', ')}`}>
        {rows.map(([label, value], index) => {
          const barWidth = ((width - labelWidth - 50) * value) / max;
          const y = index * rowHeight;
          return (
            <g key={label}>
              <text x={0} y={y + 17} className="chart-label">
                {label}
              </text>
              <rect x={labelWidth} y={y + 4} width={Math.max(barWidth, 1)} height={rowHeight - 8} rx={3} fill={PALETTE[0]} />
              <text x={labelWidth + barWidth + 6} y={y + 17} className="chart-value">
                {value}
                {unit}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function StackedBar({ title, segments }: { title: string; segments: [string, number][] }) {
  const total = segments.reduce((sum, [, value]) => sum + value, 0);
  if (total === 0) return <p className="state state-empty">No data yet for {title.toLowerCase()}.</p>;
  let offset = 0;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox="0 0 320 28" role="img" aria-label={`${title}: ${segments.map(([l, v]) => `${l} ${v}`).join(', ')}`}>
        {segments.map(([label, value], index) => {
          const width = (320 * value) / total;
          const x = offset;
          offset += width;
          return value > 0 ? <rect key={label} x={x} y={0} width={width} height={28} fill={PALETTE[index % PALETTE.length]} /> : null;
        })}
      </svg>
      <ul className="legend">
        {segments.map(([label, value], index) => (
          <li key={label}>
            <span className="swatch" style={{ background: PALETTE[index % PALETTE.length] }} aria-hidden="true" />
            {label}: {value}
          </li>
        ))}
      </ul>
    </figure>
  );
}

export function LineChart({ title, data }: { title: string; data: [string, number][] }) {
  if (data.length === 0) return <p className="state state-empty">No data yet for {title.toLowerCase()}.</p>;
  const points = [...data].sort((a, b) => a[0].localeCompare(b[0]));
  const max = Math.max(...points.map(([, value]) => value), 1);
  const width = 320;
  const height = 120;
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const path = points.map(([, value], index) => `${index === 0 ? 'M' : 'L'}${(index * step).toFixed(1)},${(height - (height - 10) * (value / max)).toFixed(1)}`).join(' ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 -4 ${width} ${height + 8}`} role="img" aria-label={`${title}: ${points.map(([l, v]) => `${l} ${v}`).join(', ')}`}>
        <path d={path} fill="none" stroke={PALETTE[0]} strokeWidth={2} />
        {points.map(([label, value], index) => (
          <circle key={label} cx={index * step} cy={height - (height - 10) * (value / max)} r={3} fill={PALETTE[0]} />
        ))}
      </svg>
      <p className="chart-axis">
        {points[0][0]} – {points[points.length - 1][0]}, peak {max} a day
      </p>
    </figure>
  );
}
