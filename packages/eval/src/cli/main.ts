#!/usr/bin/env node
import { METHODS } from '@kv/runtime'
import { BENCH_HELP, benchCommand } from './commands/bench.js'
import { DEMO_HELP, demoCommand } from './commands/demo.js'
import { EVAL_HELP, evalCommand } from './commands/eval.js'
import { GENERATE_HELP, generateCommand } from './commands/generate.js'
import { HEADS_HELP, headsCommand } from './commands/heads.js'
import { INSPECT_HELP, inspectCommand } from './commands/inspect.js'
import { PERPLEXITY_HELP, perplexityCommand } from './commands/perplexity.js'
import { SIMILARITY_HELP, similarityCommand } from './commands/similarity.js'

const COMMANDS: Record<string, { help: string; run: (argv: string[]) => Promise<void> }> = {
  demo: { help: DEMO_HELP, run: demoCommand },
  generate: { help: GENERATE_HELP, run: generateCommand },
  eval: { help: EVAL_HELP, run: evalCommand },
  bench: { help: BENCH_HELP, run: benchCommand },
  inspect: { help: INSPECT_HELP, run: inspectCommand },
  perplexity: { help: PERPLEXITY_HELP, run: perplexityCommand },
  heads: { help: HEADS_HELP, run: headsCommand },
  similarity: { help: SIMILARITY_HELP, run: similarityCommand },
}

function usage(): string {
  const methods = Object.entries(METHODS).map(
    ([name, entry]) =>
      `  ${name.padEnd(11)} ${entry.summary}\n${' '.repeat(14)}${Object.keys(entry.params).join(', ')}`,
  )
  return [
    'kv — KV-cache compression on a real model',
    '',
    ...Object.values(COMMANDS).map((c) => c.help),
    '',
    'Pipeline specs join methods with "+", e.g. streaming:sinks=4,window=508+gear:bits=4. Methods and parameters:',
    ...methods,
    '',
  ].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage())
    return
  }
  const command = COMMANDS[name]
  if (!command)
    throw new RangeError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`)
  if (rest.includes('--help')) {
    process.stdout.write(`${command.help}\n`)
    return
  }
  await command.run(rest)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`kv: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
