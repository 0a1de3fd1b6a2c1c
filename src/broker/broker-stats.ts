import { ApiKey } from '../protocol/index.js';

/**
 * Per-topic counters, as Kafka's BrokerTopicMetrics (BytesInPerSec, MessagesInPerSec, …) count them:
 * plain numbers, only ever incremented, read by the metrics layer at scrape time.
 */
export class TopicStats {
  /** Bytes of record batches appended by produce requests (as received, before any conversion). */
  bytesIn = 0;
  /** Records appended by produce requests (a producer's retried duplicate counts nothing). */
  messagesIn = 0;
  /** Bytes of record batches returned by fetch responses. */
  bytesOut = 0;
  /** Bytes of batches a produce request was refused for (too large, corrupt, …). */
  bytesRejected = 0;
  /** Produce partition-requests for this topic, and those answered with an error. */
  produceRequests = 0;
  failedProduceRequests = 0;
  /** Fetch partition-requests for this topic that read from a log, and those answered with an error. */
  fetchRequests = 0;
  failedFetchRequests = 0;
}

/**
 * The broker's TopicStats by topic name, created on first use and kept until `retainTopics` drops
 * a topic that no longer exists (the metrics layer calls it at scrape time with the image's
 * topics). A lookup is one Map.get: no allocation on the produce and fetch paths.
 */
export class BrokerTopicStats {
  private readonly byTopic = new Map<string, TopicStats>();

  topic(name: string): TopicStats {
    let stats = this.byTopic.get(name);
    if (stats === undefined) {
      stats = new TopicStats();
      this.byTopic.set(name, stats);
    }
    return stats;
  }

  /** Forgets topics that are not in `exists` (deleted topics stop being reported, as in Kafka). */
  retainTopics(exists: (name: string) => boolean): void {
    for (const name of this.byTopic.keys()) if (!exists(name)) this.byTopic.delete(name);
  }

  entries(): IterableIterator<[string, TopicStats]> {
    return this.byTopic.entries();
  }
}

/**
 * Upper bounds, in seconds, of the request time histogram's buckets (Prometheus' `le`). From half a
 * millisecond (an in-memory metadata answer) to 30 s (the longest produce timeout people set).
 */
export const REQUEST_TIME_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

const API_KEY_SLOTS = Math.max(...Object.values(ApiKey)) + 1;

/**
 * Request counts and time histograms per API key (Kafka's RequestMetrics: RequestsPerSec and
 * TotalTimeMs by request name). Typed arrays indexed by API key: `record` allocates nothing.
 */
export class RequestStats {
  readonly bucketBounds = REQUEST_TIME_BUCKETS_SECONDS;
  private readonly counts = new Float64Array(API_KEY_SLOTS);
  private readonly sums = new Float64Array(API_KEY_SLOTS);
  /** Non-cumulative bucket counts, `bucketBounds.length` per API key (the last bucket is +Inf). */
  private readonly buckets = new Float64Array(API_KEY_SLOTS * (REQUEST_TIME_BUCKETS_SECONDS.length + 1));

  record(apiKey: number, seconds: number): void {
    if (apiKey < 0 || apiKey >= API_KEY_SLOTS) return;
    const bounds = this.bucketBounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket += 1;
    this.counts[apiKey]! += 1;
    this.sums[apiKey]! += seconds;
    this.buckets[apiKey * (bounds.length + 1) + bucket]! += 1;
  }

  /** The APIs with at least one request, with their count, sum and cumulative bucket counts. */
  *snapshot(): Generator<{ apiKey: number; count: number; sumSeconds: number; cumulative: number[] }> {
    const width = this.bucketBounds.length + 1;
    for (let apiKey = 0; apiKey < API_KEY_SLOTS; apiKey += 1) {
      const count = this.counts[apiKey]!;
      if (count === 0) continue;
      const cumulative: number[] = [];
      let total = 0;
      for (let bucket = 0; bucket < this.bucketBounds.length; bucket += 1) {
        total += this.buckets[apiKey * width + bucket]!;
        cumulative.push(total);
      }
      yield { apiKey, count, sumSeconds: this.sums[apiKey]!, cumulative };
    }
  }
}

/** The counters handlers and the dispatcher keep for the metrics layer (src/admin reads them). */
export class BrokerStats {
  readonly topics = new BrokerTopicStats();
  readonly requests = new RequestStats();
  /** Produce requests with acks=all waiting for their acknowledgement (Kafka's produce purgatory). */
  delayedProduces = 0;
}
