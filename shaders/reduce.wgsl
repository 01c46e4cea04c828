// ReduceSum/Mean/Max/Min/L2: one invocation per output walks its reduced set (grid stride over
// outputs). The host splits the input's dimensions into kept groups (the output's, row-major) and
// reduced groups, each with its input stride; the last reduced group is the inner loop.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n outputs, kept rank, reduced rank (≥ 1), count
// per output, kept shape[8], kept strides[8], reduced shape[8], reduced strides[8], init value}.
// KIND (override): 0 sum, 1 mean, 2 max, 3 min, 4 L2.
override KIND: u32 = 0u;

struct U {
  n: u32,
  kRank: u32,
  rRank: u32,
  count: u32,
  kShape: array<vec4u, 2>,
  kStride: array<vec4u, 2>,
  rShape: array<vec4u, 2>,
  rStride: array<vec4u, 2>,
  init: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

fn kSize(d: u32) -> u32 { return u.kShape[d >> 2u][d & 3u]; }
fn kStride(d: u32) -> u32 { return u.kStride[d >> 2u][d & 3u]; }
fn rSize(d: u32) -> u32 { return u.rShape[d >> 2u][d & 3u]; }
fn rStride(d: u32) -> u32 { return u.rStride[d >> 2u][d & 3u]; }

fn pre(v: f32) -> f32 { return select(v, v * v, KIND == 4u); }

fn combine(a: f32, b: f32) -> f32 {
  switch KIND {
    case 2u: { return max(a, b); }
    case 3u: { return min(a, b); }
    default: { return a + b; }
  }
}

fn post(acc: f32) -> f32 {
  switch KIND {
    case 1u: { return acc / f32(u.count); }
    case 4u: { return sqrt(acc); }
    default: { return acc; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let last = u.rRank - 1u;
  let inner = rSize(last);
  let innerStride = rStride(last);
  let outer = select(0u, u.count / inner, inner > 0u);
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    var base = 0u;
    var rem = i;
    for (var d = u.kRank; d > 0u; d--) {
      let size = kSize(d - 1u);
      base += (rem % size) * kStride(d - 1u);
      rem /= size;
    }
    var acc = u.init;
    for (var o = 0u; o < outer; o++) {
      var off = base;
      var r = o;
      for (var d = last; d > 0u; d--) {
        let size = rSize(d - 1u);
        off += (r % size) * rStride(d - 1u);
        r /= size;
      }
      for (var j = 0u; j < inner; j++) { acc = combine(acc, pre(x[off + j * innerStride])); }
    }
    y[i] = post(acc);
  }
}
