import kafkajs, { type Admin } from 'kafkajs';
import { EventLogOpenError } from './errors.js';

// kafkajs is CommonJS and Node's ESM loader does not see this one among its named exports.
const { ConfigResourceTypes } = kafkajs;

/** Largest record (one append batch) the log's topic takes when contimg creates it. */
export const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;

export interface LogTopic {
  /** The topic's `max.message.bytes`: an append whose record is larger is refused before sending. */
  readonly maxRecordBytes: number;
}

/**
 * Creates the log's topic when absent (one partition, never deleted, never compacted, replicated
 * on up to three brokers) and refuses an existing topic that would break the log's promises.
 */
export async function ensureLogTopic(admin: Admin, topic: string): Promise<LogTopic> {
  if (!(await admin.listTopics()).includes(topic)) {
    const replicas = Math.min(3, (await admin.describeCluster()).brokers.length);
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: replicas,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '-1' },
            { name: 'retention.bytes', value: '-1' },
            { name: 'max.message.bytes', value: String(DEFAULT_MAX_RECORD_BYTES) },
            // acks=all then means "on two brokers" wherever three hold the topic.
            ...(replicas >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : []),
          ],
        },
      ],
    });
  }
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  const partitions = metadata?.partitions.length ?? 0;
  if (partitions !== 1) {
    throw new EventLogOpenError(`Kafka topic "${topic}" has ${partitions} partitions; the contimg event log needs exactly 1 (it is the log's global order)`);
  }
  const config = await topicConfig(admin, topic);
  const refuse = (why: string) => {
    throw new EventLogOpenError(`Kafka topic "${topic}" cannot hold the contimg event log: ${why}`);
  };
  if (config.get('cleanup.policy') !== 'delete') refuse(`cleanup.policy is "${config.get('cleanup.policy')}": compaction would drop events`);
  if (config.get('retention.ms') !== '-1') refuse(`retention.ms is ${config.get('retention.ms')}: events would expire (set it to -1)`);
  if (config.get('retention.bytes') !== '-1') refuse(`retention.bytes is ${config.get('retention.bytes')}: events would be deleted (set it to -1)`);
  return { maxRecordBytes: Number(config.get('max.message.bytes')) };
}

async function topicConfig(admin: Admin, topic: string): Promise<Map<string, string>> {
  const names = ['cleanup.policy', 'retention.ms', 'retention.bytes', 'max.message.bytes'];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }],
  });
  return new Map((resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]));
}
