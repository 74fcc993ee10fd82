import { readBuffer, runDispatch, storageBuffer } from './buffers.js'
import { getPipeline } from './pipeline-cache.js'

/** What {@link probeSubgroups} found. */
export interface SubgroupInfo {
  /** Subgroups are consecutive runs of `local_invocation_index` (lane = index mod size). */
  readonly linear: boolean
  /** Subgroup size seen in a 128-invocation workgroup (0 without the feature). */
  readonly size: number
}

const probes = new WeakMap<GPUDevice, Promise<SubgroupInfo>>()

const WGSL = /* wgsl */ `
enable subgroups;
@group(0) @binding(0) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(128)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(subgroup_size) sgs: u32,
        @builtin(subgroup_invocation_id) sgi: u32) {
  let first = subgroupBroadcastFirst(tid);
  O[tid] = select(0u, 1u, sgi == tid % sgs && first == tid - sgi);
  if (tid == 0u) { O[128] = sgs; }
}
`

/**
 * Whether this device's subgroups can stand in for workgroup reductions indexed by `index / size`
 * (WGSL does not promise how invocations map to subgroups, so the kernels check once per device).
 *
 * @example
 * const { linear, size } = await probeSubgroups(ctx)
 */
export function probeSubgroups(context: {
  device: GPUDevice
  features: ReadonlySet<string>
}): Promise<SubgroupInfo> {
  const device = context.device
  let probe = probes.get(device)
  if (probe === undefined) {
    probe = context.features.has('subgroups') ? run(device) : Promise.resolve({ linear: false, size: 0 })
    probes.set(device, probe)
  }
  return probe
}

async function run(device: GPUDevice): Promise<SubgroupInfo> {
  const out = storageBuffer(device, 4 * 129)
  runDispatch(
    device,
    getPipeline(device, 'subgroupProbe', () => WGSL),
    [out],
    [1, 1, 1],
  )
  const words = new Uint32Array(await readBuffer(device, out, 4 * 129))
  out.destroy()
  let linear = true
  for (let i = 0; i < 128; i++) if (words[i] !== 1) linear = false
  return { linear, size: words[128]! }
}
