/** Where progress goes: stderr by default. */
export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  /** A terminal's width: longer lines are cut so that redrawing in place never wraps. */
  readonly columns?: number
}

/** What a command is doing now. */
export interface ProgressState {
  /** The stage: "loading model", "perplexity", "recall@512", "decode"… */
  readonly stage: string
  /** Which of several items (pipelines, rounds) it is on, 1-based. */
  readonly item?: { readonly index: number; readonly count: number; readonly label: string }
  /** Work done of the stage's total, in `unit` (tokens by default). */
  readonly done?: number
  readonly total?: number
  readonly unit?: string
}

export interface ProgressOptions {
  readonly quiet?: boolean
  readonly stream?: ProgressStream
  readonly now?: () => number
  /** Not a terminal: a line at most this often within one stage (a new stage always prints). */
  readonly sparseSeconds?: number
  /** A terminal: redraws at most this often. */
  readonly redrawSeconds?: number
}

function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`
  const minutes = Math.floor(s / 60)
  return `${minutes} min ${Math.floor(s - minutes * 60)
    .toString()
    .padStart(2, '0')} s`
}

/**
 * A progress line on stderr: `kv eval · pipeline 2/5 kivi:bits=4 · perplexity 512/1024 tokens · 12.3 s`.
 * On a terminal it redraws in place; otherwise (CI logs) it prints a line when the stage or item changes
 * and at most every `sparseSeconds` within one. `quiet` prints nothing.
 *
 * @example
 * const progress = new Progress('kv bench', { quiet: values.quiet })
 * progress.update({ stage: 'decode', done: 32, total: 64 })
 * progress.end()
 */
export class Progress {
  readonly #command: string
  readonly #quiet: boolean
  readonly #stream: ProgressStream
  readonly #now: () => number
  readonly #sparse: number
  readonly #redraw: number
  readonly #started: number
  #lastKey = ''
  #lastWrite = Number.NEGATIVE_INFINITY
  #drawn = false

  constructor(command: string, options: ProgressOptions = {}) {
    this.#command = command
    this.#quiet = options.quiet ?? false
    this.#stream = options.stream ?? process.stderr
    this.#now = options.now ?? (() => performance.now() / 1000)
    this.#sparse = options.sparseSeconds ?? 10
    this.#redraw = options.redrawSeconds ?? 0.1
    this.#started = this.#now()
  }

  /** Seconds since the command started. */
  get elapsed(): number {
    return this.#now() - this.#started
  }

  /** The line for a state (without the elapsed time's refresh logic). */
  format(state: ProgressState): string {
    const parts = [this.#command]
    if (state.item) {
      const { index, count, label } = state.item
      parts.push(`${index}/${count} ${label}`)
    }
    let stage = state.stage
    if (state.done !== undefined) {
      const unit = state.unit ?? 'tokens'
      stage += state.total !== undefined ? ` ${state.done}/${state.total} ${unit}` : ` ${state.done} ${unit}`
    }
    parts.push(stage, seconds(this.elapsed))
    return parts.join(' · ')
  }

  update(state: ProgressState): void {
    if (this.#quiet) return
    const now = this.#now()
    const key = `${state.item?.index}/${state.item?.label}/${state.stage}`
    const changed = key !== this.#lastKey
    const tty = this.#stream.isTTY === true
    if (!changed && now - this.#lastWrite < (tty ? this.#redraw : this.#sparse)) return
    this.#lastKey = key
    this.#lastWrite = now
    const line = this.format(state)
    if (tty) {
      const columns = this.#stream.columns
      const fitted = columns && line.length >= columns ? `${line.slice(0, Math.max(1, columns - 2))}…` : line
      this.#stream.write(`\r\x1b[K${fitted}`)
      this.#drawn = true
    } else this.#stream.write(`${line}\n`)
  }

  /** Before writing results mid-run: clears the line on a terminal (the next update redraws it). */
  clear(): void {
    if (this.#quiet || this.#stream.isTTY !== true || !this.#drawn) return
    this.#stream.write('\r\x1b[K')
    this.#drawn = false
    this.#lastWrite = Number.NEGATIVE_INFINITY
  }

  /** Clears the line on a terminal; elsewhere says how long it took. */
  end(): void {
    if (this.#quiet) return
    if (this.#stream.isTTY === true) {
      if (this.#drawn) this.#stream.write('\r\x1b[K')
      this.#drawn = false
    } else if (this.#lastKey !== '')
      this.#stream.write(`${this.#command} · done · ${seconds(this.elapsed)}\n`)
  }
}
