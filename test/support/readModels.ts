import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The read models of a data directory without what legitimately differs between two runs of the
 * same input (times, attempts, leases, sequence numbers), with the data directory's own path
 * replaced by DATA: what must be equal between a run and its crashed or clustered twin.
 */
export function comparableReadModels(data: string, file = 'readmodels.sqlite'): unknown {
  const db = new Database(join(data, 'state', file), { readonly: true });
  try {
    const models = {
      groups: db.prepare('SELECT group_id, status, subband_count, missing_subbands, last_completed_stage, last_error FROM groups ORDER BY group_id').all(),
      files: db.prepare('SELECT group_id, subband, path, size_bytes FROM subband_files ORDER BY group_id, subband').all(),
      ms: db.prepare('SELECT group_id, ms_path, rows, spectral_windows, channels, antennas, integrations, ra_deg, dec_deg, mid_mjd FROM ms_index ORDER BY group_id').all(),
      stages: db.prepare('SELECT group_id, stage, status FROM stage_status ORDER BY group_id, stage').all(),
      caltables: db.prepare('SELECT caltable_id, group_id, kind, path, valid_from_mjd, valid_to_mjd, ref_antenna FROM caltables ORDER BY caltable_id').all(),
    };
    return JSON.parse(JSON.stringify(models).replaceAll(data, 'DATA')) as unknown;
  } finally {
    db.close();
  }
}
