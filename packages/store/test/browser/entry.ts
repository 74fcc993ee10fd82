// Bundled for headless Chromium by browser.test.ts: the format through a Blob and through an OPFS file.
import { chunksOf, encodeState, readState, StoreFormatError, writeChunks } from '../../src/index.js'

interface OpfsFile {
  createWritable(): Promise<{ write(chunk: Uint8Array): Promise<void>; close(): Promise<void> }>
  getFile(): Promise<Blob>
}
interface OpfsDirectory {
  getFileHandle(name: string, options: { create: boolean }): Promise<OpfsFile>
}

function bytesOf(view: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
}

async function main() {
  const pool = new Float32Array(new Uint32Array([0x7fc00001, 0x80000000, 0x3f800000, 0xffbfffff, 7]).buffer)
  const shared = { rows: pool.subarray(1, 4) }
  const state = { layers: [shared, shared], pool, codes: new Uint8Array(200).map((_, i) => i * 3) }
  const header = { identity: 'browser', pipeline: 'kivi:bits=4' }
  const expected = bytesOf(pool)

  const blob = new Blob([...encodeState(state, header, { sectionBytes: 64, inlineBytes: 8 })])
  const fromBlob = (await readState<typeof state>(chunksOf(blob.stream()), { expect: header })).state

  const { storage } = (
    globalThis as unknown as { navigator: { storage: { getDirectory(): Promise<OpfsDirectory> } } }
  ).navigator
  const file = await (await storage.getDirectory()).getFileHandle('state.kvs', { create: true })
  const writable = await file.createWritable()
  await writeChunks(encodeState(state, header), writable)
  await writable.close()
  const fromOpfs = (
    await readState<typeof state>(chunksOf((await file.getFile()).stream()), { expect: header })
  ).state

  const corrupt = new Uint8Array(await blob.arrayBuffer())
  corrupt[corrupt.length - 30] = (corrupt[corrupt.length - 30] as number) ^ 4
  let corruptError = ''
  try {
    await readState([corrupt])
  } catch (error) {
    corruptError = error instanceof StoreFormatError ? `${error.section}.${error.field}` : String(error)
  }
  return {
    blobExact: JSON.stringify(bytesOf(fromBlob.pool)) === JSON.stringify(expected),
    blobShared:
      fromBlob.layers[0] === fromBlob.layers[1] && fromBlob.layers[0]?.rows.buffer === fromBlob.pool.buffer,
    opfsExact:
      JSON.stringify(bytesOf(fromOpfs.pool)) === JSON.stringify(expected) &&
      JSON.stringify(bytesOf(fromOpfs.codes)) === JSON.stringify(bytesOf(state.codes)),
    corruptError,
  }
}

main().then(
  (result) => {
    ;(globalThis as unknown as { __kvResult: unknown }).__kvResult = result
  },
  (error: unknown) => {
    ;(globalThis as unknown as { __kvResult: unknown }).__kvResult = { error: String(error) }
  },
)
