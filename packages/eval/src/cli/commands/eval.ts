import { writeFile } from 'node:fs/promises'
import type { MethodRegistry } from '@kv/cache'
import { evaluate } from '../../eval/evaluate.js'
import { formatReport, reportChart } from '../../eval/report.js'
import { methodRegistry } from '../../methods/installed.js'
import { parseSpecs, pipelinesFor } from '../context.js'
import { heldOutFor, loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { checkOutputPath } from '../output-path.js'
import { Progress } from '../progress.js'

export const EVAL_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  pipelines: { type: 'string', metavar: 'pipeline specs, ;-separated', default: 'kivi:bits=4' },
  protocol: { type: 'choice', choices: ['streaming', 'prefill'], default: 'streaming' },
  tokens: { type: 'integer', default: 1024, min: 2 },
  context: { type: 'integer', default: 1536, min: 1 },
  continuation: { type: 'integer', default: 256, min: 1 },
  fillers: { type: 'integers', default: [512, 1536], min: 0 },
  passages: { type: 'integer', default: 1, min: 1 },
  json: { type: 'string', metavar: 'a file for the report as JSON' },
  svg: { type: 'string', metavar: 'a file for the chart' },
} as const

export const EVAL_HELP = `kv eval [--model DIR] --pipelines "SPEC;label=SPEC;…" [--protocol streaming|prefill] [--tokens N]
        [--context C] [--continuation M] [--fillers 512,1536] [--passages P] [--json FILE] [--svg FILE] [--quiet]
  Scores each pipeline against the full cache on the held-out text (a prefix of N tokens): perplexity and
  its ratio, KL, top-1 agreement, recall over distance, memory and speed, as a table, JSON and an SVG chart.`

export async function evalCommand(
  argv: string[],
  registry: MethodRegistry = methodRegistry(),
): Promise<void> {
  const { values } = parseCommandLine('kv eval', argv, EVAL_OPTIONS)
  for (const option of ['json', 'svg'] as const) {
    const path = values[option]
    if (path !== undefined) checkOutputPath('kv eval', option, path)
  }
  parseSpecs(values.pipelines, registry, 'kv eval --pipelines')
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv eval')
  const positions = target.config.maxPositions
  if (values.protocol === 'prefill' && values.context + values.continuation > positions) {
    throw new UsageError(
      `kv eval: --context (${values.context}) + --continuation (${values.continuation}) must fit the model's ${positions}-token context`,
    )
  }
  const pipelines = pipelinesFor(values.pipelines, registry, target.context)
  const progress = new Progress('kv eval', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const stream = await heldOutFor(model, 'kv eval', progress)
  if (values.tokens > stream.length) {
    throw new UsageError(
      `kv eval: --tokens must be at most the held-out stream's ${stream.length}, got ${values.tokens}`,
    )
  }
  const report = await evaluate(model, stream, pipelines, {
    protocol: values.protocol as 'streaming' | 'prefill',
    tokens: values.tokens,
    context: values.context,
    continuation: values.continuation,
    fillers: values.fillers.filter((f) => f > 0),
    passages: values.passages,
    onProgress: ({ index, count, label, stage, done, total }) =>
      progress.update({
        item: { index: index + 1, count, label: index === 0 ? `${label} (reference)` : label },
        stage,
        done,
        total,
      }),
  })
  progress.end()
  process.stdout.write(`${formatReport(report)}\n`)
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`)
  if (values.svg) await writeFile(values.svg, reportChart(report))
}
