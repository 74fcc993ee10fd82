import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  // The workspace tsconfig is a composite project for `tsc -b`; declarations are bundled on their own here.
  // The declarations use GPUDevice & co. from @webgpu/types (a dependency): the reference brings them in for
  // every consumer, whatever its tsconfig `types` says.
  dts: {
    banner: '/// <reference types="@webgpu/types" />',
    compilerOptions: { composite: false, incremental: false },
  },
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
