import { link, loadError } from '../live/store.js';
import { now, utc } from './format.js';

/** How fresh the page's data is: live, connecting, or reconnecting with the time of the last data. */
export function Freshness() {
  const live = link.value;
  const state = live?.state.value ?? { kind: 'connecting' as const };
  const asOf = live?.asOf.value ?? null;
  const since = asOf === null ? 'no data yet' : `data as of ${utc(asOf)} UTC`;
  let text: string;
  if (state.kind === 'live') text = `live · ${since}`;
  else if (state.kind === 'connecting') text = `connecting… · ${since}`;
  else {
    const retryIn = Math.max(0, Math.ceil((state.retryAt - now.value) / 1000));
    text = `reconnecting in ${retryIn} s (try ${state.attempt}: ${state.reason}; down since ${utc(state.downSince).slice(11)}) · ${since}`;
  }
  return (
    <div class={`freshness ${state.kind}`} data-testid="freshness" data-state={state.kind} title={loadError.value ?? ''}>
      <span class="dot" />
      {text}
      {loadError.value !== null && <span class="load-error"> · {loadError.value}</span>}
    </div>
  );
}
