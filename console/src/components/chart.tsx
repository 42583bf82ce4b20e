// A small uPlot time-series chart. Recreated when its series change (a new refusal reason appears),
// updated in place otherwise. uPlot styles through the CSSOM, which the console's CSP allows.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#1f6feb', '#d1242f', '#9a6700', '#8250df', '#1a7f37', '#bc4c00', '#0550ae', '#cf222e'];

export interface ChartProps {
  /** Accessible name of the chart (its heading is beside it). */
  label: string;
  series: string[];
  /** x: seconds since the epoch; one array of values per series. */
  data: [number[], ...(number | null)[][]];
  height?: number;
}

/** The x axis spans at least this long, so a chart that has just started reads as the start of a timeline. */
const MIN_SPAN_S = 60;
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function Chart({ label, series, data, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.join('\u0000');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: {
        x: { time: true, range: (_u, min, max) => [Math.min(min, max - MIN_SPAN_S), max] },
        y: { range: (_u, min, max) => [0, Math.max(1, max, min)] },
      },
      series: [{}, ...series.map((s, i) => ({ label: s, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: false } }))],
      axes: [{ values: (_u, splits) => splits.map((s) => clock.format(new Date(s * 1000))), space: 70 }, { size: 48 }],
      legend: { live: false },
      cursor: { show: false },
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = u;
    const resize = () => u.setSize({ width: Math.max(280, el.clientWidth), height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      u.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when the series change; data updates go through setData below.
  }, [key, height]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
