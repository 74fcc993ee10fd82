import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireOrSkip } from '@kv/test-support'

/** Whether Debian's `redis-server` is installed (.ci/run installs it). */
export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Whether the Redis tests can run: `redis-server` is installed. CI installs it (.ci/run) and sets
 * KV_REQUIRE_REDIS=1, which makes its absence a failure instead of a skip.
 */
export function redisServerForTests(): boolean {
  return requireOrSkip(
    hasRedisServer(),
    'redis-server is not installed',
    'KV_REQUIRE_REDIS',
    'apt-get install -y redis-server',
  )
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free loopback port; for a cluster node also its bus port (port + 10000), which must exist, so the
 * port is drawn below 55536 (the system's own ephemeral ports are mostly above 32768).
 */
async function freePort(clusterBus: boolean): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 35_000)
    if ((await portIsFree(port)) && (!clusterBus || (await portIsFree(port + 10_000)))) return port
  }
  throw new Error('no free loopback port for redis-server')
}

/**
 * A throwaway redis-server on a random loopback port, without persistence, in a temp dir; `stop` kills it
 * (SIGKILL: as a crash), `start` starts it again on the same port (empty).
 */
export class RedisServer {
  private process: ChildProcess | undefined
  private readonly directory = mkdtempSync(join(tmpdir(), 'kv-redis-'))

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** A server with `extraArgs` appended to its command line (e.g. `--cluster-enabled yes`). */
  static async start(extraArgs: readonly string[] = []): Promise<RedisServer> {
    // Another process may take the port between the check and the start: then try another one.
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(await freePort(extraArgs.includes('--cluster-enabled')), extraArgs)
      try {
        await server.start()
        return server
      } catch (error) {
        await server.dispose()
        if (attempt === 3) throw error
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Whether the process is alive (started and not stopped). */
  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    const child = spawn('redis-server', [...args, '--dir', this.directory, ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.process = child
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000)
      child.stdout?.on('data', (data: Buffer) => {
        output += data
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited (${code}): ${output}`))
      })
    })
    child.removeAllListeners('exit')
  }

  async stop(): Promise<void> {
    const child = this.process
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.process = undefined
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.directory, { recursive: true, force: true })
  }
}
