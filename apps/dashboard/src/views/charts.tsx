import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** A uPlot chart that follows its container's width; `data` and `opts` are rebuilt when `key` changes. */
export function TimeChart(props: { data: uPlot.AlignedData; series: uPlot.Series[]; bands?: uPlot.Band[]; height?: number; testid?: string; yLabel?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const xs = props.data[0] as number[];
    const lo = xs.length ? Math.min(...xs) : 0;
    const hi = xs.length ? Math.max(...xs) : 0;
    const opts: uPlot.Options = {
      // One point (or one instant) would stretch the axis over years: show a minute either side.
      ...(hi - lo < 1 ? { scales: { x: { time: true, range: [lo - 60, hi + 60] as uPlot.Range.MinMax } } } : {}),
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 220,
      series: [{}, ...props.series],
      bands: props.bands ?? [],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: '#8793a0', grid: { stroke: '#2a323c' }, ticks: { stroke: '#2a323c' } },
        { stroke: '#8793a0', grid: { stroke: '#2a323c' }, ticks: { stroke: '#2a323c' }, size: 60, label: props.yLabel ?? '' },
      ],
    };
    plot.current?.destroy();
    plot.current = new uPlot(opts, props.data, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.data, props.series, props.bands, props.height, props.yLabel]);
  return <div class="chart" ref={ref} data-testid={props.testid} />;
}

export interface Bar {
  group: string;
  label: string;
  successes: number;
  failures: number;
}

/** Horizontal stacked bars (successes green, failures red) grouped by diagnosis: which action works for what. */
export function PatternsChart(props: { bars: Bar[] }) {
  const rowH = 22;
  const labelW = 260;
  const width = 720;
  const max = Math.max(1, ...props.bars.map((b) => b.successes + b.failures));
  const scale = (n: number) => ((width - labelW - 80) * n) / max;
  let y = 0;
  let lastGroup = '';
  const items = [];
  for (const b of props.bars) {
    if (b.group !== lastGroup) {
      items.push(
        <text key={`g-${b.group}`} x={0} y={y + 15} class="chart-group">
          {b.group}
        </text>,
      );
      y += rowH;
      lastGroup = b.group;
    }
    const total = b.successes + b.failures;
    items.push(
      <g key={`${b.group}-${b.label}`} transform={`translate(0 ${y})`} data-pattern={`${b.group}/${b.label}`}>
        <text x={16} y={15} class="chart-label">
          {b.label}
        </text>
        <rect x={labelW} y={4} width={scale(b.successes)} height={rowH - 8} class="bar-ok" />
        <rect x={labelW + scale(b.successes)} y={4} width={scale(b.failures)} height={rowH - 8} class="bar-bad" />
        <text x={labelW + scale(total) + 6} y={15} class="chart-label">
          {b.successes}/{total} ({total ? Math.round((100 * b.successes) / total) : 0}%)
        </text>
      </g>,
    );
    y += rowH;
  }
  return (
    <svg class="patterns" width="100%" viewBox={`0 0 ${width} ${Math.max(y, rowH)}`} role="img" aria-label="Healing success by diagnosis and action">
      {items}
    </svg>
  );
}
