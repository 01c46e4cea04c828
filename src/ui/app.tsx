// The page: toolbar, errors, then the model and preprocessing on the left and the run and its
// results on the right; keyboard shortcuts go through the command registry.
import { useEffect } from 'react';
import { commandForKey } from '../state/commands';
import { useApp } from './app-context';
import { DropOverlay } from './drop-overlay';
import { DeviceBanner, ErrorPanel } from './error-panel';
import { LayersPanel } from './layers-table';
import { ModelPanel } from './model-panel';
import { PreprocessPanel } from './preprocess-panel';
import { ResultsPanel } from './results-grid';
import { RunPanel } from './run-panel';
import { Toolbar } from './toolbar';

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
          <LayersPanel />
        </aside>
        <div className="work">
          <RunPanel />
          <ResultsPanel />
        </div>
      </main>
      <DropOverlay />
    </div>
  );
}
