// React access to the studio: the AppContext {store, engine} through a provider, narrow-field
// selectors over the store (useStudio), and CommandButton, a button bound to a registered command.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppContext, StudioState } from '../state/store';
import type { Command } from '../state/commands';

const Ctx = createContext<AppContext | null>(null);

export function AppProvider({ value, children }: { value: AppContext; children: ReactNode }) {
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useApp outside <AppProvider>');
  return ctx;
}

/** Select a narrow slice of state; the component re-renders only when it changes. */
export function useStudio<T>(selector: (s: StudioState) => T): T {
  return useStore(useApp().store, selector);
}

interface Props {
  command: Command;
  variant?: 'primary' | 'danger' | 'plain';
  children?: ReactNode;
  title?: string;
}

export function CommandButton({ command, variant = 'plain', children, title }: Props) {
  const ctx = useApp();
  const enabled = useStudio((s) => command.enabled?.(s) ?? true);
  const tip = title ?? (command.shortcut ? `${command.label} (${command.shortcut})` : undefined);
  return (
    <button
      type="button"
      className={`btn btn-${variant}`}
      disabled={!enabled}
      title={tip}
      data-command={command.name}
      onClick={() => void command.perform(ctx)}
    >
      {children ?? command.label}
    </button>
  );
}
