import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { embeddedModelPath } from '@kv/runtime/node'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { benchCommand } from '../src/cli/commands/bench.js'
import { captureCommand } from '../src/cli/commands/capture.js'
import { demoCommand } from '../src/cli/commands/demo.js'
import { evalCommand } from '../src/cli/commands/eval.js'
import { generateCommand } from '../src/cli/commands/generate.js'
import { closest, editDistance } from '../src/cli/did-you-mean.js'
import { parseCommandLine, UsageError } from '../src/cli/options.js'
import { failureMessage, helpFor, main } from '../src/cli/program.js'
import { savedAgainstFloat16, sizeAgainstFloat16 } from '../src/eval/float16-wording.js'
import { checkMethodSpec } from '../src/methods/check-method-spec.js'
import { KV_METHODS, methodRegistry } from '../src/methods/installed.js'

// Every real model load goes through this spy, so that validation tests can prove none happened.
const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock('@kv/runtime/node', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@kv/runtime/node')>()
  return {
    ...actual,
    loadModel: (folder?: string) => {
      loads.count++
      return actual.loadModel(folder)
    },
  }
})

function capture(): { stdout: () => string; stderr: () => string } {
  let stdout = ''
  let stderr = ''
  const text = (chunk: string | Uint8Array) =>
    typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk)
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += text(chunk)
    return true
  })
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += text(chunk)
    return true
  })
  return { stdout: () => stdout, stderr: () => stderr }
}

beforeEach(() => {
  loads.count = 0
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** Runs a command that must fail on its arguments: fast, before any model load, without output. */
async function rejectsFast(run: () => Promise<void>, message: string | RegExp): Promise<void> {
  const out = capture()
  const started = performance.now()
  await expect(run()).rejects.toThrow(message)
  expect(performance.now() - started).toBeLessThan(1000)
  expect(loads.count).toBe(0)
  expect(out.stdout()).toBe('')
}

describe('kv: every option and spec is checked before any work', () => {
  it('a misspelt method in --pipeline fails at once with a suggestion', async () => {
    await rejectsFast(
      () => demoCommand(['--pipeline', 'kivy']),
      /--pipeline: unknown method "kivy" in pipeline "kivy" \(did you mean kivi\?\)/,
    )
  })

  it('--max-tokens abc names the option and the expected type, and does not echo the prompt', async () => {
    await rejectsFast(
      () => generateCommand(['--max-tokens', 'abc', 'Fellow', 'citizens']),
      'kv generate: --max-tokens must be an integer ≥ 1, got "abc"',
    )
    await rejectsFast(
      () => generateCommand(['--temperature=-1', 'hi']),
      'kv generate: --temperature must be a number ≥ 0, got "-1"',
    )
  })

  it('an unknown option suggests the nearest known one and lists them all', async () => {
    await rejectsFast(
      () => demoCommand(['--contxt', '100']),
      'kv demo: unknown option --contxt (did you mean --context?); options: --model, --pipeline, --context, --generate, --score, --quiet, --methods',
    )
    await rejectsFast(() => evalCommand(['--pipeline', 'kivi:bits=4']), '(did you mean --pipelines?)')
    await rejectsFast(() => benchCommand(['--round', '2']), '(did you mean --rounds?)')
  })

  it('choices, integer lists, missing values, repeated options and flags with values are refused', async () => {
    await rejectsFast(
      () => evalCommand(['--protocol', 'stream']),
      'kv eval: --protocol must be one of streaming, prefill, got "stream" (did you mean streaming?)',
    )
    await rejectsFast(
      () => evalCommand(['--fillers', '512,x']),
      'kv eval: --fillers must be comma-separated integers ≥ 0, got "512,x"',
    )
    await rejectsFast(() => evalCommand(['--tokens']), 'kv eval: --tokens needs an integer ≥ 2')
    await rejectsFast(() => evalCommand(['--tokens', '--quiet']), 'kv eval: --tokens needs an integer ≥ 2')
    await rejectsFast(() => evalCommand(['--tokens', '8', '--tokens=9']), 'kv eval: --tokens is given twice')
    await rejectsFast(() => evalCommand(['--quiet=yes']), 'kv eval: --quiet takes no value, got "yes"')
    await rejectsFast(() => evalCommand(['stray']), 'kv eval takes no arguments, got "stray"')
  })

  it('every spec of --pipelines is checked, and specs are built against the model configuration', async () => {
    await rejectsFast(
      () => evalCommand(['--pipelines', 'kivi:bits=4;gear:rank=4']),
      'unknown parameter "rank" of gear; valid parameters: bits, groupSize',
    )
    await rejectsFast(
      () => evalCommand(['--pipelines', 'kivi:bits=4+gear:bits=4']),
      "kivi and gear both provide the cache's codec",
    )
    await rejectsFast(() => evalCommand(['--pipelines', ' ; ']), '--pipelines names no pipeline')
  })

  it('bounds that depend on the model come from its config.json, not its weights', async () => {
    await rejectsFast(
      () => benchCommand(['--context', '99999']),
      "kv bench: --context (99999) must be at most the model's context",
    )
    await rejectsFast(
      () => benchCommand(['--context', '32', '--steps', '64']),
      'kv bench: --steps (64) must be below --context (32)',
    )
    await rejectsFast(
      () => captureCommand(['--out', '/nonexistent/kv', '--layers', '1,99']),
      'kv capture: --layers: 99 is not a layer (0..',
    )
    await rejectsFast(
      () => demoCommand(['--context', '100000']),
      "kv demo: --context (100000) + --score (256) and + --generate (40) must fit the model's",
    )
    await rejectsFast(
      () => demoCommand(['--model', '/nonexistent/model']),
      /--model \/nonexistent\/model: cannot read/,
    )
    const weightsOnly = mkdtempSync(join(tmpdir(), 'kv-no-tokenizer-'))
    copyFileSync(join(await embeddedModelPath(), 'config.json'), join(weightsOnly, 'config.json'))
    await rejectsFast(
      () => evalCommand(['--model', weightsOnly]),
      `kv eval: --model ${weightsOnly} has no tokenizer.json; this command reads text`,
    )
  })

  it('output paths are checked before the run, not after it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kv-out-'))
    await rejectsFast(
      () => evalCommand(['--svg', join(folder, 'missing', 'chart.svg')]),
      `kv eval: --svg ${join(folder, 'missing', 'chart.svg')}: its folder ${join(folder, 'missing')} does not exist`,
    )
    await rejectsFast(
      () => evalCommand(['--json', folder]),
      `kv eval: --json ${folder}: is a folder; give a file name`,
    )
    const file = join(folder, 'report.json')
    writeFileSync(file, '{}')
    await rejectsFast(
      () => captureCommand(['--out', join(file, 'capture')]),
      `kv capture: --out ${join(file, 'capture')}: ${file} is a file, not a folder`,
    )
  })

  it('demo and generate take one pipeline', async () => {
    await rejectsFast(
      () => demoCommand(['--pipeline', 'kivi:bits=4;gear:bits=4']),
      'kv demo: --pipeline takes one pipeline, got "kivi:bits=4;gear:bits=4" (kv eval --pipelines compares several)',
    )
  })

  it('unknown commands and help topics suggest the nearest; a usage error points at --help', async () => {
    await rejectsFast(() => main(['demoo']), 'unknown command "demoo" (did you mean demo?)')
    expect(() => helpFor('kiwi', methodRegistry())).toThrow(
      'kv help: no command or method "kiwi" (did you mean kivi?)',
    )
    expect(failureMessage(new UsageError('kv demo: unknown option --x'), ['demo', '--x'])).toBe(
      'kv demo: unknown option --x\n(kv demo --help lists its options)\n',
    )
    expect(failureMessage(new Error('disk full'), ['eval'])).toBe('kv: disk full\n')
  })
})

describe('--methods FILE', () => {
  it('every @kv method declares its parameters consistently (the check --methods modules pass)', () => {
    for (const spec of KV_METHODS) expect(() => checkMethodSpec(spec, 'kv:')).not.toThrow()
  })

  it('a module whose declarations are wrong fails before any work, naming the module, method and parameter', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kv-methods-'))
    const write = (name: string, params: string) => {
      const file = join(folder, name)
      writeFileSync(
        file,
        `export const methods = [{ name: 'halve', summary: 'keeps every other token', provides: ['policy'], params: ${params}, build: () => ({}) }]\n`,
      )
      return file
    }
    const cases: [string, string][] = [
      [
        "{ sinks: { type: 'number', min: 4, max: 2, summary: 's' } }",
        'parameter sinks: min 4 is above max 2',
      ],
      [
        "{ sinks: { type: 'number', integer: true, default: 1.5, summary: 's' } }",
        'parameter sinks: default 1.5 is not an integer',
      ],
      [
        "{ mode: { type: 'choice', choices: ['a'], default: 'b', summary: 'm' } }",
        'parameter mode: default b is not one of a',
      ],
      [
        "{ mode: { type: 'list', summary: 'm' } }",
        'parameter mode: type must be number, boolean, choice or string, got "list"',
      ],
      ["{ sinks: { type: 'number' } }", 'parameter sinks: needs a summary'],
    ]
    for (const [i, [params, message]] of cases.entries()) {
      const file = write(`bad-${i}.mjs`, params)
      await rejectsFast(() => main(['--methods', file, 'demo']), `--methods ${file}: method halve ${message}`)
    }
  })
})

describe('kv help', () => {
  it('kv help METHOD lists every parameter with its type, range and default', async () => {
    const text = helpFor('kivi', methodRegistry())
    expect(text).toContain('kivi: KIVI')
    expect(text).toContain('bits, 2|3|4|8, default 4: bits per code')
    expect(text).toContain('groupSize, integer [1, 4096], default 32')
    expect(text).toContain('example: kivi:bits=4,groupSize=32')
    expect(helpFor('streaming', methodRegistry())).toMatch(/sinks, integer \[0, 16777216\], default 4/)
    expect(helpFor('demo', methodRegistry())).toContain('kv demo [--model DIR]')
    const evalHelp = helpFor('eval', methodRegistry())
    expect(evalHelp).toContain('--tokens        an integer ≥ 2 (default 1024)')
    expect(evalHelp).toContain('--protocol      one of streaming, prefill (default streaming)')
    expect(evalHelp).toContain('--quiet         no progress line on stderr')
  })

  it('kv help is printed by main, with --quiet documented', async () => {
    const out = capture()
    await main(['help', 'h2o'])
    expect(out.stdout()).toMatch(/^h2o: /)
    expect(loads.count).toBe(0)
  })
})

describe('option parsing', () => {
  const specs = {
    count: { type: 'integer', default: 8, min: 2, max: 4096 },
    rate: { type: 'number', min: 0 },
    names: { type: 'integers', default: [1, 2], min: 0 },
  } as const

  it('parses every integer in range, in both spellings, and refuses every one outside it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 10_000 }), fc.boolean(), (value, joined) => {
        const argv = joined ? [`--count=${value}`] : ['--count', String(value)]
        if (value >= 2 && value <= 4096) {
          expect(parseCommandLine('kv t', argv, specs).values.count).toBe(value)
        } else {
          expect(() => parseCommandLine('kv t', argv, specs)).toThrow(
            `kv t: --count must be an integer in 2…4096, got "${value}"`,
          )
        }
      }),
    )
  })

  it('fills defaults, keeps flags false, and reads negative numbers as values', () => {
    const { values } = parseCommandLine('kv t', [], specs)
    expect(values).toEqual({ count: 8, rate: undefined, names: [1, 2], quiet: false })
    expect(() => parseCommandLine('kv t', ['--rate', '-1'], specs)).toThrow(
      '--rate must be a number ≥ 0, got "-1"',
    )
    expect(parseCommandLine('kv t', ['--rate', '1e-3', '--quiet'], specs).values).toMatchObject({
      rate: 0.001,
      quiet: true,
    })
    for (const bad of ['', ' ', 'NaN', 'Infinity', '0x', '1.5.2'])
      expect(() => parseCommandLine('kv t', ['--rate', bad], specs)).toThrow('--rate must be a number')
  })

  it('one typo (dropped, doubled or swapped letter) in a known option suggests it', () => {
    const names = ['pipelines', 'protocol', 'tokens', 'context', 'continuation', 'fillers', 'passages']
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.nat(),
        fc.constantFrom('drop', 'double', 'swap'),
        (name, at, kind) => {
          const i = at % (name.length - 1)
          const typo =
            kind === 'drop'
              ? name.slice(0, i) + name.slice(i + 1)
              : kind === 'double'
                ? name.slice(0, i) + name[i] + name.slice(i)
                : name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2)
          if (typo === name) return
          expect(closest(typo, names)).toContain(name)
        },
      ),
    )
  })

  it('edit distance is a metric on awkward strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        expect(editDistance(a, a)).toBe(0)
        expect(editDistance(a, b)).toBe(editDistance(b, a))
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c))
        expect(editDistance(a, b)).toBeGreaterThanOrEqual(Math.abs(a.length - b.length))
      }),
    )
  })
})

describe('memory against float16', () => {
  it('is always a factor of at least 1, "smaller" exactly when the cache is below float16', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (physical, f16) => {
          const words = sizeAgainstFloat16(physical, f16)
          const saved = savedAgainstFloat16(physical, f16)
          const ratio = f16 / physical
          if (Math.abs(ratio - 1) < 0.005) {
            expect(words).toBe('the size of float16')
            return
          }
          const match = /^(\d+\.\d\d)× (smaller|larger) than float16$/.exec(words)
          expect(match).not.toBeNull()
          expect(Number(match![1])).toBeGreaterThanOrEqual(1)
          expect(match![2]).toBe(physical < f16 ? 'smaller' : 'larger')
          expect(saved.startsWith(physical <= f16 ? 'saved ' : 'used ')).toBe(true)
        },
      ),
    )
    expect(sizeAgainstFloat16(1000, 350)).toBe('2.86× larger than float16')
    expect(savedAgainstFloat16(1000, 350)).toBe('used 185.7% more than float16')
    expect(savedAgainstFloat16(202, 1000)).toBe("saved 79.8% of float16's memory")
  })
})

describe('the kv command on the embedded model', () => {
  it('demo: generates with both caches and reports memory against float16', async () => {
    const out = capture()
    await demoCommand([
      '--context',
      '96',
      '--generate',
      '4',
      '--score',
      '16',
      '--pipeline',
      'kivi:bits=4,groupSize=16,residual=16',
    ])
    const text = out.stdout()
    expect(text).toContain('[full cache]')
    expect(text).toContain('[kivi:bits=4,groupSize=16,residual=16]')
    expect(text).toMatch(/The full cache \(float32\) is 2\.\d\d× larger than float16\./)
    expect(text).toMatch(
      /kivi:bits=4,groupSize=16,residual=16 holds the same 100 tokens in \d+ KiB, \d+\.\d\d× (smaller|larger) than float16 \((saved \d+\.\d% of float16's memory|used \d+\.\d% more than float16)\)/,
    )
    expect(text).not.toMatch(/0\.\d+× smaller|fp16\/phys/)
    // Not a terminal: sparse progress lines, one per stage, ending with the time taken.
    expect(out.stderr()).toContain('kv demo · 2/2 kivi:bits=4,groupSize=16,residual=16 · scoring')
    expect(out.stderr()).toMatch(/kv demo · done · \d+\.\d s\n$/)
  }, 60_000)

  it('eval: a row per pipeline, memory against float16, and progress through the recall test', async () => {
    const out = capture()
    await evalCommand([
      '--tokens',
      '48',
      '--fillers',
      '8',
      '--pipelines',
      'kivi:bits=4,groupSize=16,residual=8;streaming:sinks=4,window=12',
    ])
    const text = out.stdout()
    expect(text).toContain('streaming protocol, 48 scored tokens')
    expect(text).toMatch(/kivi:bits=4,groupSize=16,residual=8 +\d+\.\d\d +\d\.\d{3}/)
    expect(text).toMatch(/streaming:sinks=4,window=12 .* \d+\.\d\d× (smaller|larger) /)
    const progress = out.stderr()
    expect(progress).toContain('kv eval · loading model')
    expect(progress).toContain('kv eval · 1/3 full (reference) · perplexity')
    expect(progress).toMatch(
      /kv eval · 3\/3 streaming:sinks=4,window=12 · recall \d+\/264 tokens · \d+\.\d s/,
    )
  }, 60_000)

  it('--quiet prints no progress', async () => {
    const out = capture()
    await evalCommand(['--tokens', '16', '--fillers', '0', '--quiet', '--pipelines', 'kivi:bits=4'])
    expect(out.stdout()).toContain('16 scored tokens')
    expect(out.stderr()).toBe('')
  }, 60_000)
})
