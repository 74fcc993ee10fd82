import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The test files that take minutes on CI's 2 cores, longest first (a fresh-clone `.ci/run`: 230, 161 and
 * 99 s for the three WebGPU files, where llvmpipe compiles the kernels on a cold shader cache; about 30 s
 * each for the others). Vitest orders files by project name, so on a cold cache the runtime's WebGPU file
 * started last and ran alone at the end.
 */
export const SLOW_TEST_FILES = [
  'packages/kernels-webgpu/test/attention.test.ts',
  'packages/kernels-webgpu/test/attention-int8.test.ts',
  'packages/runtime/test/webgpu.test.ts',
  'tools/playground/test/playground.test.ts',
  'packages/eval/test/golden-logits.test.ts',
  'packages/eval/test/transactional-steps.test.ts',
]

/** Vitest's order, with {@link SLOW_TEST_FILES} moved to the front so that the workers finish together. */
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
