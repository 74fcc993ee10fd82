import { describe, expect, it } from 'vitest'
import { Progress } from '../src/cli/progress.js'

function sink(isTTY: boolean) {
  const writes: string[] = []
  return { stream: { isTTY, write: (text: string) => writes.push(text) }, writes }
}

function clock() {
  let now = 0
  return { now: () => now, advance: (s: number) => (now += s) }
}

describe('the progress line', () => {
  it('not a terminal: a line per stage or item, then at most one every sparseSeconds, then the total time', () => {
    const { stream, writes } = sink(false)
    const time = clock()
    const progress = new Progress('kv eval', { stream, now: time.now, sparseSeconds: 10 })
    const item = { index: 2, count: 3, label: 'kivi:bits=4' }
    for (let done = 0; done <= 1024; done += 16) {
      progress.update({ item, stage: 'perplexity', done, total: 1024 })
      time.advance(0.25)
    }
    progress.update({ item, stage: 'recall', done: 0, total: 264 })
    time.advance(1.5)
    progress.end()
    expect(writes).toEqual([
      'kv eval · 2/3 kivi:bits=4 · perplexity 0/1024 tokens · 0.0 s\n',
      'kv eval · 2/3 kivi:bits=4 · perplexity 640/1024 tokens · 10.0 s\n',
      'kv eval · 2/3 kivi:bits=4 · recall 0/264 tokens · 16.3 s\n',
      'kv eval · done · 17.8 s\n',
    ])
  })

  it('a terminal: redraws in place, throttled, and clears the line at the end', () => {
    const { stream, writes } = sink(true)
    const time = clock()
    const progress = new Progress('kv bench', { stream, now: time.now, redrawSeconds: 0.1 })
    for (let done = 1; done <= 64; done++) {
      progress.update({ stage: 'decode', done, total: 64 })
      time.advance(0.02)
    }
    progress.end()
    expect(writes.length).toBeGreaterThan(5)
    expect(writes.length).toBeLessThan(20)
    const redraw = '\r\x1b[K'
    for (const line of writes.slice(0, -1)) {
      expect(line.startsWith(redraw)).toBe(true)
      expect(line.slice(redraw.length)).toMatch(/^kv bench · decode \d+\/64 tokens · \d+\.\d s$/)
    }
    expect(writes.at(-1)).toBe('\r\x1b[K')
  })

  it('clear() wipes the terminal line before results and redraws on the next update; no-op in a log', () => {
    const { stream, writes } = sink(true)
    const time = clock()
    const progress = new Progress('kv demo', { stream, now: time.now })
    progress.update({ stage: 'prefill', done: 0, total: 96 })
    progress.clear()
    progress.update({ stage: 'prefill', done: 0, total: 96 })
    expect(writes).toEqual([
      '\r\x1b[Kkv demo · prefill 0/96 tokens · 0.0 s',
      '\r\x1b[K',
      '\r\x1b[Kkv demo · prefill 0/96 tokens · 0.0 s',
    ])
    const log = sink(false)
    const quietInLog = new Progress('kv demo', { stream: log.stream, now: time.now })
    quietInLog.update({ stage: 'loading model' })
    quietInLog.clear()
    expect(log.writes).toEqual(['kv demo · loading model · 0.0 s\n'])
  })

  it('a narrow terminal: the line is cut to its width', () => {
    const writes: string[] = []
    const stream = { isTTY: true, columns: 30, write: (text: string) => writes.push(text) }
    new Progress('kv eval', { stream }).update({ stage: 'perplexity', done: 100, total: 1000 })
    expect(writes).toEqual(['\r\x1b[Kkv eval · perplexity 100/100…'])
    expect(writes[0]!.length - 4).toBeLessThan(30)
  })

  it('--quiet writes nothing; minutes are shown as minutes', () => {
    const quiet = sink(false)
    const progress = new Progress('kv eval', { stream: quiet.stream, quiet: true })
    progress.update({ stage: 'loading model' })
    progress.end()
    expect(quiet.writes).toEqual([])
    const { stream, writes } = sink(false)
    const time = clock()
    const long = new Progress('kv bench', { stream, now: time.now })
    time.advance(125.4)
    long.update({ stage: 'prefill', done: 3, total: 9, unit: 'windows' })
    expect(writes).toEqual(['kv bench · prefill 3/9 windows · 2 min 05 s\n'])
  })
})
