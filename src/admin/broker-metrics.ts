import type { Registry } from 'prom-client';
import type { TopicStats } from '../broker/index.js';
import { groupLag } from '../coordinator/index.js';
import { apis } from '../protocol/index.js';
import type { Partition } from '../replication/index.js';
import { VERSION } from '../version.js';
import type { AdminSources } from './admin-sources.js';
import { registerScrapeMetric, type Sample, ScrapeMetric, type ScrapeMetricType } from './scrape-metric.js';

type Define = (name: string, help: string, type: ScrapeMetricType, samples: () => readonly Sample[]) => void;

function topicCounters(sources: AdminSources, define: Define): void {
  const counter = (name: string, help: string, read: (stats: TopicStats) => number): void =>
    define(`kafka_server_brokertopicmetrics_${name}_total`, help, 'counter', () => {
      const samples: Sample[] = [];
      for (const [topic, stats] of sources.stats.topics.entries())
        samples.push({ labels: { topic }, value: read(stats) });
      return samples;
    });
  counter(
    'bytes_in',
    'Bytes of record batches produced to the topic (as sent by producers)',
    (s) => s.bytesIn,
  );
  counter('messages_in', 'Records produced to the topic', (s) => s.messagesIn);
  counter('bytes_out', 'Bytes of record batches returned to fetch requests', (s) => s.bytesOut);
  counter('bytes_rejected', 'Bytes of batches refused by produce validation', (s) => s.bytesRejected);
  counter('total_produce_requests', 'Produce partition-requests for the topic', (s) => s.produceRequests);
  counter(
    'failed_produce_requests',
    'Produce partition-requests answered with an error',
    (s) => s.failedProduceRequests,
  );
  counter('total_fetch_requests', 'Fetch partition-requests that read the topic', (s) => s.fetchRequests);
  counter(
    'failed_fetch_requests',
    'Fetch partition-requests answered with an error',
    (s) => s.failedFetchRequests,
  );
}

function requestMetrics(sources: AdminSources, define: Define): void {
  const requests = sources.stats.requests;
  const nameOf = (apiKey: number): string => apis[apiKey as keyof typeof apis]?.name ?? String(apiKey);
  define('kafka_network_requestmetrics_requests_total', 'Requests received, by API', 'counter', () =>
    [...requests.snapshot()].map((api) => ({ labels: { request: nameOf(api.apiKey) }, value: api.count })),
  );
  const name = 'kafka_network_requestmetrics_total_time_seconds';
  define(
    name,
    'Time from dispatching a request to its encoded response (or failure), by API',
    'histogram',
    () => {
      const samples: Sample[] = [];
      for (const api of requests.snapshot()) {
        const request = nameOf(api.apiKey);
        api.cumulative.forEach((count, bucket) => {
          const le = requests.bucketBounds[bucket]!;
          samples.push({ metricName: `${name}_bucket`, labels: { request, le }, value: count });
        });
        samples.push({ metricName: `${name}_bucket`, labels: { request, le: '+Inf' }, value: api.count });
        samples.push({ metricName: `${name}_sum`, labels: { request }, value: api.sumSeconds });
        samples.push({ metricName: `${name}_count`, labels: { request }, value: api.count });
      }
      return samples;
    },
  );
  define(
    'kafka_server_delayedoperationpurgatory_purgatory_size',
    'Requests waiting in purgatory: produce waiting for acks=all, fetch long polls',
    'gauge',
    () => [
      { labels: { delayed_operation: 'Produce' }, value: sources.stats.delayedProduces },
      { labels: { delayed_operation: 'Fetch' }, value: sources.replicas.delayedFetches.size },
    ],
  );
}

function partitionMetrics(sources: AdminSources, define: Define): void {
  const gauge = (name: string, help: string, samples: () => readonly Sample[]): void =>
    define(name, help, 'gauge', samples);
  const image = sources.metadata;
  gauge('kafka_server_replicamanager_partition_count', 'Partitions hosted by this broker', () => [
    { labels: {}, value: sources.replicas.allPartitions().length },
  ]);
  gauge('kafka_server_replicamanager_leader_count', 'Partitions this broker leads', () => {
    let leaders = 0;
    for (const topic of image().topicsByName.values())
      for (const p of topic.partitions.values()) if (p.leader === sources.nodeId) leaders += 1;
    return [{ labels: {}, value: leaders }];
  });
  gauge(
    'kafka_server_replicamanager_under_replicated_partitions',
    'Partitions led by this broker whose in-sync replicas are fewer than their replicas',
    () => {
      let under = 0;
      for (const topic of image().topicsByName.values())
        for (const p of topic.partitions.values())
          if (p.leader === sources.nodeId && p.isr.length < p.replicas.length) under += 1;
      return [{ labels: {}, value: under }];
    },
  );
  gauge('kafka_controller_kafkacontroller_global_topic_count', 'Topics in the cluster', () => [
    { labels: {}, value: image().topicsByName.size },
  ]);
  gauge('kafka_controller_kafkacontroller_global_partition_count', 'Partitions in the cluster', () => {
    let count = 0;
    for (const topic of image().topicsByName.values()) count += topic.partitions.size;
    return [{ labels: {}, value: count }];
  });
  const perPartition = (name: string, help: string, read: (p: Partition) => number | bigint): void =>
    gauge(name, help, () =>
      sources.replicas
        .allPartitions()
        .map((p) => ({ labels: { topic: p.topic, partition: p.partition }, value: Number(read(p)) })),
    );
  perPartition(
    'kafka_log_log_size_bytes',
    'Bytes of the partition log on disk (all segments)',
    (p) => p.log.sizeInBytes,
  );
  perPartition('kafka_log_log_start_offset', 'First offset of the partition log', (p) => p.logStartOffset);
  perPartition('kafka_log_log_end_offset', 'Offset the next record appended gets', (p) => p.logEndOffset);
  perPartition('kafka_cluster_partition_high_watermark', 'Last committed offset + 1', (p) => p.highWatermark);
}

function groupMetrics(sources: AdminSources, define: Define): void {
  const lagSamples = (read: (lag: bigint, committed: bigint) => bigint): Sample[] => {
    const store = sources.groups.classic.offsets;
    const samples: Sample[] = [];
    for (const group of store.groupIds()) {
      const ends = new Map<string, bigint[]>();
      for (const offset of store.list(group)) {
        const partition = sources.replicas.getPartition(offset.topic, offset.partition);
        if (partition === undefined) continue;
        const topicEnds = ends.get(offset.topic) ?? [];
        topicEnds[offset.partition] = partition.highWatermark;
        ends.set(offset.topic, topicEnds);
      }
      for (const entry of groupLag(store, group, ends)) {
        if (entry.lag === null) continue;
        samples.push({
          labels: { group, topic: entry.topic, partition: entry.partition },
          value: Number(read(entry.lag, entry.committedOffset)),
        });
      }
    }
    return samples;
  };
  define('kafka_consumergroup_lag', 'High watermark minus the committed offset, per partition', 'gauge', () =>
    lagSamples((lag) => lag),
  );
  define('kafka_consumergroup_current_offset', 'The committed offset, per partition', 'gauge', () =>
    lagSamples((_, committed) => committed),
  );
}

function networkMetrics(sources: AdminSources, define: Define): void {
  const read = (value: (n: NonNullable<ReturnType<AdminSources['network']>>) => number) => (): Sample[] => {
    const network = sources.network();
    return network === undefined ? [] : [{ labels: {}, value: value(network) }];
  };
  const prefix = 'kafka_server_socketservermetrics';
  define(
    `${prefix}_connection_count`,
    'Open client connections',
    'gauge',
    read((n) => n.activeConnections),
  );
  define(
    `${prefix}_connection_creation_total`,
    'Connections accepted',
    'counter',
    read((n) => n.connectionsAccepted),
  );
  define(
    `${prefix}_connection_close_total`,
    'Connections closed',
    'counter',
    read((n) => n.connectionsClosed),
  );
  define(
    `${prefix}_connections_rejected_total`,
    'Connections refused at max.connections',
    'counter',
    read((n) => n.connectionsRejected),
  );
  define(
    `${prefix}_incoming_byte_total`,
    'Request bytes received',
    'counter',
    read((n) => n.bytesReceived),
  );
}

/** Drops the per-topic counters of deleted topics (as Kafka removes their metrics); call before a scrape. */
export function pruneDeletedTopics(sources: AdminSources): void {
  const topics = sources.metadata().topicsByName;
  sources.stats.topics.retainTopics((name) => topics.has(name));
}

/**
 * The broker's Prometheus registry: Kafka's metric names as the Prometheus JMX exporter spells them
 * (kafka_server_brokertopicmetrics_bytes_in_total{topic}, kafka_network_requestmetrics_*{request},
 * kafka_log_log_*{topic,partition}, kafka_consumergroup_lag{group,topic,partition} as
 * kafka_exporter names it), pyralog_build_info, and prom-client's process and Node.js metrics
 * (event-loop lag, heap, GC; measured from the first scrape, which creates the registry and loads
 * prom-client). Every value is read when scraped.
 */
export async function createBrokerRegistry(sources: AdminSources): Promise<Registry> {
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  const define: Define = (name, help, type, samples) =>
    registerScrapeMetric(registry, new ScrapeMetric(name, help, type, samples));
  define('pyralog_build_info', 'Version, cluster and node of this broker (value 1)', 'gauge', () => [
    { labels: { version: VERSION, cluster_id: sources.clusterId, node_id: sources.nodeId }, value: 1 },
  ]);
  topicCounters(sources, define);
  requestMetrics(sources, define);
  partitionMetrics(sources, define);
  groupMetrics(sources, define);
  networkMetrics(sources, define);
  collectDefaultMetrics({ register: registry });
  return registry;
}
