import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import type { GroupDetail, StoredEvent } from '../api/types.js';
import type { PayloadOf } from '../../../src/eventlog/schema.js';
import { bytes } from './format.js';

/** One link of the chain files → MS → calibration → images → QA → photometry, and the events that make it. */
interface Step {
  readonly label: string;
  readonly describe: (events: readonly StoredEvent[], group: GroupDetail) => ComponentChildren | null;
}

const of = <T extends keyof PayloadMap>(events: readonly StoredEvent[], type: T) => events.filter((e) => e.type === type).map((e) => e.payload as PayloadMap[T]);
type PayloadMap = { [T in 'MsWritten' | 'FlagsComputed' | 'CaltableRegistered' | 'CalibrationApplied' | 'ImageWritten' | 'ImageQaMeasured' | 'CrossMatchCompleted' | 'PhotometryMeasured']: PayloadOf<T> };
const last = <T,>(values: readonly T[]) => values[values.length - 1];

const STEPS: readonly Step[] = [
  {
    label: 'raw files',
    describe: (_, g) => (g.files.length === 0 ? null : `${g.files.length} subband files, ${bytes(g.files.reduce((n, f) => n + f.sizeBytes, 0))}`),
  },
  {
    label: 'measurement set',
    describe: (events) => {
      const ms = last(of(events, 'MsWritten'));
      return ms ? `${ms.msPath} (${ms.rows} rows, ${ms.antennas} antennas, ${ms.spectralWindows}×${ms.channels} channels)` : null;
    },
  },
  {
    label: 'flags',
    describe: (events) => {
      const f = last(of(events, 'FlagsComputed'));
      return f ? `${(100 * f.flaggedFraction).toFixed(1)} % flagged` : null;
    },
  },
  {
    label: 'caltables',
    describe: (events) => {
      const tables = of(events, 'CaltableRegistered');
      const applied = last(of(events, 'CalibrationApplied'));
      if (tables.length === 0 && !applied) return null;
      return [...tables.map((t) => `${t.kind} ${t.caltableId}`), ...(applied ? [`applied ${applied.caltableIds.join(', ')}`] : [])].join('; ');
    },
  },
  {
    label: 'images',
    describe: (events) => {
      const images = of(events, 'ImageWritten');
      return images.length === 0
        ? null
        : images.map((i, n) => (
            <span key={i.imageId}>
              {n > 0 && '; '}
              <Link href={`/images/${i.imageId}`}>{i.imageId}</Link> ({i.mode}, {i.sizePx} px)
            </span>
          ));
    },
  },
  {
    label: 'image QA',
    describe: (events) => {
      const qa = of(events, 'ImageQaMeasured');
      return qa.length === 0 ? null : qa.map((q) => `${q.imageId}: ${q.grade}, rms ${q.rmsJy.toExponential(2)} Jy, DR ${q.dynamicRange.toFixed(0)}`).join('; ');
    },
  },
  {
    label: 'cross-match',
    describe: (events) => {
      const cm = of(events, 'CrossMatchCompleted');
      return cm.length === 0 ? null : cm.map((c) => `${c.catalog}: ${c.matched} matched`).join('; ');
    },
  },
  {
    label: 'photometry',
    describe: (events) => {
      const ph = of(events, 'PhotometryMeasured');
      return ph.length === 0 ? null : `${ph.reduce((n, p) => n + p.measurements.length, 0)} measurements`;
    },
  },
];

/** The group's products so far, from its own events; steps not reached yet say so. */
export function Provenance({ group, events }: { group: GroupDetail; events: readonly StoredEvent[] }) {
  return (
    <ol class="provenance" data-testid="provenance">
      {STEPS.map((step) => {
        const text = step.describe(events, group);
        return (
          <li key={step.label} class={text === null ? 'missing' : 'present'} data-step={step.label}>
            <span class="label">{step.label}</span>
            <span class="value">{text ?? 'not yet'}</span>
          </li>
        );
      })}
    </ol>
  );
}
