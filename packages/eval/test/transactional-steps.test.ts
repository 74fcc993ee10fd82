import type { AttentionAccelerator, CacheExtension, CacheOptions, ExtensionState, KVCache } from '@kv/cache'
import { type Model, requireTokenizer } from '@kv/runtime'
import { describe, expect, it } from 'vitest'
import { buildPipeline } from '../src/cli/context.js'
import { heldOutTokens } from '../src/index.js'
import { embeddedModel } from './support.js'

/**
 * All-or-nothing steps: a plug-in that throws at any call of a prefill or decode step leaves the cache
 * exactly as before the step, and retrying gives bit-identical logits to a run without the fault.
 * Pipelines are set small enough that every method acts (evicts, merges, indexes, skips) in the run.
 */
const PIPELINES = [
  'kivi:bits=4',
  'gear:bits=2',
  'mikv',
  'streaming:sinks=4,window=48',
  'h2o:heavyTokens=24,recentTokens=24',
  'd2o:heavyTokens=24,recentTokens=24',
  'swa:window=32,topK=16',
  'razor:sinks=4,recent=16',
  'duo',
  'minicache+kivi:bits=4',
  'retrieval:sinks=4,window=16,topK=8',
  'uls:speedup=1.5',
  'skipdecode:speedup=1.5',
]
/** Past KIVI's 128-token window in the prompt, and across a block flush while decoding. */
const PREFILL = 200
const DECODE = 32
/** Faults injected per ordinary step, spread over its plug-in calls and shifted from step to step. */
const FAULTS_PER_STEP = 2
/** Prompts with at most this many plug-in calls fail at every one of them. */
const EVERY_CALL_PROMPT = 64

/**
 * Which plug-in calls of a step fail (indices into the step's calls): every call of the prompt (when it
 * makes few), of the first decode step and of the decode step that makes the most calls (a block is
 * encoded: every layer and head, every hook); a spread of `FAULTS_PER_STEP` elsewhere.
 */
function faultPoints(step: number, calls: readonly number[]): number[] {
  const n = calls[step]!
  const busiest = calls.indexOf(Math.max(...calls.slice(1)), 1)
  const every = step === 1 || step === busiest || (step === 0 && n <= EVERY_CALL_PROMPT)
  if (every) return Array.from({ length: n }, (_, k) => k)
  const phase = (step * 0.618) % 1
  return Array.from({ length: FAULTS_PER_STEP }, (_, k) => Math.floor((n * (k + phase)) / FAULTS_PER_STEP))
}

export class InjectedFault extends Error {}

/** Counts every plug-in call and throws at the ones armed. */
class FaultInjector {
  calls = 0
  armed = -1
  thrown: string[] = []

  wrap<T extends object>(target: T, what: string): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value = Reflect.get(object, property, receiver)
        if (typeof value !== 'function' || property === 'saveState' || property === 'loadState') return value
        return (...args: unknown[]) => {
          if (this.calls++ === this.armed) {
            this.thrown.push(`${what}.${String(property)}`)
            throw new InjectedFault(`injected into ${what}.${String(property)}`)
          }
          const result = Reflect.apply(value, object, args)
          return property === 'attach' ? this.wrap(result as ExtensionState, `${what} state`) : result
        }
      },
    })
  }

  pipeline(options: CacheOptions): CacheOptions {
    const { codec, policy, exit, extensions } = options
    return {
      ...options,
      ...(codec && { codec: this.wrap(codec, 'codec') }),
      ...(policy && { policy: this.wrap(policy, 'policy') }),
      ...(exit && { exit: this.wrap(exit, 'exit') }),
      ...(extensions && { extensions: extensions.map((e: CacheExtension) => this.wrap(e, e.name)) }),
    }
  }
}

/** What must not change when a step fails: length, tokens held per head, bytes, and the open step. */
function fingerprint(cache: KVCache) {
  const { logicalBytes, tokens } = cache.stats()
  return { length: cache.length, open: cache.stepOpen, logicalBytes, tokens }
}

/** The held-out passage every run reads (tokenized once: the whole held-out set takes ~0.5 s). */
let passage: Promise<Int32Array> | undefined
function input(model: Model): Promise<Int32Array> {
  passage ??= heldOutTokens(requireTokenizer(model, 'test'), model.config.bosTokenId).then((stream) =>
    Int32Array.from(stream.subarray(30_000, 30_000 + PREFILL + DECODE)),
  )
  return passage
}

interface Run {
  readonly logits: Float32Array[]
  /** Plug-in calls of each step (prefill first). */
  readonly calls: number[]
  readonly faults: string[]
}

/**
 * Runs the prefill, then teacher-forced steps. With `callsPerStep` (from a clean run), each step first
 * fails at the plug-in calls `faultPoints` picks, each time checked to leave the cache as before the
 * step, then runs clean.
 */
async function run(model: Model, spec: string, callsPerStep?: readonly number[]): Promise<Run> {
  const tokens = await input(model)
  const injector = new FaultInjector()
  const cache = model.createCache(injector.pipeline(buildPipeline(model, spec)))
  const logits: Float32Array[] = []
  const calls: number[] = []
  const attempt = async (step: number, work: () => Promise<Float32Array>) => {
    const points = callsPerStep && callsPerStep[step]! > 0 ? faultPoints(step, callsPerStep) : []
    if (points.length > 0) {
      const before = fingerprint(cache)
      for (const point of points) {
        injector.armed = injector.calls + point
        await expect(work(), `${spec}: step ${step}, call ${point}`).rejects.toBeInstanceOf(InjectedFault)
        expect(fingerprint(cache), `${spec}: step ${step} after ${injector.thrown.at(-1)}`).toEqual(before)
      }
      injector.armed = -1
    }
    const first = injector.calls
    logits.push(await work())
    calls.push(injector.calls - first)
  }
  await attempt(0, () => model.prefill(tokens.subarray(0, PREFILL), cache, { lastOnly: true }))
  for (let t = PREFILL; t < tokens.length; t++) {
    await attempt(t - PREFILL + 1, async () => (await model.step(tokens[t]!, cache)).slice())
  }
  return { logits, calls, faults: injector.thrown }
}

describe('transactional steps', () => {
  for (const spec of PIPELINES) {
    it(`${spec}: a fault at any plug-in call undoes the step; the retry gives bit-identical logits`, async () => {
      const model = await embeddedModel()
      const clean = await run(model, spec)
      const faulted = await run(model, spec, clean.calls)
      const planned = clean.calls.reduce(
        (sum, n, step) => sum + (n > 0 ? faultPoints(step, clean.calls).length : 0),
        0,
      )
      expect(planned, `${spec}: faults planned`).toBeGreaterThan(DECODE)
      expect(faulted.faults.length).toBe(planned)
      expect(faulted.calls).toEqual(clean.calls)
      for (let i = 0; i < clean.logits.length; i++) {
        const same = Buffer.from(faulted.logits[i]!.buffer).equals(Buffer.from(clean.logits[i]!.buffer))
        expect(same, `${spec}: logits of step ${i}`).toBe(true)
      }
      // Where the faults landed, for the record (every kind of hook the pipeline has).
      const hooks = [...new Set(faulted.faults)].sort()
      console.log(`transactional ${spec}: ${faulted.faults.length} faults undone, at ${hooks.join(', ')}`)
    }, 120_000)
  }
})

/** An accelerator that fails the way a device does: by throwing, at `append` or at `attend`. */
function throwingAccelerator(at: 'append' | 'attend', afterCalls: number): AttentionAccelerator {
  let calls = 0
  const fail = (where: string) => {
    if (calls++ >= afterCalls) throw new Error(`device error in ${where}`)
  }
  return {
    name: `throws-in-${at}`,
    producesAttention: false,
    append: () => {
      if (at === 'append') fail('append')
    },
    attend: async () => {
      if (at === 'attend') fail('attend')
      // A device that never computed anything: any attention it answered would differ from the CPU's.
      throw new Error('not a real device')
    },
    deviceBytes: () => 0,
  }
}

describe('an accelerator that throws', () => {
  for (const at of ['append', 'attend'] as const) {
    it(`in ${at}: the cache falls back to the CPU, logits equal the CPU run`, async () => {
      const model = await embeddedModel()
      const tokens = await input(model)
      // An accelerator keeps its own copy of every token: it composes with the full cache only.
      const cpu = model.createCache()
      const device = model.createCache({ accelerator: throwingAccelerator(at, 3) })
      const prompt = tokens.subarray(0, PREFILL)
      expect(await model.prefill(prompt, device, { lastOnly: true })).toEqual(
        await model.prefill(prompt, cpu, { lastOnly: true }),
      )
      for (let t = PREFILL; t < PREFILL + 8; t++) {
        expect(await model.step(tokens[t]!, device)).toEqual(await model.step(tokens[t]!, cpu))
      }
      expect(device.accelerated).toBe(false)
      expect(device.acceleratorLost).toMatch(/device error|not a real device/)
    }, 60_000)
  }
})
