import { Bar as Bars, BarChart as Chart, Cell, LabelList, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney } from "../lib/money";

export interface Bar {
  label: string;
  /** The exact amount, as Rust sent it. */
  amount: string | null;
}

/**
 * A bar chart of amounts, positive up and negative down, on the UI's one chart library
 * (recharts). The bar heights need magnitudes, so the strings become numbers here for drawing
 * only; every figure shown as text (each bar's label, the tooltip) is the exact string.
 */
export function BarChart({ bars, title }: { bars: Bar[]; title: string }) {
  const data = bars.map((b, i) => ({
    key: `${b.label}-${i}`,
    label: b.label,
    height: b.amount === null ? 0 : Number(b.amount),
    exact: formatMoney(b.amount),
  }));
  return (
    <figure className="bar-chart" data-testid="report-chart">
      <Chart width={680} height={230} data={data} role="img" aria-label={title} margin={{ top: 22, right: 8, bottom: 4, left: 8 }}>
        <XAxis dataKey="label" interval={0} tick={{ fontSize: 11 }} tickLine={false} />
        <YAxis hide domain={[(min: number) => Math.min(0, min), (max: number) => Math.max(0, max)]} />
        <ReferenceLine y={0} className="axis" />
        <Tooltip formatter={(_v, _n, item) => [(item.payload as { exact: string }).exact, title]} />
        <Bars dataKey="height" isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.key} className={d.height < 0 ? "bar negative" : "bar"} />
          ))}
          <LabelList dataKey="exact" position="top" className="bar-amount" />
        </Bars>
      </Chart>
      <figcaption className="muted">{title}</figcaption>
    </figure>
  );
}
