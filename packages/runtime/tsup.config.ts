import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', webgpu: 'src/webgpu/index.ts' },
  format: ['esm'],
  // The workspace tsconfig is a composite project for `tsc -b`; declarations are bundled on their own here.
  dts: {
    entry: { index: 'src/index.ts', node: 'src/node/index.ts', webgpu: 'src/webgpu/index.ts' },
    compilerOptions: { composite: false, incremental: false },
  },
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
