// A table of rows under a header row: each column has its header (with an optional tooltip),
// whether it holds numbers (right-aligned: the `num` class on its header and cells) and its cell.
import type { HTMLAttributes, Key, ReactNode, TableHTMLAttributes, TdHTMLAttributes } from 'react';

type DataAttrs = { [k: `data-${string}`]: string | number | boolean | undefined };
type CellAttrs = TdHTMLAttributes<HTMLTableCellElement> & DataAttrs;
type RowAttrs = HTMLAttributes<HTMLTableRowElement> & DataAttrs;

export interface Column<T> {
  header: ReactNode;
  /** The header's tooltip. */
  title?: string;
  /** Numbers: right-aligned. */
  num?: boolean;
  cell: (row: T, index: number) => ReactNode;
  /** The cell's attributes (its class after `num`, tooltip, test id…), fixed or by row. */
  td?: CellAttrs | ((row: T, index: number) => CellAttrs);
}

export type DataTableProps<T> = TableHTMLAttributes<HTMLTableElement> &
  DataAttrs & {
    columns: Column<T>[];
    rows: readonly T[];
    rowKey: (row: T, index: number) => Key;
    /** Each row's attributes (class, tooltip, data-*). */
    row?: (row: T, index: number) => RowAttrs;
  };

const classes = (...xs: (string | false | undefined)[]) => xs.filter(Boolean).join(' ') || undefined;

export function DataTable<T>({ columns, rows, rowKey, row, ...table }: DataTableProps<T>) {
  return (
    <table {...table}>
      <thead>
        <tr>
          {columns.map((c, k) => (
            <th key={k} className={c.num ? 'num' : undefined} title={c.title}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={rowKey(r, i)} {...row?.(r, i)}>
            {columns.map((c, k) => {
              const { className, ...attrs } = (typeof c.td === 'function' ? c.td(r, i) : c.td) ?? {};
              return (
                <td key={k} className={classes(c.num && 'num', className)} {...attrs}>
                  {c.cell(r, i)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
