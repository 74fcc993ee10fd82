/**
 * The vitest project of one package: its tests under `test/`, fast-check configured from the environment.
 * `timeoutMs` raises the per-test limit for packages whose tests run the embedded model.
 */
export declare function packageProject(name: string, options?: {
    timeoutMs?: number;
}): import("vitest/config").UserWorkspaceConfig;
//# sourceMappingURL=index.d.ts.map