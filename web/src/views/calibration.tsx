import { api, HttpError } from '../api/client.js';
import type { ActiveCalibration, Caltable } from '../api/types.js';
import { utc } from '../components/format.js';
import { GroupLink } from '../components/groups.js';
import { useProducts } from '../components/useProducts.js';
import type { View } from './registry.js';

const MJD_UNIX_EPOCH = 40587;
const mjdToMs = (mjd: number) => (mjd - MJD_UNIX_EPOCH) * 86_400_000;
const nowMjd = () => Date.now() / 86_400_000 + MJD_UNIX_EPOCH;

/** The set that applies now, or why none does (the API's 404 names the reason). */
async function activeNow(): Promise<ActiveCalibration | string> {
  try {
    return await api.activeCalibration(nowMjd());
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return err.message;
    throw err;
  }
}

function CalibrationPage() {
  const list = useProducts(() => api.caltables(), []);
  const active = useProducts(activeNow, []);
  const tables = list.data?.caltables ?? null;
  return (
    <section>
      <h1>Calibration</h1>
      <h2>Active now</h2>
      <div data-testid="active-calibration">
        {active.data === null ? (
          <p class="empty">{active.error ?? 'Loading…'}</p>
        ) : typeof active.data === 'string' ? (
          <p class="empty">{active.data}.</p>
        ) : (
          <p>
            Set from group <GroupLink id={active.data.groupId} />: {active.data.tables.map((t) => `${t.kind} ${t.caltableId}`).join(', ')}
            {active.data.separationHours > 0 && `, ${active.data.separationHours.toFixed(1)} h outside its validity`}
            {active.data.warning !== null && <span class="bad"> · {active.data.warning}</span>}
          </p>
        )}
      </div>
      <h2>Validity timeline</h2>
      {list.error !== null && <p class="bad">{list.error}</p>}
      {tables === null ? (
        <p class="empty">Loading calibration tables…</p>
      ) : tables.length === 0 ? (
        <p class="empty" data-testid="no-caltables">
          No calibration tables yet: the solve stage has not registered any.
        </p>
      ) : (
        <CaltableTable tables={tables} />
      )}
      {tables !== null && <SetPlots tables={tables} active={typeof active.data === 'object' && active.data !== null ? active.data.groupId : null} />}
    </section>
  );
}

function CaltableTable({ tables }: { tables: readonly Caltable[] }) {
  const now = Date.now();
  return (
    <table data-testid="caltables">
      <thead>
        <tr>
          <th>kind</th>
          <th>table</th>
          <th>from group</th>
          <th>valid from (UTC)</th>
          <th>valid to (UTC)</th>
          <th>ref. antenna</th>
          <th class="num">median SNR</th>
          <th class="num">flagged</th>
          <th>plots</th>
        </tr>
      </thead>
      <tbody>
        {tables.map((t) => {
          const current = mjdToMs(t.validFromMjd) <= now && now <= mjdToMs(t.validToMjd);
          return (
            <tr key={t.caltableId} class={current ? 'current' : ''}>
              <td>{t.kind}</td>
              <td class="path">{t.caltableId}</td>
              <td>
                <GroupLink id={t.groupId} />
              </td>
              <td>{utc(mjdToMs(t.validFromMjd))}</td>
              <td>{utc(mjdToMs(t.validToMjd))}</td>
              <td>{t.refAntenna}</td>
              <td class="num">{t.medianSnr.toFixed(1)}</td>
              <td class="num">{(100 * t.flaggedFraction).toFixed(1)} %</td>
              <td>
                {Object.keys(t.artifacts).map((key) => (
                  <a key={key} href={api.caltableArtifact(t.caltableId, key)} target="_blank" rel="noreferrer" class="file-link">
                    {key}
                  </a>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The bandpass and gain plots of the active set, else of the newest set that has plots. */
function SetPlots({ tables, active }: { tables: readonly Caltable[]; active: string | null }) {
  const withPlots = tables.filter((t) => Object.keys(t.artifacts).length > 0);
  const groupId = active !== null && withPlots.some((t) => t.groupId === active) ? active : withPlots.at(-1)?.groupId;
  if (groupId === undefined) return null;
  const plots = withPlots.filter((t) => t.groupId === groupId).flatMap((t) => Object.keys(t.artifacts).map((key) => ({ table: t, key })));
  return (
    <>
      <h2>
        Solutions of the set from <GroupLink id={groupId} />
        {groupId === active ? ' (active now)' : ''}
      </h2>
      <div class="plots">
        {plots.map(({ table, key }) => (
          <figure key={`${table.caltableId}/${key}`}>
            <img data-testid="caltable-plot" data-key={key} src={api.caltableArtifact(table.caltableId, key)} alt={`${table.kind} ${key}`} />
            <figcaption>
              {table.kind} · {key.replace('-', ' ')}
            </figcaption>
          </figure>
        ))}
      </div>
    </>
  );
}

export const views: readonly View[] = [{ path: '/calibration', title: 'Calibration', navOrder: 11, component: CalibrationPage }];
