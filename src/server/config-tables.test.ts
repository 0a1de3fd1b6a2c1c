// The topic config table (src/storage) and the broker config table agree: every broker synonym of
// a topic config is a broker config that can be changed at the cluster default, with the same
// default, so a cluster-wide change reaches topics and DescribeConfigs can report where it came from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfigDefinition, NEVER, TOPIC_CONFIGS } from '../storage/index.js';
import { BROKER_CONFIG_DEFINITIONS, isBrokerConfigName } from './broker-config-definitions.js';

const PYRALOG_ONLY = new Set(['pyralog.log.flush.policy']);

function defaultText(definition: ConfigDefinition): string {
  const value = definition.defaultValue;
  if (Array.isArray(value)) return value.join(',');
  if (definition.type === 'long' && value === NEVER) return '9223372036854775807';
  return String(value);
}

describe('config tables', () => {
  it('every broker synonym of a topic config is a cluster-wide broker config with the same default', () => {
    for (const definition of TOPIC_CONFIGS as readonly ConfigDefinition[]) {
      if (PYRALOG_ONLY.has(definition.brokerSynonym)) continue;
      const name = definition.brokerSynonym;
      assert.ok(isBrokerConfigName(name), `${name} (synonym of ${definition.name}) is a broker config`);
      const broker = BROKER_CONFIG_DEFINITIONS[name];
      assert.equal(broker.dynamic, 'cluster-wide', `${name} is dynamic cluster-wide`);
      // Kafka's own exceptions: log.retention.ms, log.roll.ms and log.flush.interval.ms have no
      // default of their own (they fall back to .hours or the scheduler); the topic default is theirs.
      if (broker.defaultText !== null) assert.equal(broker.defaultText, defaultText(definition), name);
    }
  });
});
