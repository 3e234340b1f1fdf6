import { eachEvent, type Projection } from './projection.js';

/** The latest run of every stage of every group: running, completed or failed, with progress. */
export const stageStatus: Projection = {
  name: 'stage_status',
  version: 1,
  tables: [{ name: 'stage_status', orderBy: 'group_id, stage' }],
  eventTypes: ['StageStarted', 'StageProgress', 'StageCompleted', 'StageFailed'],
  ddl: `CREATE TABLE IF NOT EXISTS stage_status (
    group_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    duration_ms REAL,
    fraction REAL NOT NULL,
    message TEXT,
    error TEXT,
    PRIMARY KEY (group_id, stage)
  ) STRICT`,
  bind(db) {
    const start = db.prepare(
      `INSERT INTO stage_status (group_id, stage, status, attempt, started_at, fraction) VALUES (?, ?, 'running', ?, ?, 0)
       ON CONFLICT (group_id, stage) DO UPDATE SET status = 'running', attempt = excluded.attempt, started_at = excluded.started_at,
         finished_at = NULL, duration_ms = NULL, fraction = 0, message = NULL, error = NULL`,
    );
    const progress = db.prepare('UPDATE stage_status SET fraction = ?, message = ? WHERE group_id = ? AND stage = ?');
    const finish = db.prepare(
      'UPDATE stage_status SET status = ?, finished_at = ?, duration_ms = ?, fraction = ?, error = ? WHERE group_id = ? AND stage = ?',
    );
    return eachEvent((event) => {
      switch (event.type) {
        case 'StageStarted': {
          const { groupId, stage, attempt } = event.payload;
          start.run(groupId, stage, attempt, event.time);
          return;
        }
        case 'StageProgress': {
          const { groupId, stage, fraction, message } = event.payload;
          progress.run(fraction, message ?? null, groupId, stage);
          return;
        }
        case 'StageCompleted': {
          const { groupId, stage, durationMs } = event.payload;
          finish.run('completed', event.time, durationMs, 1, null, groupId, stage);
          return;
        }
        case 'StageFailed': {
          const { groupId, stage, durationMs, error } = event.payload;
          finish.run('failed', event.time, durationMs, 0, error.message, groupId, stage);
          return;
        }
        default:
      }
    });
  },
};
