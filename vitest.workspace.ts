/**
 * The vitest projects of the workspace: one per package. Vitest 4 reads them from `test.projects` in
 * vitest.config.ts, which imports this list.
 */
export const projects = ['packages/*', 'tools/playground', 'tools/consumer-check']
