import { existsSync, readFileSync } from 'node:fs'
import { type AnyMethodSpec, describeParam, type MethodRegistry, type ParamSpec } from '@kv/cache'
import { loadMethodModules, methodRegistry } from '../methods/installed.js'
import { BENCH_HELP, BENCH_OPTIONS, benchCommand } from './commands/bench.js'
import { CAPTURE_HELP, CAPTURE_OPTIONS, captureCommand } from './commands/capture.js'
import { DEMO_HELP, DEMO_OPTIONS, demoCommand } from './commands/demo.js'
import { EVAL_HELP, EVAL_OPTIONS, evalCommand } from './commands/eval.js'
import { GENERATE_HELP, GENERATE_OPTIONS, generateCommand } from './commands/generate.js'
import { HEADS_HELP, HEADS_OPTIONS, headsCommand } from './commands/heads.js'
import { INSPECT_HELP, inspectCommand } from './commands/inspect.js'
import { PERPLEXITY_HELP, PERPLEXITY_OPTIONS, perplexityCommand } from './commands/perplexity.js'
import { SIMILARITY_HELP, SIMILARITY_OPTIONS, similarityCommand } from './commands/similarity.js'
import { didYouMean } from './did-you-mean.js'
import { describeOptions, type OptionSpecs, UsageError } from './options.js'

type Command = (argv: string[], registry: MethodRegistry) => Promise<void>

const COMMANDS: Record<string, { help: string; options: OptionSpecs; run: Command }> = {
  demo: { help: DEMO_HELP, options: DEMO_OPTIONS, run: demoCommand },
  generate: { help: GENERATE_HELP, options: GENERATE_OPTIONS, run: generateCommand },
  eval: { help: EVAL_HELP, options: EVAL_OPTIONS, run: evalCommand },
  bench: { help: BENCH_HELP, options: BENCH_OPTIONS, run: benchCommand },
  inspect: { help: INSPECT_HELP, options: {}, run: inspectCommand },
  perplexity: { help: PERPLEXITY_HELP, options: PERPLEXITY_OPTIONS, run: perplexityCommand },
  heads: { help: HEADS_HELP, options: HEADS_OPTIONS, run: headsCommand },
  similarity: { help: SIMILARITY_HELP, options: SIMILARITY_OPTIONS, run: similarityCommand },
  capture: { help: CAPTURE_HELP, options: CAPTURE_OPTIONS, run: captureCommand },
}

function describeMethod(method: AnyMethodSpec): string {
  const params = Object.entries(method.params as Record<string, ParamSpec>).map(
    ([name, param]) => `${' '.repeat(14)}${describeParam(name, param)}`,
  )
  const from = method.package ? ` (${method.package})` : ''
  return [`  ${method.name.padEnd(11)} ${method.summary}${from}`, ...params].join('\n')
}

/** A command's help: what it does, then every option with its type, range and default. */
function commandHelp(command: { help: string; options: OptionSpecs }): string {
  return `${command.help}\n  options:\n${describeOptions(command.options)}\n    --methods FILE.js (repeatable): method specs of your own\n`
}

/** `kv help kivi`: one method, every parameter with its type, range and default. */
export function methodHelp(method: AnyMethodSpec): string {
  const params = Object.entries(method.params as Record<string, ParamSpec>)
  const lines = [
    `${method.name}: ${method.summary}${method.package ? ` (${method.package})` : ''}`,
    `  fills the cache's ${method.provides.join(' and ')}`,
    params.length ? '  parameters (name, type and range, default: meaning):' : '  no parameters',
    ...params.map(([name, param]) => `    ${describeParam(name, param)}`),
  ]
  if (params.length) {
    const example = params
      .filter(([, p]) => p.default !== undefined)
      .slice(0, 2)
      .map(([name, p]) => `${name}=${p.default}`)
    lines.push(`  example: ${method.name}${example.length ? `:${example.join(',')}` : ''}`)
  }
  return `${lines.join('\n')}\n`
}

/** `kv help TOPIC`: a command's help, a method's parameters, or an error suggesting the nearest topic. */
export function helpFor(topic: string, registry: MethodRegistry): string {
  const command = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined
  if (command) return commandHelp(command)
  const method = registry.get(topic)
  if (method) return methodHelp(method)
  const topics = [...Object.keys(COMMANDS), ...registry.names]
  throw new UsageError(
    `kv help: no command or method "${topic}"${didYouMean(topic, topics)}; commands: ${Object.keys(COMMANDS).join(', ')}; methods: ${registry.names.join(', ')}`,
  )
}

function usage(registry: MethodRegistry): string {
  return [
    'kv — KV-cache compression on a real model',
    '',
    ...Object.values(COMMANDS).map((c) => c.help),
    '',
    'Every command takes --methods FILE.js (repeatable): a module exporting `methods`, method specs of your own,',
    'and --quiet (no progress line on stderr). `kv help COMMAND` and `kv help METHOD` say more; `kv --version`.',
    '',
    'Pipeline specs join methods with "+", e.g. streaming:sinks=4,window=508+gear:bits=4. Methods and parameters:',
    ...registry.list().map(describeMethod),
    '',
  ].join('\n')
}

/** Takes the `--methods FILE` options out of the arguments (they apply to every command). */
function methodModules(argv: string[]): { rest: string[]; modules: string[] } {
  const rest: string[] = []
  const modules: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--methods') {
      const file = argv[++i]
      if (file === undefined) throw new RangeError('--methods needs a module path')
      modules.push(file)
    } else if (arg.startsWith('--methods=')) modules.push(arg.slice('--methods='.length))
    else rest.push(arg)
  }
  return { rest, modules }
}

/** This package's version, from its package.json (next to `src/` and to `dist/`). */
function version(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    const url = new URL(relative, import.meta.url)
    if (!existsSync(url)) continue
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string }
    if (manifest.name === '@kv/eval') return `${manifest.name} ${manifest.version}`
  }
  return '@kv/eval (version unknown)'
}

export async function main(argv: string[]): Promise<void> {
  const { rest: args, modules } = methodModules(argv)
  const registry = methodRegistry(await loadMethodModules(modules))
  const [name, ...rest] = args
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${version()}\n`)
    return
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(
      rest[0] !== undefined && name === 'help' ? helpFor(rest[0], registry) : usage(registry),
    )
    return
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) {
    throw new UsageError(
      `unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}; commands: ${Object.keys(COMMANDS).join(', ')}`,
    )
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(command))
    return
  }
  await command.run(rest, registry)
}

/** The line printed for a failure: `kv: …`, and where to read more for a usage mistake. */
export function failureMessage(error: unknown, argv: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error)
  const text = message.startsWith('kv ') ? message : `kv: ${message}`
  const name = argv.find((arg) => !arg.startsWith('-'))
  const hint =
    error instanceof UsageError && name !== undefined && Object.hasOwn(COMMANDS, name)
      ? `\n(kv ${name} --help lists its options)`
      : ''
  return `${text}${hint}\n`
}
