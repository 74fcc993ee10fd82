/**
 * How a cache's size compares with a float16 full cache of the same tokens, always as a factor above 1:
 * "3.52× smaller than float16", "1.20× larger than float16", "the size of float16" (within 0.5%).
 *
 * @example
 * sizeAgainstFloat16(stats.physicalBytes, stats.float16Bytes) // '3.52× smaller than float16'
 */
export function sizeAgainstFloat16(physicalBytes: number, float16Bytes: number): string {
  if (!(float16Bytes > 0) || !(physicalBytes >= 0)) return 'no float16 reference'
  if (physicalBytes === 0) return 'holds no bytes'
  const ratio = float16Bytes / physicalBytes
  if (Math.abs(ratio - 1) < 0.005) return 'the size of float16'
  return ratio > 1
    ? `${ratio.toFixed(2)}× smaller than float16`
    : `${(1 / ratio).toFixed(2)}× larger than float16`
}

/** The table cell: "3.52× smaller", "1.20× larger", "same" (the column says "vs float16"). */
export function sizeCell(physicalBytes: number, float16Bytes: number): string {
  const words = sizeAgainstFloat16(physicalBytes, float16Bytes)
  if (words === 'the size of float16') return 'same'
  return words.replace(/ than float16$/, '')
}

/**
 * The memory saved against a float16 full cache of the same tokens: "saved 71.6% of float16's memory",
 * or "used 20.0% more than float16" for a cache larger than that.
 */
export function savedAgainstFloat16(physicalBytes: number, float16Bytes: number): string {
  if (!(float16Bytes > 0)) return 'no float16 reference'
  const saved = 1 - physicalBytes / float16Bytes
  return saved >= 0
    ? `saved ${(100 * saved).toFixed(1)}% of float16's memory`
    : `used ${(-100 * saved).toFixed(1)}% more than float16`
}
