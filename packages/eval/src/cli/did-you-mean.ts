import { editDistance } from '@kv/tensor'

export { editDistance }

/**
 * The candidates close to `word`, nearest first: within a third of its length in edits (at least 1, at most
 * 3), or starting with it (an abbreviation such as `--tok` for `--tokens`).
 *
 * @example
 * closest('contxt', ['context', 'score']) // ['context']
 */
export function closest(word: string, candidates: readonly string[]): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)))
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
    .filter(
      ({ candidate, distance }) => distance <= limit || (word.length >= 2 && candidate.startsWith(word)),
    )
    .sort((a, b) => a.distance - b.distance)
    .map(({ candidate }) => candidate)
}

/** ` (did you mean X or Y?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[], prefix = ''): string {
  const near = closest(word, candidates).slice(0, 3)
  return near.length ? ` (did you mean ${near.map((n) => `${prefix}${n}`).join(' or ')}?)` : ''
}
