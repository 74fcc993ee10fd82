/**
 * WGSL of the flash-decoding reduce: one invocation per (sequence, query head, channel) merges the splits'
 * partial results by log-sum-exp and writes the normalised output and, per head, the log-sum-exp.
 *
 * @example
 * reduceWgsl({ headDim: 128, qv: 1 })
 */
export function reduceWgsl(c: { headDim: number; qv: number }): string {
  return /* wgsl */ `
struct Params { rows: u32, splits: u32, qpk: u32, pad: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> OACC: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> OML: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(4) var<storage, read_write> LSE: array<f32>;
const D: u32 = ${c.headDim}u;
const QV: u32 = ${c.qv}u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 64u + gid.x;
  if (i >= U.rows * D) { return; }
  let ch = i % D; let r = i / D;
  let j = r % U.qpk; let bh = r / U.qpk;
  let vv = j / 4u; let e = j % 4u;
  var m = -1e30;
  for (var s = 0u; s < U.splits; s++) { m = max(m, OML[((bh * U.splits + s) * 2u) * QV + vv][e]); }
  var l = 0.0; var a = 0.0;
  for (var s = 0u; s < U.splits; s++) {
    let o = bh * U.splits + s;
    let f = exp(OML[(o * 2u) * QV + vv][e] - m);
    l += OML[(o * 2u + 1u) * QV + vv][e] * f;
    a += OACC[(o * D + ch) * QV + vv][e] * f;
  }
  OUT[r * D + ch] = a / l;
  if (ch == 0u) { LSE[r] = m + log(l); }
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
