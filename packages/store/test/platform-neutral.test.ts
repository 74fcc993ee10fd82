import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const src = fileURLToPath(new URL('../src/', import.meta.url))

function files(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name)],
  )
}

it('the root entry imports no Node built-in and no Redis client (it runs in a browser bundle)', () => {
  const neutral = files(src).filter((file) => !/^(node|redis)\//.test(relative(src, file)))
  expect(neutral.length).toBeGreaterThan(5)
  for (const file of neutral) {
    const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] as string)
    for (const specifier of imports)
      expect(
        specifier.startsWith('.') || specifier.startsWith('@kv/'),
        `${relative(src, file)} imports ${specifier}`,
      ).toBe(true)
  }
})
