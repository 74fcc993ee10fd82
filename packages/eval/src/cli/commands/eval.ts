import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { MethodRegistry } from '@kv/cache'
import { requireTokenizer } from '@kv/runtime'
import { heldOutTokens } from '../../data/heldout.js'
import { evaluate, type Protocol } from '../../eval/evaluate.js'
import { formatReport, reportChart } from '../../eval/report.js'
import { endProgress, modelFrom, pipelinesFromSpecs, progress } from '../context.js'

export const EVAL_HELP = `kv eval [--model DIR] --pipelines "SPEC;label=SPEC;…" [--protocol streaming|prefill] [--tokens N]
        [--context C] [--continuation M] [--fillers 512,1536] [--passages P] [--json FILE] [--svg FILE]
  Scores each pipeline against the full cache on the held-out text (a prefix of N tokens): perplexity and
  its ratio, KL, top-1 agreement, recall over distance, memory and speed, as a table, JSON and an SVG chart.`

export async function evalCommand(argv: string[], registry?: MethodRegistry): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      pipelines: { type: 'string', default: 'kivi:bits=4' },
      protocol: { type: 'string', default: 'streaming' },
      tokens: { type: 'string', default: '1024' },
      context: { type: 'string', default: '1536' },
      continuation: { type: 'string', default: '256' },
      fillers: { type: 'string', default: '512,1536' },
      passages: { type: 'string', default: '1' },
      json: { type: 'string' },
      svg: { type: 'string' },
    },
  })
  const protocol = values.protocol as Protocol
  if (protocol !== 'streaming' && protocol !== 'prefill') {
    throw new RangeError(`kv eval: --protocol must be streaming or prefill, got "${values.protocol}"`)
  }
  const model = await modelFrom(values.model)
  const pipelines = await pipelinesFromSpecs(model, values.pipelines!, registry)
  const stream = await heldOutTokens(requireTokenizer(model, 'kv eval'), model.config.bosTokenId)
  const tokens = Number(values.tokens)
  if (!Number.isInteger(tokens) || tokens < 2 || tokens > stream.length) {
    throw new RangeError(
      `kv eval: --tokens must be an integer in [2, ${stream.length}], got ${values.tokens}`,
    )
  }
  const fillers = values
    .fillers!.split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map(Number)
  const report = await evaluate(model, stream, pipelines, {
    protocol,
    tokens,
    context: Number(values.context),
    continuation: Number(values.continuation),
    fillers: fillers.filter((f) => f > 0),
    passages: Number(values.passages),
    onProgress: progress,
  })
  endProgress()
  process.stdout.write(`${formatReport(report)}\n`)
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`)
  if (values.svg) await writeFile(values.svg, reportChart(report))
}
