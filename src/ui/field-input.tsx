// A text field that edits a value through a parser: the draft is kept while typing and committed
// on Enter or blur when it parses; an unparsable draft is marked and never committed.
import { useState } from 'react';

interface Props<T> {
  label: string;
  value: T;
  format: (v: T) => string;
  parse: (s: string) => T | undefined;
  onCommit: (v: T) => void;
  disabled?: boolean;
  title?: string;
  width?: 'narrow' | 'wide';
}

export function FieldInput<T>({ label, value, format, parse, onCommit, disabled, title, width = 'narrow' }: Props<T>) {
  const shown = format(value);
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? shown;
  const bad = draft !== null && parse(draft) === undefined;
  const commit = () => {
    if (draft === null) return;
    const v = parse(draft);
    if (v !== undefined) onCommit(v);
    setDraft(null);
  };
  return (
    <label className={`field field-${width}`} title={title}>
      <span>{label}</span>
      <input
        type="text"
        spellCheck={false}
        value={text}
        disabled={disabled}
        aria-invalid={bad}
        className={bad ? 'invalid' : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(null);
        }}
      />
    </label>
  );
}

export const parsers = {
  positiveInt: (s: string) => {
    const n = Number(s.trim());
    return Number.isInteger(n) && n > 0 && n <= 4096 ? n : undefined;
  },
  positive: (s: string) => {
    const t = s.trim();
    const m = /^1\s*\/\s*([\d.]+)$/.exec(t);
    const n = m ? 1 / Number(m[1]) : Number(t);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  },
  numberList: (count: number) => (s: string) => {
    const xs = s.split(/[\s,]+/).filter(Boolean).map(Number);
    return xs.length === count && xs.every(Number.isFinite) ? xs : undefined;
  },
};
