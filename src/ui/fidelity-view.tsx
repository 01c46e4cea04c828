// The quantized model's fidelity to the float one, per output (SQNR, cosine, max error, arg-max
// agreement), and each dense class-score output drawn as class maps, float beside quantized.
import { useEffect, useRef } from 'react';
import { currentFidelity } from '../state/fidelity-slice';
import type { OutputFidelity } from '../quant/fidelity';
import type { DensePreview } from '../worker/quant-api';
import { useStudio } from './app-context';
import { formatPercent, formatShape } from './format';

export function FidelityView() {
  const f = useStudio(currentFidelity);
  const names = useStudio((s) => s.images.length);
  if (!f || !f.outputs.length) return null;
  return (
    <div className="sub" data-testid="fidelity">
      <h3>
        Fidelity to the float model <span className="muted">per output, {f.done} of {names} images</span>
      </h3>
      <table className="io fidelity">
        <thead>
          <tr>
            <th>output</th>
            <th className="num">SQNR</th>
            <th className="num">cosine</th>
            <th className="num">max |error|</th>
            <th className="num" title="Arg-max class agreement: per image for class scores [N, K], per pixel for dense scores [N, C, H, W]">
              same class
            </th>
          </tr>
        </thead>
        <tbody>
          {f.outputs.map((o) => (
            <FidelityRow key={o.name} o={o} />
          ))}
        </tbody>
      </table>
      {f.dense.map((d) => (
        <DenseMaps key={d.output} d={d} />
      ))}
    </div>
  );
}

function FidelityRow({ o }: { o: OutputFidelity }) {
  const agree = o.top1Agreement ?? o.pixelAgreement;
  return (
    <tr data-output={o.name}>
      <td className="mono name" title={o.name}>
        {o.name} <span className="muted">{formatShape(o.shape.map((d, i) => (i === 0 ? 'N' : d)))}</span>
      </td>
      <td className="num" data-testid="fidelity-sqnr">{Number.isFinite(o.sqnrDb) ? `${o.sqnrDb.toFixed(1)} dB` : '∞'}</td>
      <td className="num">{o.cosine.toFixed(5)}</td>
      <td className="num">{o.maxAbsError.toPrecision(3)}</td>
      <td className="num">{agree === null ? '–' : `${formatPercent(agree, 2)} ${o.top1Agreement !== null ? 'top-1' : 'pixels'}`}</td>
    </tr>
  );
}

function DenseMaps({ d }: { d: DensePreview }) {
  const name = useStudio((s) => s.images.find((im) => im.id === d.id)?.name ?? '');
  const same = d.float.reduce((n, c, i) => n + (c === d.quant[i] ? 1 : 0), 0);
  return (
    <figure className="dense" data-testid="dense-maps" data-output={d.output}>
      <figcaption className="muted">
        {d.output}: arg-max class of {d.classes} per pixel on {name || 'the first image'} ({d.width}×{d.height}); {formatPercent(same / d.float.length, 1)} of pixels agree
      </figcaption>
      <div className="dense-row">
        <ClassMap map={d.float} width={d.width} height={d.height} label="float" />
        <ClassMap map={d.quant} width={d.width} height={d.height} label="quantized" />
      </div>
    </figure>
  );
}

/** The float run's dense outputs (segmentation scores) of its first image, as class maps. */
export function FloatClassMaps() {
  const maps = useStudio((s) => s.floatMaps);
  const names = useStudio((s) => s.images);
  if (!maps.length) return null;
  return (
    <div className="dense-row" data-testid="float-class-maps">
      {maps.map((m) => (
        <figure key={m.output} className="dense" data-output={m.output}>
          <ClassMap map={m.map} width={m.width} height={m.height} label="float" />
          <figcaption className="muted">
            {m.output}: arg-max of {m.classes} classes per pixel, {names.find((im) => im.id === m.id)?.name ?? 'first image'} ({m.width}×{m.height})
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** A class map as an image: one colour per class (the PASCAL VOC palette). */
export function ClassMap({ map, width, height, label }: { map: Uint8Array; width: number; height: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(width, height);
    for (let i = 0; i < map.length; i++) {
      const [r, g, b] = classColor(map[i]);
      img.data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
  }, [map, width, height]);
  return (
    <div className="dense-map">
      <canvas ref={ref} width={width} height={height} data-testid={`class-map-${label}`} aria-label={`${label} class map`} />
      <div className="muted">{label}</div>
    </div>
  );
}

const colors: [number, number, number][] = [];

/** RGB of class `c` (0..255): the PASCAL VOC palette, class 0 black, the index bits spread over the high bits of R, G, B. */
export function classColor(c: number): [number, number, number] {
  const hit = colors[c];
  if (hit) return hit;
  let [r, g, b] = [0, 0, 0];
  for (let j = 0, x = c; j < 8; j++, x >>= 3) {
    r |= (x & 1) << (7 - j);
    g |= ((x >> 1) & 1) << (7 - j);
    b |= ((x >> 2) & 1) << (7 - j);
  }
  return (colors[c] = [r, g, b]);
}
