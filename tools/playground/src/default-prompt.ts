/**
 * The page's default prompt: about 400 tokens of the held-out excerpt, from the first sentence after
 * character 2,600 (after the part the scoring panel uses) to the end of a sentence 1,500 characters on.
 * Longer than StreamingLLM's default 256 slots and KIVI's 128-token residual, so the default run shows
 * eviction and packing at once.
 */
export function defaultPrompt(text: string, from = 2600, length = 1500): string {
  const start = text.indexOf('. ', from)
  if (start < 0) return text.slice(0, length).trim()
  const end = text.indexOf('. ', start + 2 + length)
  return text.slice(start + 2, end < 0 ? undefined : end + 1).trim()
}
