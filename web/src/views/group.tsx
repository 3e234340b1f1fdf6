import { useEffect, useState } from 'preact/hooks';
import { api, HttpError } from '../api/client.js';
import type { GroupDetail, StoredEvent } from '../api/types.js';
import { vocabulary } from '../api/vocabulary.js';
import { EventTable } from '../components/eventTable.js';
import { bytes, duration, ranges, utc } from '../components/format.js';
import { GroupAge, StateBadge, SubbandBar } from '../components/groups.js';
import { Provenance } from '../components/provenance.js';
import { ReprocessForm } from '../components/reprocess.js';
import { LiveLink } from '../live/connection.js';
import type { View } from './registry.js';

const RELOAD_MS = 200;

/** The group's read model, refetched whenever one of its events arrives, and its whole event history (live). */
function useGroup(id: string) {
  const [detail, setDetail] = useState<GroupDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [events, setEvents] = useState<readonly StoredEvent[]>([]);

  useEffect(() => {
    let stale = false;
    let reload: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      api.group(id).then(
        (g) => !stale && (setDetail(g), setError(null)),
        (err: Error) => !stale && setError(err instanceof HttpError && err.status === 404 ? `No group ${id}.` : err.message),
      );
    void load();
    setEvents([]);
    // The group's stream from its beginning: the server filters the log by stream and then follows it.
    const live = new LiveLink({
      after: 0,
      stream: id,
      onEvents: (batch) => {
        setEvents((old) => [...batch.toReversed(), ...old]);
        clearTimeout(reload);
        reload = setTimeout(() => void load(), RELOAD_MS);
      },
    });
    return () => {
      stale = true;
      clearTimeout(reload);
      live.close();
    };
  }, [id]);
  return { detail, error, events };
}

function GroupPage({ params }: { params: Record<string, string | undefined> }) {
  const id = params['id'] ?? '';
  const { detail, error, events } = useGroup(id);
  if (error !== null) return <p class="empty bad">{error}</p>;
  if (detail === null) return <p class="empty">Loading group {id}…</p>;
  return (
    <section data-testid="group-page">
      <h1>
        Group {detail.groupId} <StateBadge state={detail.status} />
      </h1>
      <dl class="facts">
        <dt>subbands</dt>
        <dd>
          <SubbandBar count={detail.subbands.length} expected={detail.expectedSubbands} missing={detail.missingSubbands} />
          {detail.missingSubbands.length > 0 && <span> missing {ranges(detail.missingSubbands)}</span>}
        </dd>
        <dt>first subband</dt>
        <dd>
          {utc(detail.openedAt)} UTC (<GroupAge group={detail} /> ago)
        </dd>
        <dt>collect deadline</dt>
        <dd>{utc(detail.collectDeadline)} UTC</dd>
        <dt>ready</dt>
        <dd>{detail.readyAt === null ? '–' : `${utc(detail.readyAt)} UTC`}</dd>
        <dt>attempts</dt>
        <dd>{detail.attempts}</dd>
        <dt>stage</dt>
        <dd>
          {detail.currentStage ?? '–'} (last completed: {detail.lastCompletedStage ?? '–'}
          {detail.resumeFrom !== null && `, resume from ${detail.resumeFrom}`})
        </dd>
        {detail.notBefore !== null && (
          <>
            <dt>retry not before</dt>
            <dd>{utc(detail.notBefore)} UTC</dd>
          </>
        )}
        {detail.lastError !== null && (
          <>
            <dt>last error</dt>
            <dd class="bad">{detail.lastError}</dd>
          </>
        )}
      </dl>

      <h2>Provenance</h2>
      <Provenance group={detail} events={events} />

      <h2>Stage runs</h2>
      {detail.stages.length === 0 ? (
        <p class="empty">No stage has run for this group yet.</p>
      ) : (
        <table data-testid="stage-runs">
          <thead>
            <tr>
              <th>stage</th>
              <th>status</th>
              <th>attempt</th>
              <th>started (UTC)</th>
              <th>duration</th>
              <th>progress</th>
              <th>message / error</th>
            </tr>
          </thead>
          <tbody>
            {detail.stages.map((s) => (
              <tr key={s.stage}>
                <td>{s.stage}</td>
                <td>
                  <StateBadge state={s.status} />
                </td>
                <td class="num">{s.attempt}</td>
                <td>{utc(s.startedAt)}</td>
                <td class="num">{duration(s.durationMs)}</td>
                <td>
                  <progress max={1} value={s.fraction} />
                </td>
                <td class={s.error === null ? '' : 'bad'}>{s.error ?? s.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Files</h2>
      <table data-testid="files">
        <thead>
          <tr>
            <th>subband</th>
            <th>path</th>
            <th>size</th>
            <th>arrived (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {detail.files.map((f) => (
            <tr key={f.subband}>
              <td class="num">{f.subband}</td>
              <td class="path">{f.path}</td>
              <td class="num">{bytes(f.sizeBytes)}</td>
              <td>{utc(f.arrivedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Reprocess</h2>
      <ReprocessForm groupId={detail.groupId} stages={vocabulary.value?.stages ?? []} />

      <h2>Events ({events.length})</h2>
      <EventTable events={events} testId="group-events" />
    </section>
  );
}

export const views: readonly View[] = [{ path: '/groups/:id', title: 'Group', component: GroupPage }];
