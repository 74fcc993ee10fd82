import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs module of this tool, without declarations
import { installClosure, workspacePackages } from '../pack.mjs'
// @ts-expect-error: a plain .mjs module of this tool, without declarations
import { importedPackages, readmeExamples } from '../readme-examples.mjs'

interface Example {
  id: string
  lang: string
  code: string
  skip?: string
  browser: boolean
  imports: string[]
}

function readme(text: string): Example[] {
  const folder = mkdtempSync(join(tmpdir(), 'kv-readme-'))
  writeFileSync(join(folder, 'README.md'), text)
  return readmeExamples(join(folder, 'README.md'), '@kv/x')
}

const fence = '```'

describe('readmeExamples', () => {
  it('takes ts/js blocks with their imports, line and markers; leaves sh and plain blocks out', () => {
    const examples = readme(
      [
        '# x',
        `${fence}sh`,
        'npm install @kv/x',
        fence,
        `${fence}ts`,
        "import { a } from '@kv/tensor'",
        "const b = await import('@kv/runtime/node')",
        fence,
        '<!-- runs-in: browser -->',
        '',
        `${fence}js`,
        "import { c } from '@kv/cache'",
        fence,
        '<!-- installs: @kv/model-kvtiny -->',
        `${fence}ts`,
        "import { loadModel } from '@kv/runtime/node'",
        fence,
        '<!-- not-runnable: a fragment of the method above -->',
        `${fence}ts`,
        'x.y()',
        fence,
        fence,
        'n(p) = max(...)',
        fence,
      ].join('\n'),
    )
    expect(
      examples.map(({ id, lang, browser, skip, imports }: Example) => ({ id, lang, browser, skip, imports })),
    ).toEqual([
      {
        id: '@kv/x README:5',
        lang: 'ts',
        browser: false,
        skip: undefined,
        imports: ['@kv/runtime', '@kv/tensor'],
      },
      { id: '@kv/x README:11', lang: 'js', browser: true, skip: undefined, imports: ['@kv/cache'] },
      {
        id: '@kv/x README:15',
        lang: 'ts',
        browser: false,
        skip: undefined,
        imports: ['@kv/model-kvtiny', '@kv/runtime'],
      },
      {
        id: '@kv/x README:19',
        lang: 'ts',
        browser: false,
        skip: 'a fragment of the method above',
        imports: [],
      },
    ])
  })

  it('refuses a not-runnable marker without its reason, and an unclosed block', () => {
    expect(() => readme(`<!-- not-runnable: -->\n${fence}ts\nx()\n${fence}\n`)).toThrow(
      /README.md:1: .*needs its reason/,
    )
    expect(() => readme(`text\n${fence}ts\nx()\n`)).toThrow(/README.md:2: code block never closed/)
  })

  it('finds exactly the @kv packages imported, whatever the subpaths and quotes', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/)
    const subpath = fc.option(fc.stringMatching(/^\/[a-z][a-z0-9/-]{0,10}$/), { nil: undefined })
    fc.assert(
      fc.property(
        fc.array(fc.record({ name, subpath, quote: fc.constantFrom("'", '"'), dynamic: fc.boolean() }), {
          maxLength: 6,
        }),
        (imports) => {
          const code = imports
            .map(({ name, subpath, quote, dynamic }, i) => {
              const spec = `${quote}@kv/${name}${subpath ?? ''}${quote}`
              return dynamic ? `const m${i} = await import(${spec})` : `import { v${i} } from ${spec}`
            })
            .concat("import { readFile } from 'node:fs/promises'", "const s = '@kv/not-an-import'")
            .join('\n')
          expect(importedPackages(code)).toEqual(
            [...new Set(imports.map(({ name }) => `@kv/${name}`))].sort(),
          )
        },
      ),
    )
  })
})

describe('the package READMEs', () => {
  const packages: Map<string, { folder: string }> = workspacePackages()
  const examples: Example[] = [...packages].flatMap(([name, { folder }]) =>
    readmeExamples(join(folder, 'README.md'), name),
  )

  it('every runnable example imports a @kv package, so the consumer check can install and run it', () => {
    expect(examples.length).toBeGreaterThanOrEqual(20)
    const orphans = examples.filter((example) => !example.skip && example.imports.length === 0)
    expect(orphans.map((example) => example.id)).toEqual([])
  })

  it('every example installs: its packages and what they require are packages of the workspace', () => {
    for (const example of examples.filter((e) => !e.skip)) {
      const needed: string[] = installClosure(example.imports)
      expect(needed).toEqual(expect.arrayContaining(example.imports))
      for (const name of needed) expect(packages.has(name)).toBe(true)
    }
  })

  it('installClosure adds dependencies and required peers, not optional ones', () => {
    expect(installClosure(['@kv/runtime'])).toEqual(['@kv/cache', '@kv/runtime', '@kv/tensor'])
    expect(installClosure(['@kv/quant-gear'])).toEqual(['@kv/quant-gear', '@kv/tensor'])
    expect(installClosure(['@kv/merge-minicache'])).toEqual([
      '@kv/cache',
      '@kv/merge-minicache',
      '@kv/tensor',
    ])
    expect(() => installClosure(['@kv/nope'])).toThrow(/@kv\/nope is not a package of this workspace/)
  })
})
