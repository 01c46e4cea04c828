// The page: toolbar, errors, then model, preprocessing and quantization settings on the left, and
// quantize → layers → reconstruct → evaluate → export, then float runs and results on the right.
import { useEffect } from 'react';
import { commandForKey } from '../state/commands';
import { useApp } from './app-context';
import { DropOverlay } from './drop-overlay';
import { DeviceBanner, ErrorPanel } from './error-panel';
import { EvaluatePanel } from './evaluate-panel';
import { ExportPanel } from './export-panel';
import { LayersPanel } from './layers-table';
import { ModelPanel } from './model-panel';
import { PreprocessPanel } from './preprocess-panel';
import { QuantConfigPanel } from './quant-config';
import { QuantLayersPanel } from './quant-layers';
import { QuantPanel } from './quant-panel';
import { ReconPanel } from './recon-panel';
import { ResultsPanel } from './results-grid';
import { RunPanel } from './run-panel';
import { Toolbar } from './toolbar';
import { WeightLevelsPanel } from './weight-levels-panel';

export function App() {
  const ctx = useApp();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target?.closest('input, select, textarea') && e.key !== 'Escape') return;
      const cmd = commandForKey(e, ctx.store.getState());
      if (!cmd) return;
      e.preventDefault();
      void cmd.perform(ctx);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ctx]);
  return (
    <div className="app">
      <Toolbar />
      <DeviceBanner />
      <ErrorPanel />
      <main className="layout">
        <aside className="side">
          <ModelPanel />
          <PreprocessPanel />
          <QuantConfigPanel />
          <LayersPanel />
        </aside>
        <div className="work">
          <QuantPanel />
          <QuantLayersPanel />
          <WeightLevelsPanel />
          <ReconPanel />
          <EvaluatePanel />
          <ExportPanel />
          <RunPanel />
          <ResultsPanel />
        </div>
      </main>
      <DropOverlay />
    </div>
  );
}
