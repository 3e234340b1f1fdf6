import { batch, signal } from '@preact/signals';
import { api, HttpError } from '../api/client.js';
import type { GroupDetail, GroupOverview, GroupState, StatusSnapshot, StoredEvent } from '../api/types.js';
import { loadVocabulary, vocabulary } from '../api/vocabulary.js';
import { LiveLink } from './connection.js';

/** States in which a group is being worked on. */
export const ACTIVE_STATES: readonly GroupState[] = ['in_progress', 'processing_fresh', 'resuming'];
/** The first page of each state is loaded at start; later changes come from the live events. */
const PAGE = 100;
/** Events before the read models' position shown in the feed at start. */
const FEED_BACKFILL = 200;
const FEED_MAX = 1000;
const KEEP_GROUPS = 2000;
/** Above this many changed groups at once, reload the lists rather than each group. */
const MAX_GROUP_FETCHES = 40;
const REFRESH_EVERY_MS = 300;

export interface ActiveStage {
  readonly stage: string;
  readonly fraction: number;
}

export const status = signal<StatusSnapshot | null>(null);
export const groups = signal<ReadonlyMap<string, GroupOverview>>(new Map());
/** The stage each group is in now, for groups being processed. */
export const activeStages = signal<ReadonlyMap<string, ActiveStage>>(new Map());
/** The latest events, newest first. */
export const feed = signal<readonly StoredEvent[]>([]);
export const loadError = signal<string | null>(null);
/** Bumped once the read models hold a new product (MS, image, QA, caltable): views of products refetch on it. */
export const productChanges = signal(0);
const PRODUCT_EVENTS: ReadonlySet<string> = new Set(['MsWritten', 'ImageWritten', 'ImageQaMeasured', 'CaltableRegistered']);
export const link = signal<LiveLink | null>(null);

const dirty = new Set<string>();
let dirtyThrough = 0;
let productsDirty = false;
let refreshing: Promise<void> | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

export function groupIdOf(event: StoredEvent): string | null {
  const id = (event.payload as { groupId?: unknown } | null)?.groupId;
  return typeof id === 'string' ? id : null;
}

function overviewOf(detail: GroupDetail): GroupOverview {
  return {
    groupId: detail.groupId,
    status: detail.status,
    subbandCount: detail.subbands.length,
    expectedSubbands: detail.expectedSubbands,
    missingSubbands: detail.missingSubbands,
    openedAt: detail.openedAt,
    updatedAt: detail.updatedAt,
    ageSeconds: (Date.now() - Date.parse(detail.openedAt)) / 1000,
    lastError: detail.lastError,
  };
}

/** Initial state from REST, then the live tail from where the read models stood; retried until the server answers. */
export async function startStore(attempt = 0): Promise<void> {
  try {
    const [snapshot] = await Promise.all([api.status(), loadVocabulary()]);
    status.value = snapshot;
    await loadGroupLists();
    const through = snapshot.projectedThrough;
    link.value = new LiveLink({
      after: Math.max(0, through - FEED_BACKFILL),
      onEvents: (events) => applyEvents(events, through),
      // After a reconnection the server may have restarted: take its figures afresh.
      onLive: () => scheduleRefresh(),
    });
    loadError.value = null;
  } catch (err) {
    const delay = Math.min(30_000, 1000 * 2 ** attempt);
    loadError.value = `could not load the dashboard's data (${(err as Error).message}); trying again in ${delay / 1000} s`;
    setTimeout(() => void startStore(attempt + 1), delay);
  }
}

async function loadGroupLists(): Promise<void> {
  const states = vocabulary.value?.groupStates ?? [];
  const pages = await Promise.all([api.groups({ limit: PAGE }), ...states.filter((s) => s !== 'completed').map((state) => api.groups({ state, limit: PAGE }))]);
  // The pages replace what was known: a group that left them may have changed state unseen.
  const next = new Map<string, GroupOverview>();
  for (const page of pages) for (const g of page.groups) next.set(g.groupId, g);
  groups.value = prune(next);
  const active = [...next.values()].filter((g) => ACTIVE_STATES.includes(g.status)).slice(0, MAX_GROUP_FETCHES);
  absorbDetails(await Promise.all(active.map((g) => fetchGroup(g.groupId))));
}

function applyEvents(events: readonly StoredEvent[], snapshotThrough: number): void {
  feed.value = [...events.toReversed(), ...feed.value].slice(0, FEED_MAX);
  const stages = new Map(activeStages.value);
  for (const event of events) {
    const id = groupIdOf(event);
    if (id === null) continue;
    const payload = event.payload as { stage?: string; fraction?: number };
    if (event.type === 'StageStarted') stages.set(id, { stage: payload.stage ?? '?', fraction: 0 });
    else if (event.type === 'StageProgress') stages.set(id, { stage: payload.stage ?? '?', fraction: payload.fraction ?? 0 });
    else if (event.type === 'GroupProcessed' || event.type === 'GroupDeadLettered' || event.type === 'StageFailed') stages.delete(id);
    if (event.seq > snapshotThrough) {
      if (PRODUCT_EVENTS.has(event.type)) productsDirty = true;
      dirty.add(id);
      dirtyThrough = Math.max(dirtyThrough, event.seq);
    }
  }
  activeStages.value = stages;
  if (events.some((e) => e.seq > snapshotThrough)) scheduleRefresh();

}

function scheduleRefresh(): void {
  if (refreshTimer !== undefined) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    void (refreshing ??= refresh().finally(() => {
      refreshing = null;
      if (dirty.size > 0) scheduleRefresh();
    }));
  }, REFRESH_EVERY_MS);
}

/** Fetches the status and the groups the events touched, once the read models have folded those events. */
async function refresh(): Promise<void> {
  try {
    const wanted = dirtyThrough;
    let snapshot = await api.status();
    for (let i = 0; snapshot.projectedThrough < wanted && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      snapshot = await api.status();
    }
    const ids = [...dirty];
    dirty.clear();
    if (productsDirty) {
      productsDirty = false;
      productChanges.value++;
    }
    if (ids.length > MAX_GROUP_FETCHES) {
      await loadGroupLists();
      status.value = snapshot;
    } else {
      const details = await Promise.all(ids.map(fetchGroup));
      batch(() => {
        status.value = snapshot;
        absorbDetails(details);
      });
    }
    loadError.value = null;
  } catch (err) {
    loadError.value = `refresh failed: ${(err as Error).message}`;
  }
}

async function fetchGroup(id: string): Promise<GroupDetail | null> {
  try {
    return await api.group(id);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return null;
    throw err;
  }
}

function absorbDetails(details: readonly (GroupDetail | null)[]): void {
  const next = new Map(groups.value);
  const stages = new Map(activeStages.value);
  for (const detail of details) {
    if (detail === null) continue;
    next.set(detail.groupId, overviewOf(detail));
    if (ACTIVE_STATES.includes(detail.status) && detail.currentStage !== null) {
      const run = detail.stages.find((s) => s.stage === detail.currentStage && s.finishedAt === null);
      stages.set(detail.groupId, { stage: detail.currentStage, fraction: run?.fraction ?? 0 });
    } else if (!ACTIVE_STATES.includes(detail.status)) {
      stages.delete(detail.groupId);
    }
  }
  groups.value = prune(next);
  activeStages.value = stages;
}

/** Keeps the newest groups, and every group not yet finished. */
function prune(all: Map<string, GroupOverview>): Map<string, GroupOverview> {
  if (all.size <= KEEP_GROUPS) return all;
  const newestFirst = [...all.values()].sort((a, b) => (a.groupId < b.groupId ? 1 : -1));
  return new Map(newestFirst.filter((g, i) => i < KEEP_GROUPS || g.status !== 'completed').map((g) => [g.groupId, g]));
}
