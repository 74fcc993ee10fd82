#!/usr/bin/env node
// Inside the workspace the command runs from the TypeScript sources; a published package runs dist/cli.js.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
if (existsSync(built)) await import(built)
else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
