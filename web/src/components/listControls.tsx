/** The controls every paged, sortable list shares: a sort choice and a pager. */

export function SortSelect<K extends string>({ sorts, value, onChange }: { sorts: Record<K, string>; value: K; onChange: (sort: K) => void }) {
  return (
    <select value={value} onChange={(e) => onChange(e.currentTarget.value as K)}>
      {Object.entries<string>(sorts).map(([key, label]) => (
        <option key={key} value={key}>
          {label}
        </option>
      ))}
    </select>
  );
}

/** "previous 1–50 of 120 next", shown only when there is more than a page. */
export function Pager({ offset, total, pageSize, onOffset, labels }: { offset: number; total: number; pageSize: number; onOffset: (offset: number) => void; labels: readonly [string, string] }) {
  if (total <= pageSize) return null;
  return (
    <span class="pager">
      <button disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
        {labels[0]}
      </button>{' '}
      {offset + 1}–{Math.min(total, offset + pageSize)} of {total}{' '}
      <button disabled={offset + pageSize >= total} onClick={() => onOffset(offset + pageSize)}>
        {labels[1]}
      </button>
    </span>
  );
}
