import { describe } from '../shared/validate.js'
import type { HeadScores } from './head-scores.js'

/**
 * Serialises scores to the JSON artefact `{ model, numLayers, numKVHeads, echo, induction }` (the shape is
 * checked first, so a bad object is never written).
 *
 * @example
 * await writeFile('heads.json', saveHeadScores(scores))
 */
export function saveHeadScores(scores: HeadScores): string {
  const checked = parseHeadScores(scores)
  return JSON.stringify(
    {
      model: checked.model,
      numLayers: checked.numLayers,
      numKVHeads: checked.numKVHeads,
      echo: checked.echo,
      induction: checked.induction,
    },
    null,
    1,
  )
}

/**
 * Reads and validates a head-score artefact (a JSON string or an already parsed object). Errors name the
 * offending field: `parseHeadScores: induction[2] must be an array of 4 numbers, got an array of length 3`.
 *
 * @example
 * const scores = parseHeadScores(await readFile('heads.json', 'utf8'))
 * const policy = headwise({ retrievalHeads: scores, mode: 'razor' })
 */
export function parseHeadScores(input: string | unknown): HeadScores {
  let data: unknown = input
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input)
    } catch (error) {
      throw new TypeError(`parseHeadScores: input is not valid JSON (${(error as Error).message})`)
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError(`parseHeadScores: expected an object, got ${describe(data)}`)
  }
  const record = data as Record<string, unknown>
  const model = record.model
  if (typeof model !== 'string')
    throw new TypeError(`parseHeadScores: model must be a string, got ${describe(model)}`)
  const numLayers = positiveInteger(record.numLayers, 'numLayers')
  const numKVHeads = positiveInteger(record.numKVHeads, 'numKVHeads')
  const echo = matrix(record.echo, 'echo', numLayers, numKVHeads)
  const induction = matrix(record.induction, 'induction', numLayers, numKVHeads)
  return { model, numLayers, numKVHeads, echo, induction }
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`parseHeadScores: ${name} must be a positive integer, got ${describe(value)}`)
  }
  return value
}

function matrix(value: unknown, name: string, rows: number, cols: number): number[][] {
  if (!Array.isArray(value) || value.length !== rows) {
    throw new RangeError(
      `parseHeadScores: ${name} must be an array of ${rows} rows (numLayers), got ${describe(value)}`,
    )
  }
  return value.map((row: unknown, l) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new RangeError(
        `parseHeadScores: ${name}[${l}] must be an array of ${cols} numbers (numKVHeads), got ${describe(row)}`,
      )
    }
    return row.map((x: unknown, h) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new RangeError(
          `parseHeadScores: ${name}[${l}][${h}] must be a finite number, got ${describe(x)}`,
        )
      }
      return x
    })
  })
}
