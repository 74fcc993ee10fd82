import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { FAIL_FAST_CLIENT } from '../../src/redis/index.js'
import { type ClusterNode, parseClusterNodes, serves } from './cluster-nodes.js'
import { RedisServer } from './redis-server.js'

const execFileAsync = promisify(execFile)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const SLOTS = 16_384

export type { ClusterNode } from './cluster-nodes.js'

/** Options of `LocalRedisCluster.start`. */
export interface LocalClusterOptions {
  readonly masters: number
  readonly replicasPerMaster?: number
  /** `cluster-node-timeout`: how long a node is unreachable before it is failed over (default 15 s). */
  readonly nodeTimeoutMs?: number
}

/**
 * A Redis Cluster of throwaway `redis-server`s on loopback ports (`redis-cli --cluster create`), with
 * admin connections to each node for the tests' checks. `cluster-require-full-coverage no`: the slots of
 * a dead master without a replica are down, the others keep serving.
 */
export class LocalRedisCluster {
  private readonly admins = new Map<number, Redis>()

  private constructor(readonly servers: readonly RedisServer[]) {}

  static async start(options: LocalClusterOptions): Promise<LocalRedisCluster> {
    const replicas = options.replicasPerMaster ?? 0
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 15_000),
      '--cluster-require-full-coverage',
      'no',
      // A replica's first sync starts at once (the default waits 5 s for more replicas to share it).
      '--repl-diskless-sync-delay',
      '0',
      // A replica fails over however long its link was down (a loaded test machine stalls links).
      '--cluster-replica-validity-factor',
      '0',
    ]
    const count = options.masters * (1 + replicas)
    const servers = await Promise.all(Array.from({ length: count }, () => RedisServer.start(args)))
    const cluster = new LocalRedisCluster(servers)
    try {
      const addresses = servers.map((server) => `127.0.0.1:${server.port}`)
      await cluster.cli(
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      )
      await cluster.until(
        async () => (await cluster.healthy()) && (await cluster.replicasKnown(replicas)),
        "the new cluster to be healthy, every node knowing every master's replicas",
        30_000,
      )
      return cluster
    } catch (error) {
      await cluster.dispose()
      throw error
    }
  }

  /**
   * An ioredis `Cluster` on every node, failing fast as `RedisStore.connect` does (no offline queue,
   * 500 ms command and connect timeouts); `retryDelayOnFailover` and `maxRedirections` keep their defaults.
   */
  client(): Cluster {
    const client = new Cluster(
      this.servers.map((server) => ({ host: '127.0.0.1', port: server.port })),
      {
        enableOfflineQueue: false,
        redisOptions: { ...FAIL_FAST_CLIENT, commandTimeout: 500, connectTimeout: 500 },
        clusterRetryStrategy: () => 100,
      },
    )
    client.on('error', () => undefined)
    return client
  }

  /** `redis-cli` with `args` (asynchronous: traffic in the test keeps running meanwhile). */
  async cli(...args: string[]): Promise<string> {
    try {
      return (await execFileAsync('redis-cli', args, { encoding: 'utf8', timeout: 60_000 })).stdout
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string }
      throw new Error(`redis-cli ${args.join(' ')} failed: ${stderr ?? ''}${stdout ?? ''}`)
    }
  }

  /** A command on one node through its admin connection. */
  async command(port: number, ...args: (string | number)[]): Promise<unknown> {
    let admin = this.admins.get(port)
    if (admin === undefined) {
      admin = new Redis(port, '127.0.0.1', {
        maxRetriesPerRequest: 0,
        enableOfflineQueue: true,
        commandTimeout: 2_000,
        retryStrategy: () => 100,
      })
      admin.on('error', () => undefined)
      this.admins.set(port, admin)
    }
    const [name = '', ...rest] = args
    return admin.call(String(name), ...rest)
  }

  /** `CLUSTER NODES` as seen by the node on `port` (default: the first running node). */
  async topology(port = this.running()[0]?.port ?? 0): Promise<ClusterNode[]> {
    return parseClusterNodes(String(await this.command(port, 'CLUSTER', 'NODES')))
  }

  /** The running servers. */
  running(): RedisServer[] {
    return this.servers.filter((server) => server.running)
  }

  /** The master serving `slot`, as the first running node sees it. */
  async masterOf(slot: number): Promise<ClusterNode> {
    const owner = (await this.topology()).find((node) => node.master && serves(node, slot))
    if (owner === undefined) throw new Error(`no master serves slot ${slot}`)
    return owner
  }

  /** The slot of each key (`CLUSTER KEYSLOT`, asked of one node). */
  async slotsOf(keys: readonly string[]): Promise<number[]> {
    const port = this.running()[0]?.port ?? 0
    return Promise.all(keys.map(async (key) => Number(await this.command(port, 'CLUSTER', 'KEYSLOT', key))))
  }

  /**
   * Every running node says `cluster_state:ok` with all slots served, agrees with the others on which
   * port serves which slots (none of them a dead one), and every running replica's link to its master is up.
   */
  async healthy(): Promise<boolean> {
    try {
      const running = this.running()
      const alive = new Set(running.map((server) => server.port))
      const views = new Set<string>()
      for (const server of running) {
        const info = String(await this.command(server.port, 'CLUSTER', 'INFO'))
        if (!info.includes('cluster_state:ok') || !info.includes(`cluster_slots_ok:${SLOTS}`)) return false
        const nodes = await this.topology(server.port)
        const owners = nodes.filter((node) => node.master && node.slots.length > 0)
        if (owners.some((node) => !alive.has(node.port) || node.failing)) return false
        views.add(
          owners
            .map((node) => `${node.port}:${node.slots.map((range) => range.join('-')).join(',')}`)
            .sort()
            .join(' '),
        )
        const self = nodes.find((node) => node.port === server.port)
        if (self !== undefined && !self.master) {
          const replication = String(await this.command(server.port, 'INFO', 'replication'))
          if (!replication.includes('master_link_status:up')) return false
        }
      }
      return views.size === 1
    } catch {
      return false
    }
  }

  /**
   * Every running node's view gives each master that serves slots at least `replicas` replicas (the
   * replica links can be up before gossip has told every node who replicates whom).
   */
  async replicasKnown(replicas: number): Promise<boolean> {
    if (replicas === 0) return true
    try {
      for (const server of this.running()) {
        const nodes = await this.topology(server.port)
        for (const owner of nodes.filter((node) => node.master && node.slots.length > 0))
          if (nodes.filter((node) => node.masterId === owner.id && !node.failing).length < replicas)
            return false
      }
      return true
    } catch {
      return false
    }
  }

  /** Polls `check` every 50 ms until it holds; the milliseconds it took, or an error naming `what`. */
  async until(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<number> {
    const started = Date.now()
    while (!(await check())) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await sleep(50)
    }
    return Date.now() - started
  }

  /**
   * Waits until each replica has processed everything its master had written when this was called
   * (replication is asynchronous: until then a write can be lost with its master).
   */
  async replicated(timeoutMs = 10_000): Promise<void> {
    const nodes = await this.topology()
    const offsets = new Map<string, number>()
    for (const node of nodes.filter((node) => node.master && this.isRunning(node.port))) {
      const info = String(await this.command(node.port, 'INFO', 'replication'))
      offsets.set(node.id, Number(/master_repl_offset:(\d+)/.exec(info)?.[1]))
    }
    for (const replica of nodes.filter((node) => !node.master && this.isRunning(node.port))) {
      const target = offsets.get(replica.masterId ?? '')
      if (target === undefined) continue
      await this.until(
        async () => {
          const info = String(await this.command(replica.port, 'INFO', 'replication'))
          return Number(/slave_repl_offset:(\d+)/.exec(info)?.[1]) >= target
        },
        `replica ${replica.port} to reach offset ${target}`,
        timeoutMs,
      )
    }
  }

  /** `redis-cli --cluster reshard`: moves `slots` slots from one master to another (MIGRATE, key by key). */
  async reshard(from: ClusterNode, to: ClusterNode, slots: number): Promise<void> {
    await this.cli(
      '--cluster',
      'reshard',
      `127.0.0.1:${from.port}`,
      '--cluster-from',
      from.id,
      '--cluster-to',
      to.id,
      '--cluster-slots',
      String(slots),
      '--cluster-yes',
    )
  }

  /**
   * Starts moving `slot` from `source` to `target` by hand and stops halfway: the slot is MIGRATING on the
   * source and IMPORTING on the target, and only `keys` have moved (a key not on the source is then ASKed for
   * on the target).
   */
  async migrateHalfway(slot: number, source: ClusterNode, target: ClusterNode, keys: readonly string[]) {
    await this.command(target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id)
    await this.command(source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id)
    await this.command(source.port, 'MIGRATE', '127.0.0.1', target.port, '', 0, 5_000, 'KEYS', ...keys)
  }

  /** Ends what `migrateHalfway` started: the rest of the slot's keys move, every master learns the new owner. */
  async finishMigration(slot: number, source: ClusterNode, target: ClusterNode): Promise<void> {
    const left = (await this.command(source.port, 'CLUSTER', 'GETKEYSINSLOT', slot, 1_000)) as string[]
    if (left.length > 0)
      await this.command(source.port, 'MIGRATE', '127.0.0.1', target.port, '', 0, 5_000, 'KEYS', ...left)
    const others = (await this.topology()).filter(
      (node) => node.master && node.id !== source.id && node.id !== target.id && this.isRunning(node.port),
    )
    for (const node of [target, source, ...others])
      await this.command(node.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id)
  }

  private isRunning(port: number): boolean {
    return this.servers.some((server) => server.port === port && server.running)
  }

  /** The server listening on `port`. */
  server(port: number): RedisServer {
    const server = this.servers.find((candidate) => candidate.port === port)
    if (server === undefined) throw new Error(`no server of this cluster on port ${port}`)
    return server
  }

  async dispose(): Promise<void> {
    for (const admin of this.admins.values()) admin.disconnect()
    this.admins.clear()
    await Promise.all(this.servers.map((server) => server.dispose()))
  }
}
