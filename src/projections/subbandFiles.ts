import { eachEvent, type Projection } from './projection.js';

/** Every subband file that arrived, per group. */
export const subbandFiles: Projection = {
  name: 'subband_files',
  version: 1,
  tables: [{ name: 'subband_files', orderBy: 'group_id, subband' }],
  eventTypes: ['SubbandArrived'],
  ddl: `CREATE TABLE IF NOT EXISTS subband_files (
    group_id TEXT NOT NULL,
    subband INTEGER NOT NULL,
    path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    mtime TEXT NOT NULL,
    arrived_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (group_id, subband)
  ) STRICT`,
  bind(db) {
    const insert = db.prepare(
      'INSERT INTO subband_files (group_id, subband, path, size_bytes, mtime, arrived_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    return eachEvent((event) => {
      if (event.type !== 'SubbandArrived') return;
      const { groupId, subband, path, sizeBytes, mtime } = event.payload;
      insert.run(groupId, subband, path, sizeBytes, mtime, event.time, event.seq);
    });
  },
};
