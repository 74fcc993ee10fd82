/**
 * WGSL of the flash-decoding reduce: a workgroup per (sequence, KV head, vec4 of query heads) merges the
 * splits' partial results by log-sum-exp and writes the normalised output and, per head, the log-sum-exp.
 * Each invocation takes channels and walks the splits 8 at a time with independent loads, so a long list
 * of splits costs a few memory round trips instead of one per split.
 *
 * @example
 * reduceWgsl({ headDim: 128, qv: 1 })
 */
export function reduceWgsl(c: { headDim: number; qv: number }): string {
  const U = 8
  const each = (f: (i: number) => string) => Array.from({ length: U }, (_, i) => f(i)).join('\n      ')
  return /* wgsl */ `
struct Params { rows: u32, splits: u32, qpk: u32, pad: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> OACC: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> OML: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(4) var<storage, read_write> LSE: array<f32>;
const D: u32 = ${c.headDim}u;
const QV: u32 = ${c.qv}u;
const NEG: f32 = -1e30;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let r = wg.y * nw.x + wg.x;
  if (r >= U.rows * QV) { return; }
  let bh = r / QV; let vv = r % QV;
  let S = U.splits;
  let ml = bh * S * 2u * QV + vv;
  var m = vec4<f32>(NEG);
  var s = 0u;
  for (; s + ${U}u <= S; s += ${U}u) {
    ${each((i) => `let m${i} = OML[ml + (s + ${i}u) * 2u * QV];`)}
    m = max(m, max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7))));
  }
  for (; s < S; s++) { m = max(m, OML[ml + s * 2u * QV]); }
  var l = vec4<f32>(0.0);
  for (s = 0u; s + ${U}u <= S; s += ${U}u) {
    ${each((i) => `let l${i} = OML[ml + (s + ${i}u) * 2u * QV + QV] * exp(OML[ml + (s + ${i}u) * 2u * QV] - m);`)}
    l += ${Array.from({ length: U }, (_, i) => `l${i}`).join(' + ')};
  }
  for (; s < S; s++) { l += OML[ml + s * 2u * QV + QV] * exp(OML[ml + s * 2u * QV] - m); }
  for (var ch = tid; ch < D; ch += 64u) {
    let oa = (bh * S * D + ch) * QV + vv;
    var a = vec4<f32>(0.0);
    s = 0u;
    for (; s + ${U}u <= S; s += ${U}u) {
      ${each((i) => `let x${i} = OACC[oa + (s + ${i}u) * D * QV]; let f${i} = exp(OML[ml + (s + ${i}u) * 2u * QV] - m);`)}
      a += ${Array.from({ length: U }, (_, i) => `x${i} * f${i}`).join(' + ')};
    }
    for (; s < S; s++) { a += OACC[oa + s * D * QV] * exp(OML[ml + s * 2u * QV] - m); }
    let o = a / l;
    for (var e = 0u; e < 4u; e++) {
      let j = vv * 4u + e;
      if (j < U.qpk) {
        OUT[(bh * U.qpk + j) * D + ch] = o[e];
        if (ch == 0u) { LSE[bh * U.qpk + j] = m[e] + log(l[e]); }
      }
    }
  }
}
`
}

/**
 * WGSL turning the logits written by the attention kernel into attention weights, in place:
 * `w = exp(logit − lse)` for every token of every query head.
 *
 * @example
 * weightsWgsl()
 */
export function weightsWgsl(): string {
  return /* wgsl */ `
struct Params { batch: u32, qHeads: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> LEN: array<u32>;
@group(0) @binding(2) var<storage, read> LSE: array<f32>;
@group(0) @binding(3) var<storage, read_write> LOGITS: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 64u + gid.x;
  if (i >= U.batch * U.qHeads * U.stride) { return; }
  let t = i % U.stride; let r = i / U.stride; let b = r / U.qHeads;
  if (t < LEN[b]) { LOGITS[i] = exp(LOGITS[i] - LSE[r]); } else { LOGITS[i] = 0.0; }
}
`
}
