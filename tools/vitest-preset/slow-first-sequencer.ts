import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The test files that take minutes on CI's 2 cores, in the order they start. The WebGPU files come first:
 * most of their time is llvmpipe compiling kernels on a cold shader cache, each file is one long chain on
 * one worker, and the rest of the suite (many short files) then fills both workers until they finish
 * together. The runtime's WebGPU file comes after the two kernel files: its q2 kernels are theirs (the same
 * shapes), which Mesa's on-disk shader cache then serves instead of compiling them a second time.
 */
export const SLOW_TEST_FILES = [
  'packages/kernels-webgpu/test/attention-int8.test.ts',
  'packages/kernels-webgpu/test/attention.test.ts',
  'packages/runtime/test/webgpu.test.ts',
  'packages/eval/test/transactional-steps.test.ts',
  'packages/eval/test/golden-logits.test.ts',
  'tools/playground/test/playground.test.ts',
]

/** Vitest's order, with {@link SLOW_TEST_FILES} moved to the front. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (file: TestSpecification) => {
      const at = SLOW_TEST_FILES.findIndex((path) => file.moduleId.endsWith(path))
      return at < 0 ? SLOW_TEST_FILES.length : at
    }
    return sorted
      .map((file, order) => ({ file, order, rank: rank(file) }))
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .map(({ file }) => file)
  }
}
