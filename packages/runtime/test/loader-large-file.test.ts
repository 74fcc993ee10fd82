import { open, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { modelFromBytes } from '../src/index.js'
import { loadModel, readSafetensorsFile } from '../src/node/index.js'
import { readAt, withRegularFile } from '../src/node/regular-file.js'
import { checkpointFolder, rawSafetensors, safetensors, tinyConfig, tinyTensors } from './loader-support.js'

const PAST_2_GIB = 2 ** 31 + 16

/**
 * The tiny checkpoint written as one sparse file over 2 GiB: every tensor packed at the start of the
 * data section except `far`, which sits past 2^31 (the hole before it costs no disk).
 */
async function sparseCheckpoint(far: string): Promise<{ folder: string; size: number }> {
  const tensors = tinyTensors()
  const header: Record<string, unknown> = {}
  const packed: Uint8Array[] = []
  let offset = 0
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    const begin = name === far ? PAST_2_GIB : offset
    header[name] = { dtype: 'F32', shape, data_offsets: [begin, begin + data.byteLength] }
    if (name !== far) {
      packed.push(new Uint8Array(data.buffer))
      offset += data.byteLength
    }
  }
  const head = rawSafetensors(header)
  const folder = await checkpointFolder({ 'config.json': tinyConfig })
  const path = join(folder, 'model.safetensors')
  const file = await open(path, 'w')
  try {
    let at = 0
    for (const chunk of [head, ...packed]) {
      await file.write(chunk, 0, chunk.byteLength, at)
      at += chunk.byteLength
    }
    const farData = new Uint8Array(tensors[far]!.data.buffer)
    await file.write(farData, 0, farData.byteLength, head.byteLength + PAST_2_GIB)
  } finally {
    await file.close()
  }
  return { folder, size: (await stat(path)).size }
}

describe('checkpoints over 2 GiB', () => {
  it('load through positioned reads: a tensor past byte 2^31 of the data section reads back', async () => {
    const far = 'model.layers.0.mlp.up_proj.weight'
    const { folder, size } = await sparseCheckpoint(far)
    expect(size).toBeGreaterThan(2 ** 31)
    const rssBefore = process.memoryUsage().rss
    const tensors = await readSafetensorsFile(join(folder, 'model.safetensors'))
    expect(tensors.get(far)!.data).toEqual(tinyTensors()[far]!.data)
    const model = await loadModel(folder)
    // Only the tensors are read, not the 2 GiB hole.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 << 20)
    const compact = modelFromBytes({ config: tinyConfig, safetensors: safetensors(tinyTensors()) })
    expect(await model.prefill([1, 2, 3, 4], model.createCache())).toEqual(
      await compact.prefill([1, 2, 3, 4], compact.createCache()),
    )
  })

  it('a header pointing past the end of a large file is refused without reading the hole', async () => {
    const { folder } = await sparseCheckpoint('model.norm.weight')
    const path = join(folder, 'model.safetensors')
    const { size } = await stat(path)
    const header = { w: { dtype: 'F32', shape: [4], data_offsets: [size, size + 16] } }
    await writeFile(path, rawSafetensors(header))
    const file = await open(path, 'r+')
    await file.truncate(size)
    await file.close()
    await expect(readSafetensorsFile(path)).rejects.toThrow(
      /data_offsets \[\d+, \d+\) is outside the data section/,
    )
  })
})

describe('positioned reads', () => {
  it('a range past the end of the file (a file cut while it is read) is a CheckpointError naming it', async () => {
    const folder = await checkpointFolder({ 'small.bin': new Uint8Array(10).fill(7) })
    const path = join(folder, 'small.bin')
    await expect(
      withRegularFile(path, 'test file', (file) => readAt(file, new Uint8Array(8), 6, path)),
    ).rejects.toThrow(`${path}: file ended at byte 10, 4 bytes short of the range [6, 14)`)
    const bytes = await withRegularFile(path, 'test file', async (file) => {
      const target = new Uint8Array(4)
      await readAt(file, target, 6, path)
      return target
    })
    expect([...bytes]).toEqual([7, 7, 7, 7])
  })
})
