/**
 * Throws a RangeError when a codec's `decode` is handed an output buffer too short for the block: writing
 * past the end of a typed array is silently dropped, so without this check the caller reads a truncated
 * block as if it were whole. A longer buffer is fine (the first `tokens · headDim` floats are written).
 *
 * @example
 * checkDecodeOut('uniform.decode', out, block.tokens, block.headDim)
 */
export function checkDecodeOut(
  where: string,
  out: Float32Array | undefined,
  tokens: number,
  headDim: number,
): void {
  if (out === undefined) return
  const needed = tokens * headDim
  if (out.length < needed) {
    throw new RangeError(
      `${where}: out holds ${out.length} floats, the block needs ${needed} (${tokens} tokens × ${headDim} channels)`,
    )
  }
}
