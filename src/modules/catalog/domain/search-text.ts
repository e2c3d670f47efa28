/**
 * A run of `-` that PostgreSQL's `websearch_to_tsquery` would read as stacked negations: a
 * `-` where a term may start (at the beginning, or after anything but a letter, digit, mark
 * or `-`), followed by more `-`, with anything but letters, digits, marks and quotes between
 * them (`--x`, `- - x`, `-!-(-x`). Dashes inside a word (`x-y`, `a--b`) are not matched.
 */
const NEGATIONS = /(^|[^\p{L}\p{N}\p{M}-])(-(?:[^\p{L}\p{N}\p{M}"-]*-)*)/gu;

/**
 * The text of `?q=` as `websearch_to_tsquery` gets it: the same search (words, "phrases",
 * `or`, `-word`), with every run of negations folded to what it means: one `-` when odd, none
 * when even. `websearch_to_tsquery` accepts any text, but nests each negation one level
 * deeper, and PostgreSQL refuses a query nested more than 32 levels ("tsquery stack too
 * small"): 33 dashes before a word were a 500. Folded, no query nests more than a few levels.
 */
export function searchText(q: string): string {
  return q.replace(NEGATIONS, (_, lead: string, run: string) => {
    const dashes = run.split('-').length - 1;
    return lead + (dashes % 2 === 1 ? '-' : ' ');
  });
}
