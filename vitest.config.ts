import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import { SlowFirstSequencer } from './tools/vitest-preset/slow-first-sequencer.js'
import { projects } from './vitest.workspace.js'

/**
 * Test files run in parallel worker processes. Vitest's default is one worker fewer than the cores, which
 * on a 2-core CI machine is a single worker: the files ran one after another while the second core idled
 * (the WebGPU suites run llvmpipe on one thread, LP_NUM_THREADS=1). At least two workers everywhere, the
 * slowest files first (slow-first-sequencer.ts).
 */
const WORKERS = Math.max(2, availableParallelism() - 1)

export default defineConfig({
  test: {
    projects,
    // skip notices (no WebGPU adapter, Chromium or redis-server) are printed once for the run, not per file
    globalSetup: ['./tools/test-support/notices.js'],
    maxWorkers: WORKERS,
    sequence: { sequencer: SlowFirstSequencer },
  },
})
