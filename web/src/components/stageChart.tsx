import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type Plugin } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { StageTiming } from '../api/types.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Draws a vertical line at the per-group time budget. */
const budgetLine = (budgetS: number): Plugin<'bar'> => ({
  id: 'budgetLine',
  afterDatasetsDraw(chart) {
    const x = chart.scales['x']!.getPixelForValue(budgetS);
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = '#f85149';
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.fillStyle = '#f85149';
    ctx.fillText(`${budgetS.toFixed(2)} s budget`, x - 90, top + 10);
    ctx.restore();
  },
});

/** Mean and longest time of each stage against the per-group budget (one observation every 309 s). */
export function StageTimeChart({ stages, budgetS }: { stages: readonly StageTiming[]; budgetS: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);

  useEffect(() => {
    chart.current = new Chart(canvas.current!, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: 'seconds per group', color: '#8b949e' }, ticks: { color: '#8b949e' }, grid: { color: '#30363d' } }, y: { ticks: { color: '#c9d1d9' }, grid: { display: false } } },
        plugins: { legend: { labels: { color: '#c9d1d9' } } },
      },
      plugins: [budgetLine(budgetS)],
    });
    return () => chart.current?.destroy();
  }, [budgetS]);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const seconds = (ms: number | null) => (ms === null ? 0 : ms / 1000);
    c.data.labels = stages.map((s) => s.stage);
    c.data.datasets = [
      { label: 'mean', data: stages.map((s) => seconds(s.meanMs)), backgroundColor: '#2f81f7' },
      { label: 'longest', data: stages.map((s) => seconds(s.maxMs)), backgroundColor: '#6e7681' },
    ];
    const longest = Math.max(0, ...stages.map((s) => seconds(s.maxMs)));
    c.options.scales!['x']!.max = Math.ceil(Math.max(budgetS * 1.1, longest * 1.05) / 50) * 50;
    c.update();
  }, [stages, budgetS]);

  return (
    <div class="chart" style={{ height: `${110 + 30 * stages.length}px` }}>
      <canvas ref={canvas} data-testid="stage-chart" />
    </div>
  );
}
