import { defineConfig } from 'tsup'

const entry = { index: 'src/index.ts', node: 'src/node/index.ts', redis: 'src/redis/index.ts' }

export default defineConfig({
  entry,
  format: ['esm'],
  // The workspace tsconfig is a composite project for `tsc -b`; declarations are bundled on their own here.
  dts: { entry, compilerOptions: { composite: false, incremental: false } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
