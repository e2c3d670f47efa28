// A run of `-` that `websearch_to_tsquery` would read as stacked negations (`--x`, `- - x`,
// `-!-(-x`); dashes inside a word (`x-y`, `a--b`) are not.
const NEGATIONS = /(^|[^\p{L}\p{N}\p{M}-])(-(?:[^\p{L}\p{N}\p{M}"-]*-)*)/gu;

/**
 * `?q=` with each run of negations folded to one `-` or none: PostgreSQL refuses a tsquery
 * nested more than 32 levels deep ("tsquery stack too small").
 */
export function searchText(q: string): string {
  return q.replace(NEGATIONS, (_, lead: string, run: string) => {
    const dashes = run.split('-').length - 1;
    return lead + (dashes % 2 === 1 ? '-' : ' ');
  });
}
