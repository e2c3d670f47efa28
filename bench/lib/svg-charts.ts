/**
 * Charts as plain SVG strings: enough axes, ticks and legends to read a bench report, and
 * no chart dependency.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** A model curve rather than measurements: dashed, no markers. */
  readonly fitted?: boolean;
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 70, right: 160, top: 36, bottom: 48 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number) => (Math.abs(n) >= 1000 ? `${Math.round(n / 100) / 10}k` : `${Math.round(n * 10) / 10}`);

/** About five round tick values from 0 (or the minimum on a log axis) to max. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++)
      for (const m of [1, 2, 5]) if (m * 10 ** p >= min * 0.999 && m * 10 ** p <= max * 1.001) out.push(m * 10 ** p);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(max / 5 || 1));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}

function scale(min: number, max: number, from: number, to: number, log: boolean): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const span = f(max) - f(min) || 1;
  return (v) => from + ((f(v) - f(min)) / span) * (to - from);
}

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(14 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xLog?: boolean;
}): string {
  const all = options.series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const xMin = options.xLog ? Math.min(...xs) : 0;
  const xMax = Math.max(...xs);
  const yMax = Math.max(...all.map((p) => p.y)) * 1.1 || 1;
  const x = scale(xMin, xMax, MARGIN.left, WIDTH - MARGIN.right, options.xLog ?? false);
  const y = scale(0, yMax, HEIGHT - MARGIN.bottom, MARGIN.top, false);
  const body: string[] = [];
  for (const t of ticks(0, yMax, false)) {
    body.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end">${num(t)}</text>`,
    );
  }
  for (const t of options.xLog ? ticks(xMin, xMax, true) : ticks(0, xMax, false))
    body.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom + 4}" stroke="#333"/>`,
      `<text x="${x(t)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${num(t)}</text>`,
    );
  body.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
  );
  options.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    const d = sorted.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    body.push(
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.fitted ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    if (!s.fitted)
      for (const p of sorted)
        body.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    const ly = MARGIN.top + 10 + i * 18;
    body.push(
      `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 32}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.fitted ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${WIDTH - MARGIN.right + 36}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  return frame(options.title, options.xLabel, options.yLabel, body);
}

/** Grouped bars on a log scale (latencies span 1 ms to seconds). */
export function barChart(options: {
  title: string;
  yLabel: string;
  groups: readonly {
    readonly label: string;
    readonly bars: readonly { readonly name: string; readonly value: number }[];
  }[];
}): string {
  const values = options.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values, 1) * 1.01));
  const y = scale(yMin, yMax, HEIGHT - MARGIN.bottom, MARGIN.top, true);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const groupWidth = plotWidth / Math.max(1, options.groups.length);
  const names = [...new Set(options.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const barWidth = (groupWidth * 0.8) / Math.max(1, names.length);
  const body: string[] = [];
  for (const t of ticks(yMin, yMax, true))
    body.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end">${num(t)}</text>`,
    );
  options.groups.forEach((g, i) => {
    const left = MARGIN.left + i * groupWidth + groupWidth * 0.1;
    g.bars.forEach((b) => {
      const j = names.indexOf(b.name);
      const top = y(Math.max(b.value, yMin));
      body.push(
        `<rect x="${(left + j * barWidth).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(HEIGHT - MARGIN.bottom - top).toFixed(1)}" fill="${COLOURS[j % COLOURS.length]}"><title>${escape(`${g.label} ${b.name}: ${b.value}`)}</title></rect>`,
      );
    });
    body.push(
      `<text x="${(MARGIN.left + (i + 0.5) * groupWidth).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escape(g.label)}</text>`,
    );
  });
  body.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
  );
  names.forEach((name, j) => {
    const ly = MARGIN.top + 10 + j * 18;
    body.push(
      `<rect x="${WIDTH - MARGIN.right + 12}" y="${ly - 6}" width="20" height="10" fill="${COLOURS[j % COLOURS.length]}"/>`,
      `<text x="${WIDTH - MARGIN.right + 36}" y="${ly + 4}">${escape(name)}</text>`,
    );
  });
  return frame(options.title, '', options.yLabel, body);
}
