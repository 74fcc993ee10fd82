import { decodeTensor, type LoadedTensor } from '../model/safetensors.js'
import { parseSafetensorsHeader, readHeaderLength, SUPPORTED_DTYPES } from '../model/safetensors-header.js'
import { readAt, withRegularFile } from './regular-file.js'

/**
 * Reads one `.safetensors` file through positioned reads: the 8-byte length, the header (at most the
 * format's 100 MB, and never past the file), then each tensor's byte range straight into its own buffer.
 * Nothing proportional to the file is allocated beyond the tensors themselves, so files over 2 GiB load
 * and a device or a lying header fails fast. `label` names the file in errors.
 *
 * @example
 * const tensors = await readSafetensorsFile('/models/kvtiny-7m/model.safetensors')
 */
export function readSafetensorsFile(path: string, label = path): Promise<Map<string, LoadedTensor>> {
  return withRegularFile(
    path,
    'safetensors file',
    async (file) => {
      const first = new Uint8Array(8)
      if (file.size >= 8) await readAt(file, first, 0, label)
      const headerLength = readHeaderLength(first, file.size, label)
      const header = new Uint8Array(headerLength)
      await readAt(file, header, 8, label)
      const dataStart = 8 + headerLength
      const entries = parseSafetensorsHeader(header, file.size - dataStart, label)
      const tensors = new Map<string, LoadedTensor>()
      for (const entry of entries) {
        const elements = (entry.end - entry.begin) / SUPPORTED_DTYPES[entry.dtype]
        // A fresh buffer of the dtype's element type: aligned, and the float32 one is kept as is.
        const buffer = entry.dtype === 'F32' ? new Float32Array(elements) : new Uint16Array(elements)
        const bytes = new Uint8Array(buffer.buffer)
        await readAt(file, bytes, dataStart + entry.begin, label)
        tensors.set(entry.name, {
          shape: entry.shape,
          data: decodeTensor(entry, bytes, label, true),
          file: label,
        })
      }
      return tensors
    },
    label,
  )
}
