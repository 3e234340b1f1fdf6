import { useState } from 'preact/hooks';
import type { GroupState } from '../api/types.js';
import { ranges } from '../components/format.js';
import { GroupAge, GroupLink, StateBadge, SubbandBar } from '../components/groups.js';
import { groups, status } from '../live/store.js';
import type { View } from './registry.js';

/** The states ingest leads to: still collecting, complete and waiting, or given up on. */
const INGEST_STATES: readonly GroupState[] = ['collecting', 'pending', 'failed'];

function IngestPage() {
  const [state, setState] = useState<GroupState>('collecting');
  const counts = status.value?.queue.counts;
  const shown = [...groups.value.values()].filter((g) => g.status === state).sort((a, b) => (a.groupId < b.groupId ? 1 : -1));
  return (
    <section>
      <h1>Ingest</h1>
      <div class="tabs" role="tablist">
        {INGEST_STATES.map((s) => (
          <button key={s} role="tab" aria-selected={s === state} class={s === state ? 'selected' : ''} onClick={() => setState(s)} data-testid={`tab-${s}`}>
            {s} <span class="count">{counts?.[s] ?? '…'}</span>
          </button>
        ))}
      </div>
      {shown.length === 0 ? (
        <p class="empty" data-testid="ingest-empty">
          No group is {state} now.
        </p>
      ) : (
        <table data-testid="ingest-table">
          <thead>
            <tr>
              <th>group</th>
              <th>state</th>
              <th>subbands</th>
              <th>missing</th>
              <th>age</th>
              <th>last error</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((g) => (
              <tr key={g.groupId} data-group={g.groupId}>
                <td>
                  <GroupLink id={g.groupId} />
                </td>
                <td>
                  <StateBadge state={g.status} />
                </td>
                <td>
                  <SubbandBar count={g.subbandCount} expected={g.expectedSubbands} missing={g.missingSubbands} />
                </td>
                <td class="missing" data-testid="missing">
                  {g.missingSubbands.length === 0 ? '–' : ranges(g.missingSubbands)}
                </td>
                <td>
                  <GroupAge group={g} />
                </td>
                <td class="error">{g.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {counts !== undefined && shown.length < counts[state] && (
        <p class="note">
          Showing the newest {shown.length} of {counts[state]}.
        </p>
      )}
    </section>
  );
}

export const views: readonly View[] = [{ path: '/ingest', title: 'Ingest', navOrder: 2, component: IngestPage }];
