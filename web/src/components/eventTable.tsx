import type { StoredEvent } from '../api/types.js';
import { groupIdOf } from '../live/store.js';
import { utc } from './format.js';
import { GroupLink } from './groups.js';

/** The payload in one line, without the group id already shown in its own column. */
function summary(event: StoredEvent): string {
  const text = Object.entries((event.payload ?? {}) as Record<string, unknown>)
    .filter(([k]) => k !== 'groupId')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

export function EventTable({ events, testId }: { events: readonly StoredEvent[]; testId: string }) {
  return (
    <table class="events" data-testid={testId}>
      <thead>
        <tr>
          <th>seq</th>
          <th>time (UTC)</th>
          <th>type</th>
          <th>group / stream</th>
          <th>details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const group = groupIdOf(e);
          return (
            <tr key={e.seq} data-seq={e.seq} data-type={e.type}>
              <td class="num">{e.seq}</td>
              <td>{utc(e.time)}</td>
              <td class={`type ${e.type.endsWith('Failed') || e.type === 'GroupDeadLettered' ? 'bad' : ''}`}>{e.type}</td>
              <td>{group === null ? e.stream : <GroupLink id={group} />}</td>
              <td class="details">{summary(e)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
