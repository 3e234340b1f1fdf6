/** The API's shapes, taken from the server's own schemas so the two cannot drift apart. */
import type { Static } from '@sinclair/typebox';
import type {
  ActiveCalibration as ActiveCalibrationSchema,
  CaltableList,
  GroupDetail as GroupDetailSchema,
  GroupPage as GroupPageSchema,
  FieldSources as FieldSourcesSchema,
  ImageSources as ImageSourcesSchema,
  LightCurve as LightCurveSchema,
  SourcePage as SourcePageSchema,
  ImagePage as ImagePageSchema,
  SkyImageView as SkyImageViewSchema,
  SkyPosition as SkyPositionSchema,
  Status,
  StoredEventSchema,
} from '../../../src/api/schemas.js';

export type GroupPage = Static<typeof GroupPageSchema>;
export type GroupOverview = GroupPage['groups'][number];
export type GroupState = GroupOverview['status'];
type StatusShape = Static<typeof Status>;
/** TypeBox cannot infer a record keyed by a union of literals; the keys are the group states. */
export type StatusSnapshot = Omit<StatusShape, 'queue'> & { queue: Omit<StatusShape['queue'], 'counts'> & { counts: Record<GroupState, number> } };
export type GroupDetail = Static<typeof GroupDetailSchema>;
export type StageTiming = StatusSnapshot['stages'][number];
export type RealtimeGauge = StatusSnapshot['realtime'];
export type ImagePage = Static<typeof ImagePageSchema>;
export type ImageEntry = ImagePage['images'][number];
export type SkyImageView = Static<typeof SkyImageViewSchema>;
export type SkyPosition = Static<typeof SkyPositionSchema>;
export type FieldSources = Static<typeof FieldSourcesSchema>;
export type FieldSource = FieldSources['sources'][number];
export type Caltable = Static<typeof CaltableList>['caltables'][number];
export type ActiveCalibration = Static<typeof ActiveCalibrationSchema>;
export type StoredEvent = Static<typeof StoredEventSchema>;
export type SourcePage = Static<typeof SourcePageSchema>;
export type SourceEntry = SourcePage['sources'][number];
export type LightCurve = Static<typeof LightCurveSchema>;
export type ImageSources = Static<typeof ImageSourcesSchema>;

/** What `/api/v1/ws` sends (src/api/liveEvents.ts). */
export type LiveMessage = { kind: 'event'; event: StoredEvent } | { kind: 'live'; seq: number } | { kind: 'heartbeat'; seq: number; time: string };
