import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

const fastCheckSetup = fileURLToPath(new URL('./fast-check-setup.ts', import.meta.url))
const dawnPolling = fileURLToPath(new URL('./dawn-polling.ts', import.meta.url))

/**
 * The vitest project of one package: its tests under `test/`, fast-check configured from the environment.
 * `timeoutMs` raises the per-test limit for packages whose tests run the embedded model; `webgpu` marks
 * packages whose tests use WebGPU through Dawn in Node.js (see dawn-polling.ts).
 */
export function packageProject(name: string, options: { timeoutMs?: number; webgpu?: boolean } = {}) {
  return defineProject({
    test: {
      name,
      include: ['test/**/*.test.ts'],
      setupFiles: options.webgpu === true ? [fastCheckSetup, dawnPolling] : [fastCheckSetup],
      testTimeout: options.timeoutMs ?? 30_000,
    },
  })
}
