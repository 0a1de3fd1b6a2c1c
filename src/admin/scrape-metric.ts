import type { Metric, Registry } from 'prom-client';

export type LabelValues = Readonly<Record<string, string | number>>;

/** One sample: labels and value, and for a histogram's series the full name (`…_bucket`, `…_sum`). */
export interface Sample {
  readonly labels: LabelValues;
  readonly value: number;
  readonly metricName?: string;
}

export type ScrapeMetricType = 'counter' | 'gauge' | 'histogram';

/**
 * A metric whose samples are computed when Prometheus scrapes, from counters the broker keeps as
 * plain numbers. prom-client's own Counter/Histogram would hash a label string on every `inc` or
 * `observe`; on the produce and fetch paths that is an allocation per request, which this avoids.
 * prom-client's Registry formats it like its own metrics (it calls `get()` and escapes label values).
 */
export class ScrapeMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: ScrapeMetricType,
    private readonly samples: () => readonly Sample[],
  ) {}

  async get(): Promise<{
    name: string;
    help: string;
    type: ScrapeMetricType;
    aggregator: 'sum';
    values: readonly Sample[];
  }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples(),
    };
  }
}

/**
 * Registers `metric`. prom-client's Registry accepts any object with name, help, type, aggregator
 * and `get()`, but its type lists only its own classes, hence the one cast here.
 */
export function registerScrapeMetric(registry: Registry, metric: ScrapeMetric): void {
  registry.registerMetric(metric as unknown as Metric);
}
