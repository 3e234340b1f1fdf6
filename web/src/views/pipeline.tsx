import type { RealtimeGauge, StageTiming } from '../api/types.js';
import { vocabulary } from '../api/vocabulary.js';
import { duration } from '../components/format.js';
import { GroupAge, GroupLink, StateBadge } from '../components/groups.js';
import { StageTimeChart } from '../components/stageChart.js';
import { ACTIVE_STATES, activeStages, groups, status } from '../live/store.js';
import type { View } from './registry.js';

function PipelinePage() {
  const snapshot = status.value;
  const stages = vocabulary.value?.stages ?? [];
  if (snapshot === null) return <p class="empty">Loading the pipeline status…</p>;
  const { counts, backlog, total, oldestPending } = snapshot.queue;
  const timings = new Map(snapshot.stages.map((s) => [s.stage, s]));
  const active = [...groups.value.values()].filter((g) => ACTIVE_STATES.includes(g.status)).sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  const running = new Map<string, number>();
  for (const g of active) {
    const stage = activeStages.value.get(g.groupId)?.stage;
    if (stage !== undefined) running.set(stage, (running.get(stage) ?? 0) + 1);
  }
  const inProgress = ACTIVE_STATES.reduce((n, s) => n + counts[s], 0);

  return (
    <section>
      <h1>Live pipeline</h1>
      <div class="cards" data-testid="queue-counts">
        <Card label="collecting" value={counts.collecting} />
        <Card label="pending" value={counts.pending} />
        <Card label="in progress" value={inProgress} />
        <Card label="completed" value={counts.completed} />
        <Card label="failed" value={counts.failed} tone={counts.failed > 0 ? 'bad' : undefined} />
        <Card label="dead-lettered" value={counts.dead_lettered} tone={counts.dead_lettered > 0 ? 'bad' : undefined} />
        <Card label="backlog" value={backlog} note={oldestPending === null ? 'nothing waiting' : `oldest ${oldestPending}`} />
        <Card label="groups" value={total} note={`log ${snapshot.head}, read models ${snapshot.projectedThrough}`} />
      </div>

      <h2>Keeping up with real time</h2>
      <Gauge realtime={snapshot.realtime} projectionLag={snapshot.projectionLag} />
      {snapshot.stages.length > 0 ? <StageTimeChart stages={snapshot.stages} budgetS={snapshot.realtime.budgetSeconds} /> : <p class="empty">No stage has run yet.</p>}

      <h2>Stages</h2>
      <table data-testid="stage-table">
        <thead>
          <tr>
            <th>stage</th>
            <th class="num">running now</th>
            <th class="num">completed runs</th>
            <th class="num">failed runs</th>
            <th class="num">mean</th>
            <th class="num">longest</th>
            <th class="num">last</th>
          </tr>
        </thead>
        <tbody>
          {stages.map((stage) => (
            <StageRow key={stage} stage={stage} timing={timings.get(stage)} running={running.get(stage) ?? 0} />
          ))}
        </tbody>
      </table>

      <h2>Groups being processed</h2>
      {active.length === 0 ? (
        <p class="empty" data-testid="no-active">No group is being processed now.</p>
      ) : (
        <table data-testid="active-groups">
          <thead>
            <tr>
              <th>group</th>
              <th>state</th>
              <th>stage</th>
              <th>progress</th>
              <th>age</th>
            </tr>
          </thead>
          <tbody>
            {active.map((g) => {
              const stage = activeStages.value.get(g.groupId);
              return (
                <tr key={g.groupId}>
                  <td>
                    <GroupLink id={g.groupId} />
                  </td>
                  <td>
                    <StateBadge state={g.status} />
                  </td>
                  <td>{stage?.stage ?? '–'}</td>
                  <td>{stage ? <progress max={1} value={stage.fraction} /> : '–'}</td>
                  <td>
                    <GroupAge group={g} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Gauge({ realtime, projectionLag }: { realtime: RealtimeGauge; projectionLag: number }) {
  const { groupsInLastHour, groupsOutLastHour, budgetSeconds, slowestStage, meanSecondsPerGroup, keepingUp } = realtime;
  return (
    <div class="gauge" data-testid="gauge">
      <div class="cards">
        <Card label="in last hour" value={groupsInLastHour} note="groups complete" />
        <Card label="out last hour" value={groupsOutLastHour} note="groups processed" tone={groupsOutLastHour < groupsInLastHour ? 'bad' : undefined} />
      </div>
      <p>
        {keepingUp === null ? (
          'No stage has run yet, so there is no verdict.'
        ) : (
          <>
            <b class={keepingUp ? 'ok' : 'bad'} data-testid="keeping-up">
              {keepingUp ? 'Keeping up' : 'Falling behind'}
            </b>
            : the slowest stage ({slowestStage!.stage}, mean {slowestStage!.meanSeconds.toFixed(1)} s) against the {budgetSeconds.toFixed(2)} s between groups; a
            group takes {meanSecondsPerGroup.toFixed(1)} s through all its stages.
          </>
        )}
        {projectionLag > 0 && ` Read models are ${projectionLag} events behind the log.`}
      </p>
    </div>
  );
}

function StageRow({ stage, timing, running }: { stage: string; timing: StageTiming | undefined; running: number }) {
  return (
    <tr data-stage={stage} class={timing === undefined && running === 0 ? 'idle' : ''}>
      <td>{stage}</td>
      <td class="num" data-testid={`running-${stage}`}>
        {running}
      </td>
      <td class="num" data-testid={`runs-${stage}`}>
        {timing?.runs ?? 0}
      </td>
      <td class={`num ${timing && timing.failures > 0 ? 'bad' : ''}`} data-testid={`failures-${stage}`}>
        {timing?.failures ?? 0}
      </td>
      <td class="num">{duration(timing?.meanMs ?? null)}</td>
      <td class="num">{duration(timing?.maxMs ?? null)}</td>
      <td class="num">{duration(timing?.lastMs ?? null)}</td>
    </tr>
  );
}

function Card({ label, value, note, tone }: { label: string; value: number; note?: string; tone?: 'bad' | undefined }) {
  return (
    <div class={`card ${tone ?? ''}`} data-testid={`count-${label.replace(/ /g, '-')}`}>
      <div class="value">{value}</div>
      <div class="label">{label}</div>
      {note !== undefined && <div class="note">{note}</div>}
    </div>
  );
}

export const views: readonly View[] = [{ path: '/', title: 'Pipeline', navOrder: 1, component: PipelinePage }];
