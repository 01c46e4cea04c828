// Batched matrix product y[b] = alpha * op(A[b]) op(B[b]) + beta * C, shared by MatMul (batch dims
// broadcast through strides) and ONNX Gemm (TRANS_A/TRANS_B, C broadcast through cStride).
// Bindings: 0 a (read), 1 b (read), 2 c (read; unread unless HAS_C), 3 y [batch, M, N] (write), 4 uniforms U.
// Each invocation computes a 4x4 tile of y, a workgroup 32x32; VEC_A/VEC_B: the operand's rows are
// 4-aligned along the vectorised axis so a 4x4 tile of it is 4 vec4 loads, else 16 scalar loads.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_C: bool = false;
override VEC_A: bool = false; // A is [M,K] with K % 4 == 0, or A^T is [K,M] with M % 4 == 0
override VEC_B: bool = false; // B is [K,N] with N % 4 == 0, or B^T is [N,K] with K % 4 == 0

struct U {
  M: i32, N: i32, K: i32, batch: i32, tilesM: i32, tilesN: i32, cRowStride: i32, cColStride: i32,
  batchShape: vec4i, // output batch dims, padded with leading 1s
  aBatchStride: vec4i, // element strides of A per batch dim (0 where A broadcasts)
  bBatchStride: vec4i,
  alpha: f32, beta: f32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

fn aAt(i: i32) -> f32 { return a[i >> 2u][i & 3]; }
fn bAt(i: i32) -> f32 { return b[i >> 2u][i & 3]; }

// Column i of the result is A[m_i, k..k+3]. ra: per row i, the offset of A[m_i, 0] (A stored [M,K])
// or of A[0, m_i] (A^T stored [K,M]); rows past M were clamped by the caller, their results dropped.
fn tileA(ra: vec4i, k: i32) -> mat4x4f {
  if (TRANS_A) {
    let r = ra.x + k * u.M;
    if (VEC_A) {
      let q = r >> 2u;
      let s = u.M >> 2u;
      return transpose(mat4x4f(a[q], a[q + s], a[q + 2 * s], a[q + 3 * s]));
    }
    var t: mat4x4f; // column kk = A[m0..m0+3, k+kk]
    for (var kk = 0; kk < 4; kk++) {
      let rk = (k + kk) * u.M;
      t[kk] = vec4f(aAt(ra.x + rk), aAt(ra.y + rk), aAt(ra.z + rk), aAt(ra.w + rk));
    }
    return transpose(t);
  }
  if (VEC_A) {
    let q = (ra + vec4i(k)) >> vec4u(2u);
    return mat4x4f(a[q.x], a[q.y], a[q.z], a[q.w]);
  }
  var t: mat4x4f;
  for (var i = 0; i < 4; i++) { t[i] = vec4f(aAt(ra[i] + k), aAt(ra[i] + k + 1), aAt(ra[i] + k + 2), aAt(ra[i] + k + 3)); }
  return t;
}

// Column kk of the result is B[k+kk, n0..n0+3]. rb: per column j, the offset of B[0, n_j] (B stored
// [K,N]) or of B[n_j, 0] (B^T stored [N,K]), columns past N clamped.
fn tileB(rb: vec4i, k: i32) -> mat4x4f {
  if (!TRANS_B) {
    let r = rb.x + k * u.N;
    if (VEC_B) {
      let q = r >> 2u;
      let s = u.N >> 2u;
      return mat4x4f(b[q], b[q + s], b[q + 2 * s], b[q + 3 * s]);
    }
    var t: mat4x4f;
    for (var kk = 0; kk < 4; kk++) {
      let rk = (k + kk) * u.N;
      t[kk] = vec4f(bAt(rb.x + rk), bAt(rb.y + rk), bAt(rb.z + rk), bAt(rb.w + rk));
    }
    return t;
  }
  if (VEC_B) {
    let q = (rb + vec4i(k)) >> vec4u(2u);
    return transpose(mat4x4f(b[q.x], b[q.y], b[q.z], b[q.w]));
  }
  var t: mat4x4f; // column j = B[k..k+3, n_j]
  for (var j = 0; j < 4; j++) { t[j] = vec4f(bAt(rb[j] + k), bAt(rb[j] + k + 1), bAt(rb[j] + k + 2), bAt(rb[j] + k + 3)); }
  return transpose(t);
}

fn aScalar(ra: i32, k: i32) -> f32 {
  if (TRANS_A) { return aAt(ra + k * u.M); }
  return aAt(ra + k);
}

fn bScalar(rb: i32, k: i32) -> f32 {
  if (TRANS_B) { return bAt(rb + k); }
  return bAt(rb + k * u.N);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let wg = i32(wid.y * nwg.x + wid.x);
  let tn = wg % u.tilesN;
  let tm = (wg / u.tilesN) % u.tilesM;
  let bi = wg / (u.tilesN * u.tilesM);
  if (bi >= u.batch) { return; }
  let m0 = tm * 32 + i32(li / 8u) * 4;
  let n0 = tn * 32 + i32(li % 8u) * 4;
  if (m0 >= u.M || n0 >= u.N) { return; }
  // Batch index -> per-dimension index (last dim fastest) -> operand offsets.
  let s = u.batchShape;
  let d = vec4i(bi / (s.y * s.z * s.w), (bi / (s.z * s.w)) % s.y, (bi / s.w) % s.z, bi % s.w);
  let aOff = dot(d, u.aBatchStride);
  let bOff = dot(d, u.bBatchStride);
  let mc = min(vec4i(m0) + vec4i(0, 1, 2, 3), vec4i(u.M - 1));
  let nc = min(vec4i(n0) + vec4i(0, 1, 2, 3), vec4i(u.N - 1));
  let ra = vec4i(aOff) + select(mc * u.K, mc, TRANS_A);
  let rb = vec4i(bOff) + select(nc, nc * u.K, TRANS_B);
  // accI[j] = y[m0+I, n0+j]
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);
  let K4 = u.K & ~3;
  for (var k = 0; k < K4; k += 4) {
    let ta = tileA(ra, k);
    let tb = tileB(rb, k);
    acc0 += ta[0].x * tb[0] + ta[0].y * tb[1] + ta[0].z * tb[2] + ta[0].w * tb[3];
    acc1 += ta[1].x * tb[0] + ta[1].y * tb[1] + ta[1].z * tb[2] + ta[1].w * tb[3];
    acc2 += ta[2].x * tb[0] + ta[2].y * tb[1] + ta[2].z * tb[2] + ta[2].w * tb[3];
    acc3 += ta[3].x * tb[0] + ta[3].y * tb[1] + ta[3].z * tb[2] + ta[3].w * tb[3];
  }
  for (var k = K4; k < u.K; k++) {
    let bv = vec4f(bScalar(rb.x, k), bScalar(rb.y, k), bScalar(rb.z, k), bScalar(rb.w, k));
    acc0 += aScalar(ra.x, k) * bv; acc1 += aScalar(ra.y, k) * bv; acc2 += aScalar(ra.z, k) * bv; acc3 += aScalar(ra.w, k) * bv;
  }
  let acc = mat4x4f(acc0, acc1, acc2, acc3);
  let yOff = bi * u.M * u.N;
  for (var i = 0; i < 4; i++) {
    let m = m0 + i;
    if (m >= u.M) { break; }
    for (var j = 0; j < 4; j++) {
      let n = n0 + j;
      if (n >= u.N) { break; }
      var v = u.alpha * acc[i][j];
      if (HAS_C) { v += u.beta * c[m * u.cRowStride + n * u.cColStride]; }
      y[yOff + m * u.N + n] = v;
    }
  }
}
