/**
 * One request/answer pair in test/fixtures/golden/<client>.json, written by tools/capture and read by
 * src/protocol/golden.test.ts. `request` and `response` are hex frames without their size prefix.
 */
export interface GoldenExchange {
  readonly step: string;
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly request: string;
  readonly response: string | null;
}
