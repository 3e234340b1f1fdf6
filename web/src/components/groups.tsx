import { Link } from 'wouter-preact';
import type { GroupOverview } from '../api/types.js';
import { age, now, ranges } from './format.js';

export function GroupLink({ id }: { id: string }) {
  return (
    <Link href={`/groups/${id}`} class="group-link">
      {id}
    </Link>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state.replace('_', ' ')}</span>;
}

/** n/16 with a bar of which subbands are in. */
export function SubbandBar({ count, expected, missing }: { count: number; expected: number; missing: readonly number[] }) {
  const absent = new Set(missing);
  return (
    <span class="subbands" title={missing.length ? `missing ${ranges(missing)}` : 'all subbands in'}>
      <span class="cells">
        {Array.from({ length: expected }, (_, i) => (
          <i key={i} class={absent.has(i) ? 'absent' : 'present'} />
        ))}
      </span>
      <span class="count">
        {count}/{expected}
      </span>
    </span>
  );
}

export function GroupAge({ group }: { group: Pick<GroupOverview, 'openedAt'> }) {
  return <>{age((now.value - Date.parse(group.openedAt)) / 1000)}</>;
}
