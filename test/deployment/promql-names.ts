/** PromQL's functions and aggregations are followed by `(`; these words are not names either. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads (a Grafana one too: `$variables` are ignored).
 * A small tokenizer, not a parser: strings, label matchers, ranges and grouping label lists are
 * blanked out first, then every identifier followed by `{`, `[`, `)`, `,`, an operator, whitespace
 * or the end is a name unless it is a keyword or a function (the next character that is not a space is `(`).
 */
export function promqlMetricNames(expr: string): string[] {
  const blanked = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const match of blanked.matchAll(/(?<![\w$:.])[a-zA-Z_:][\w:]*(?=[{[),\s+\-*/%^<>=!]|$)/g)) {
    const name = match[0];
    const rest = blanked.slice(match.index + name.length).trimStart();
    if (KEYWORDS.has(name.toLowerCase()) || rest.startsWith('(')) continue;
    names.add(name);
  }
  return [...names];
}

/** The metric a series name belongs to: a histogram's or summary's `_bucket`, `_sum` and `_count` are its own. */
export function baseMetricName(series: string, histograms: ReadonlySet<string>): string {
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return base !== series && histograms.has(base) ? base : series;
}

/** `# TYPE` lines of a Prometheus text exposition: every metric registered, with or without samples yet. */
export function exportedMetrics(exposition: string): { names: Set<string>; histograms: Set<string> } {
  const names = new Set<string>();
  const histograms = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') histograms.add(name!);
  }
  return { names, histograms };
}
