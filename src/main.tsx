// Page entry: one store, the engine worker (which owns the GPU), and the React app over them.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createStudioStore, type AppContext } from './state/store';
import { startEngine } from './worker/client';
import { commands } from './state/commands';
import { browserSave } from './state/jobs/export';
import { watchQuant } from './state/jobs/quant-setup';
import { watchRecon } from './state/jobs/recon';
import { AppProvider } from './ui/app-context';
import { App } from './ui/app';
import './ui/styles.css';

const store = createStudioStore();
const ctx: AppContext = { store, engine: startEngine(store), save: browserSave };
watchQuant(ctx);
watchRecon(ctx);
// /?demo (what `npm start` opens) loads and runs the demo right away.
if (new URLSearchParams(location.search).has('demo')) void commands.loadDemo.perform(ctx);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppProvider value={ctx}>
      <App />
    </AppProvider>
  </StrictMode>,
);
