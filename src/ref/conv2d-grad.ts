// Float64 references of the backward kernels (shaders/conv2d-grad-*.wgsl, gemm gradients): the
// direct loop definitions of ∂L/∂x and ∂L/∂w given ∂L/∂y, no tricks.
import { convOutputShape, type ConvParams } from '../gpu/kernels/conv2d';
import type { GemmParams } from '../gpu/kernels/gemm';

type ConvGeometry = Pick<ConvParams, 'strides' | 'pads' | 'dilations' | 'group'>;

/**
 * Visit every (x element, w element, y element) triple of conv(x, w): `f(xi, wi, yi)` with flat
 * indices into x [N,C,H,W], w [M, C/group, kH, kW] and y [N,M,oH,oW]. Both gradients are sums over it.
 */
function eachTerm(xShape: number[], wShape: number[], yShape: number[], p: ConvGeometry, f: (xi: number, wi: number, yi: number) => void): void {
  const [N, C, H, W] = xShape;
  const [M, Cg, kH, kW] = wShape;
  const [, , oH, oW] = yShape;
  const [sH, sW] = p.strides;
  const [padT, padL] = p.pads;
  const [dH, dW] = p.dilations;
  const Mg = M / p.group;
  if (Cg * p.group !== C || Mg * p.group !== M) throw new Error(`conv2d grad ref: C=${C}, M=${M} do not split into ${p.group} groups`);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      for (let oh = 0; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++) {
          const yi = ((n * M + m) * oH + oh) * oW + ow;
          for (let c = 0; c < Cg; c++) {
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * sH - padT + kh * dH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * sW - padL + kw * dW;
                if (iw < 0 || iw >= W) continue;
                f(((n * C + g * Cg + c) * H + ih) * W + iw, ((m * Cg + c) * kH + kh) * kW + kw, yi);
              }
            }
          }
        }
      }
    }
  }
}

function checkDy(what: string, xShape: number[], wShape: number[], dyShape: number[], p: ConvGeometry): void {
  const want = convOutputShape(xShape, wShape, p);
  if (dyShape.join() !== want.join()) throw new Error(`${what}: dy is [${dyShape}], expected [${want}]`);
}

/** dx [N,C,H,W] = ∂L/∂x of y = conv(x, w), given dy = ∂L/∂y [N,M,oH,oW] and w [M, C/group, kH, kW]. */
export function conv2dGradInputRef(
  dy: ArrayLike<number>,
  dyShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  xShape: number[],
  p: ConvGeometry,
): Float64Array {
  checkDy('conv2dGradInputRef', xShape, wShape, dyShape, p);
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  eachTerm(xShape, wShape, dyShape, p, (xi, wi, yi) => {
    dx[xi] += dy[yi] * w[wi];
  });
  return dx;
}

/** dw [M, C/group, kH, kW] = ∂L/∂w of y = conv(x, w), given x [N,C,H,W] and dy = ∂L/∂y [N,M,oH,oW]. */
export function conv2dGradWeightRef(
  x: ArrayLike<number>,
  xShape: number[],
  dy: ArrayLike<number>,
  dyShape: number[],
  wShape: number[],
  p: ConvGeometry,
): Float64Array {
  checkDy('conv2dGradWeightRef', xShape, wShape, dyShape, p);
  const dw = new Float64Array(wShape.reduce((a, b) => a * b, 1));
  eachTerm(xShape, wShape, dyShape, p, (xi, wi, yi) => {
    dw[wi] += dy[yi] * x[xi];
  });
  return dw;
}

/**
 * Gradients of ONNX Gemm y = alpha·op(A)·op(B) + beta·C w.r.t. A and B, given dy = ∂L/∂y [M,N]:
 * da has A's stored shape ([M,K], or [K,M] with transA), db has B's ([K,N], or [N,K] with transB).
 */
export function gemmGradRef(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  dy: ArrayLike<number>,
  p: Pick<GemmParams, 'transA' | 'transB' | 'alpha'>,
): { da: Float64Array; db: Float64Array } {
  const [M, K] = p.transA ? [aShape[1], aShape[0]] : aShape;
  const [Kb, N] = p.transB ? [bShape[1], bShape[0]] : bShape;
  if (K !== Kb) throw new Error(`gemmGradRef: inner dimensions differ (${K} vs ${Kb})`);
  // Flat offsets of A[m,k] and B[k,n] in their stored layouts.
  const ai = (m: number, k: number) => (p.transA ? k * M + m : m * K + k);
  const bi = (k: number, n: number) => (p.transB ? n * K + k : k * N + n);
  const da = new Float64Array(M * K);
  const db = new Float64Array(K * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      const g = p.alpha * dy[m * N + n];
      for (let k = 0; k < K; k++) {
        da[ai(m, k)] += g * b[bi(k, n)];
        db[bi(k, n)] += g * a[ai(m, k)];
      }
    }
  }
  return { da, db };
}
