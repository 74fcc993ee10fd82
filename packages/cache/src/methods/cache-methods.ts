import { float16Codec } from '../float16-codec.js'
import type { MethodSpec } from './method-spec.js'

/** Plain float16 storage, the baseline of every ratio. */
export const fp16Method = {
  name: 'fp16',
  summary: 'plain float16 storage (the baseline of every ratio)',
  provides: ['codec'],
  params: {
    blockTokens: { type: 'number', integer: true, min: 1, default: 16, summary: 'tokens per encoded block' },
    residual: { type: 'number', integer: true, min: 0, default: 0, summary: 'newest tokens kept in float32' },
  },
  build: (params) => ({ codec: float16Codec(params) }),
} satisfies MethodSpec<{ blockTokens?: number; residual?: number }>

/** The methods @kv/cache itself provides. */
export const cacheMethods = [fp16Method] as const
