/**
 * WGSL of the uniforms and bindings both split decode-attention kernels share: binding 0 the parameters,
 * 1 the query, 2 the page pool, 3 the page table, 4 the lengths, 5 and 6 the split outputs; then `extra`
 * read-only bindings (the int8 kernel's vec4 view of the pool), then the logits when asked for.
 *
 * @example
 * attentionBindings(false, ['PG4: array<vec4<u32>>'])
 */
export function attentionBindings(logits: boolean, extra: readonly string[] = []): string {
  const lines = [
    'struct Params { batch: u32, kvHeads: u32, maxPages: u32, pagesPerSplit: u32,',
    '                splits: u32, qHeads: u32, logitStride: u32, scale: f32 }',
    '@group(0) @binding(0) var<uniform> U: Params;',
    '@group(0) @binding(1) var<storage, read> Q: array<f32>;',
    '@group(0) @binding(2) var<storage, read> PG: array<u32>;',
    '@group(0) @binding(3) var<storage, read> PT: array<u32>;',
    '@group(0) @binding(4) var<storage, read> LEN: array<u32>;',
    '@group(0) @binding(5) var<storage, read_write> OACC: array<vec4<f32>>;',
    '@group(0) @binding(6) var<storage, read_write> OML: array<vec4<f32>>;',
    ...extra.map((decl, i) => `@group(0) @binding(${7 + i}) var<storage, read> ${decl};`),
  ]
  if (logits) {
    lines.push(`@group(0) @binding(${7 + extra.length}) var<storage, read_write> LOGITS: array<f32>;`)
  }
  return lines.join('\n')
}

/**
 * WGSL statements loading this workgroup's query heads (`[D][QV]` vec4s of 4 heads, times the softmax
 * scale, zero past `qpk`) into the workgroup array `qsh`; `b`, `h`, `qpk`, `tid`, `D`, `QV`, `P` in scope.
 *
 * @example
 * `${LOAD_QUERY}`
 */
export const LOAD_QUERY = /* wgsl */ `  for (var i = tid; i < D * QV; i += P) {
    let ch = i / QV; let vv = i % QV;
    var q = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let j = vv * 4u + e;
      if (j < qpk) { q[e] = Q[(b * U.qHeads + h * qpk + j) * D + ch] * U.scale; }
    }
    qsh[i] = q;
  }`
