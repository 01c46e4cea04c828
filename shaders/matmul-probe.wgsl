// The matmul ceiling probe of the benchmarks: y [M,N] = aᵀ·b with a [K,M] and b [K,N] stored K-major,
// so an invocation's TM x TN register tile (TM, TN = 4 or 8, overrides) reads TM/4 + TN/4 whole vec4s
// per step of k and nothing else: no edges (M % TM == N % TN == 0, checked by the wrapper), no
// index tables, no workgroup memory. What a plain register-tiled GEMM reaches on an adapter; the
// conv kernels' GFLOP/s are reported against it.
// Bindings: 0 a [K*M/4] vec4, 1 b [K*N/4] vec4, 2 y [M*N/4] vec4 (write), 3 uniforms U.
override TM: u32 = 8u;
override TN: u32 = 8u;

struct U { M: u32, N: u32, K: u32, tiles: u32 }

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(3) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + li;
  if (t >= u.tiles) { return; }
  let colTiles = u.N / TN;
  let m0 = (t / colTiles) * TM;
  let n0 = (t % colTiles) * TN;
  let mq = u.M / 4u;
  let nq = u.N / 4u;
  // c[i][j]: row m0 + i, columns n0 + 4j .. 4j + 3
  var c: array<array<vec4f, 2>, 8>;
  for (var k = 0u; k < u.K; k++) {
    let a0 = a[k * mq + m0 / 4u];
    var a1 = vec4f(0.0);
    if (TM == 8u) { a1 = a[k * mq + m0 / 4u + 1u]; }
    let b0 = b[k * nq + n0 / 4u];
    var b1 = vec4f(0.0);
    if (TN == 8u) { b1 = b[k * nq + n0 / 4u + 1u]; }
    for (var i = 0u; i < TM; i++) {
      let av = select(a0[i & 3u], a1[i & 3u], i >= 4u);
      c[i][0] += av * b0;
      if (TN == 8u) { c[i][1] += av * b1; }
    }
  }
  for (var i = 0u; i < TM; i++) {
    y[(m0 + i) * nq + n0 / 4u] = c[i][0];
    if (TN == 8u) { y[(m0 + i) * nq + n0 / 4u + 1u] = c[i][1]; }
  }
}
