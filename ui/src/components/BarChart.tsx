import { formatMoney } from "../lib/money";

export interface Bar {
  label: string;
  /** The exact amount, as Rust sent it. */
  amount: string | null;
}

/**
 * A plain SVG bar chart of amounts, positive up and negative down. The bar
 * heights need magnitudes, so the strings become numbers here for drawing
 * only; every figure shown as text is the exact string.
 */
export function BarChart({ bars, title }: { bars: Bar[]; title: string }) {
  const width = 640;
  const height = 180;
  const pad = 4;
  const values = bars.map((b) => (b.amount === null ? 0 : Number(b.amount)));
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const zero = pad + ((max - 0) / span) * (height - 2 * pad);
  const w = bars.length === 0 ? 0 : (width - 2 * pad) / bars.length;
  return (
    <figure className="bar-chart" data-testid="report-chart">
      <svg viewBox={`0 0 ${width} ${height + 36}`} role="img" aria-label={title}>
        <line x1={0} x2={width} y1={zero} y2={zero} className="axis" />
        {bars.map((b, i) => {
          const v = values[i] ?? 0;
          const h = (Math.abs(v) / span) * (height - 2 * pad);
          const y = v >= 0 ? zero - h : zero;
          return (
            <g key={`${b.label}-${i}`}>
              <rect x={pad + i * w + w * 0.15} y={y} width={w * 0.7} height={Math.max(h, 1)} className={v < 0 ? "bar negative" : "bar"}>
                <title>{`${b.label}: ${formatMoney(b.amount)}`}</title>
              </rect>
              <text x={pad + i * w + w / 2} y={height + 16} textAnchor="middle" className="bar-label">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">{title}</figcaption>
    </figure>
  );
}
