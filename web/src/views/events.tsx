import { useState } from 'preact/hooks';
import { vocabulary } from '../api/vocabulary.js';
import { EventTable } from '../components/eventTable.js';
import { feed, groupIdOf } from '../live/store.js';
import type { View } from './registry.js';

const SHOWN = 300;

function EventsPage() {
  const [type, setType] = useState('');
  const [group, setGroup] = useState('');
  const needle = group.trim();
  const matching = feed.value.filter((e) => (type === '' || e.type === type) && (needle === '' || (groupIdOf(e) ?? e.stream).includes(needle)));
  return (
    <section>
      <h1>Live events</h1>
      <div class="filters">
        <label>
          type{' '}
          <select value={type} onChange={(e) => setType(e.currentTarget.value)} data-testid="filter-type">
            <option value="">all</option>
            {(vocabulary.value?.eventTypes ?? []).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          group{' '}
          <input value={group} onInput={(e) => setGroup(e.currentTarget.value)} placeholder="2026-11-24T00:05" data-testid="filter-group" />
        </label>
        <span class="note">
          {matching.length} of the latest {feed.value.length} events received by this page; a group's whole history is on its page.
        </span>
      </div>
      <EventTable events={matching.slice(0, SHOWN)} testId="event-feed" />
    </section>
  );
}

export const views: readonly View[] = [{ path: '/events', title: 'Events', navOrder: 3, component: EventsPage }];
