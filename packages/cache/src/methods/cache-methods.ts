import { blockTokensRange, float16Codec, residualRange } from '../float16-codec.js'
import type { MethodSpec } from './method-spec.js'

/** Plain float16 storage, the baseline of every ratio. */
export const fp16Method = {
  name: 'fp16',
  summary: 'plain float16 storage (the baseline of every ratio)',
  provides: ['codec'],
  params: {
    blockTokens: { type: 'number', ...blockTokensRange, default: 16, summary: 'tokens per encoded block' },
    residual: { type: 'number', ...residualRange, default: 0, summary: 'newest tokens kept in float32' },
  },
  build: (params) => ({ codec: float16Codec(params) }),
} satisfies MethodSpec<{ blockTokens?: number; residual?: number }>

/** The methods @kv/cache itself provides. */
export const cacheMethods = [fp16Method] as const
