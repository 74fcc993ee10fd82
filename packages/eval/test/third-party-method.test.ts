import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MethodSpec } from '@kv/cache'
import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { evalCommand } from '../src/cli/commands/eval.js'
import type { EvalReport } from '../src/index.js'
import { methodRegistry } from '../src/index.js'

/**
 * A method no @kv package knows, defined here as a third party would: a policy that keeps the first
 * `sinks` tokens, the last `window`, and every other token in between (evicting the odd positions).
 */
interface StrideOptions {
  readonly sinks?: number
  readonly window?: number
}

function stride({ sinks = 4, window = 16 }: StrideOptions): KVPolicy {
  return {
    name: `stride(sinks=${sinks}, window=${window})`,
    needsAttention: false,
    plan(view: SlotView): SlotPlan | null {
      const evict: number[] = []
      for (let slot = sinks; slot < view.count - window; slot++)
        if (view.positions[slot]! % 2 === 1) evict.push(slot)
      return evict.length > 0 ? { evict: Int32Array.from(evict) } : null
    },
  }
}

const strideMethod = {
  name: 'stride',
  summary: 'sinks + window + every other token in between (a test-only method)',
  provides: ['policy'],
  params: {
    sinks: { type: 'number', integer: true, min: 0, default: 4, summary: 'first tokens kept' },
    window: { type: 'number', integer: true, min: 1, default: 16, summary: 'last tokens kept' },
  },
  build: (params) => ({ policy: stride(params) }),
} satisfies MethodSpec<StrideOptions>

afterEach(() => {
  vi.restoreAllMocks()
})

describe('a third-party method', () => {
  it('registers next to the @kv methods and runs through kv eval, composed with a @kv codec', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const registry = methodRegistry([strideMethod])
    const json = join(mkdtempSync(join(tmpdir(), 'kv-third-party-')), 'report.json')
    await evalCommand(
      [
        '--tokens',
        '96',
        '--fillers',
        '0',
        '--pipelines',
        'stride:window=8;stride:window=8+kivi:bits=4,groupSize=16,residual=8',
        '--json',
        json,
      ],
      registry,
    )
    const report = JSON.parse(readFileSync(json, 'utf8')) as EvalReport
    const [alone, composed] = report.results
    expect(alone!.spec).toBe('stride:window=8')
    expect(composed!.spec).toBe('stride:window=8+kivi:bits=4,groupSize=16,residual=8')
    // 96 tokens: 4 sinks + 8 window + every other of the 84 in between = 54 held per head.
    expect(alone!.memory.tokens[0]![0]).toBe(54)
    expect(composed!.memory.physicalBytes).toBeLessThan(alone!.memory.physicalBytes)
    expect(alone!.perplexity).toBeGreaterThan(0)
  }, 60_000)

  it('is checked like any method: a bad value is refused before any work, a name taken twice too', async () => {
    const registry = methodRegistry([strideMethod])
    expect(() => registry.parse('stride:window=0')).toThrow('parameter window of stride must be ≥ 1, got 0')
    expect(() => registry.parse('strid:window=8')).toThrow('(did you mean stride?)')
    expect(() => methodRegistry([strideMethod, strideMethod])).toThrow('method stride is registered twice')
  })
})
