import { afterEach, describe, expect, it, vi } from 'vitest'
import { demoCommand } from '../src/cli/commands/demo.js'
import { evalCommand } from '../src/cli/commands/eval.js'

function captureStdout(): { text: () => string } {
  let text = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk)
    return true
  })
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  return { text: () => text }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the kv command', () => {
  it('demo: generates with both caches and reports what compression saved and cost', async () => {
    const out = captureStdout()
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
    const text = out.text()
    expect(text).toContain('[full cache]')
    expect(text).toContain('[kivi:bits=4,groupSize=16,residual=16]')
    expect(text).toMatch(/holds the same 100 tokens in \d+\.\d% of the full cache's memory/)
  }, 60_000)

  it('eval: a table row per pipeline, with memory and speed against the full cache', async () => {
    const out = captureStdout()
    await evalCommand([
      '--tokens',
      '48',
      '--fillers',
      '0',
      '--pipelines',
      'kivi:bits=4,groupSize=16,residual=8;streaming:sinks=4,window=12',
    ])
    const text = out.text()
    expect(text).toContain('streaming protocol, 48 scored tokens')
    expect(text).toMatch(/kivi:bits=4,groupSize=16,residual=8 +\d+\.\d\d +\d\.\d{3}/)
    expect(text).toMatch(/streaming:sinks=4,window=12 /)
  }, 60_000)

  it('eval: an unknown parameter is an error that lists the valid ones', async () => {
    captureStdout()
    await expect(evalCommand(['--pipelines', 'gear:rank=4'])).rejects.toThrow(
      'unknown parameter "rank" of gear; valid parameters: bits, groupSize, rankPrefill, rankDecode, iterations, blockTokens, residual, outliers',
    )
  })
})
