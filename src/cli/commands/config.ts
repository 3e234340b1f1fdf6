import { displayValue, type LoadedConfig, type SettingKey } from '../../config/config.js';

export function printConfig({ config, sources, file }: LoadedConfig, json: boolean): void {
  const keys = Object.keys(config) as SettingKey[];
  const shown = (key: SettingKey) => displayValue(key, config[key]);
  if (json) {
    const entries = keys.map((key): [string, { value: unknown; source: string }] => [key, { value: JSON.parse(shown(key)), source: sources[key] }]);
    process.stdout.write(`${JSON.stringify({ file, settings: Object.fromEntries(entries) }, null, 2)}\n`);
    return;
  }
  const width = Math.max(...keys.map((k) => k.length));
  const valueWidth = Math.max(...keys.map((k) => shown(k).length));
  process.stdout.write(`configuration file: ${file ?? '(none)'}\n`);
  for (const key of keys) {
    process.stdout.write(`${key.padEnd(width)}  ${shown(key).padEnd(valueWidth)}  ${sources[key]}\n`);
  }
}
