import { assertNever } from './assert.js';
import type { ClusterConfig, NodeId } from './log-entry.js';

/**
 * One-server-at-a-time changes (thesis §4.1): any two consecutive configurations share a majority, so
 * each change is a single config entry that takes effect as soon as a node appends it.
 * Adding a voter directly is allowed, but adding it as a learner first and promoting it once it caught
 * up keeps the cluster available meanwhile (thesis §4.2.1).
 */
export type ConfigChange =
  | { readonly kind: 'addVoter'; readonly nodeId: NodeId }
  | { readonly kind: 'addLearner'; readonly nodeId: NodeId }
  | { readonly kind: 'promoteLearner'; readonly nodeId: NodeId }
  | { readonly kind: 'removeServer'; readonly nodeId: NodeId };

/** The configuration after `change`, or a reason why the change is not valid from `config`. */
export function applyConfigChange(
  config: ClusterConfig,
  change: ConfigChange,
): { ok: true; config: ClusterConfig } | { ok: false; reason: string } {
  const { nodeId } = change;
  const voter = config.voters.includes(nodeId);
  const learner = config.learners.includes(nodeId);
  switch (change.kind) {
    case 'addVoter':
      if (voter || learner) return { ok: false, reason: `node ${nodeId} is already a member` };
      return { ok: true, config: { voters: sorted([...config.voters, nodeId]), learners: config.learners } };
    case 'addLearner':
      if (voter || learner) return { ok: false, reason: `node ${nodeId} is already a member` };
      return { ok: true, config: { voters: config.voters, learners: sorted([...config.learners, nodeId]) } };
    case 'promoteLearner':
      if (!learner) return { ok: false, reason: `node ${nodeId} is not a learner` };
      return {
        ok: true,
        config: {
          voters: sorted([...config.voters, nodeId]),
          learners: config.learners.filter((id) => id !== nodeId),
        },
      };
    case 'removeServer':
      if (!voter && !learner) return { ok: false, reason: `node ${nodeId} is not a member` };
      if (voter && config.voters.length === 1) return { ok: false, reason: 'cannot remove the last voter' };
      return {
        ok: true,
        config: {
          voters: config.voters.filter((id) => id !== nodeId),
          learners: config.learners.filter((id) => id !== nodeId),
        },
      };
    default:
      return assertNever(change);
  }
}

export function isVoter(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id);
}

/** Everyone the leader replicates to: voters and learners except itself. */
export function replicationTargets(config: ClusterConfig, self: NodeId): NodeId[] {
  return [...config.voters, ...config.learners].filter((id) => id !== self);
}

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** The largest value that a majority of `values` (one per voter) reaches or exceeds. */
export function quorumValue(values: readonly number[]): number {
  const descending = [...values].sort((a, b) => b - a);
  return descending[quorumSize(values.length) - 1] ?? 0;
}

function sorted(ids: readonly NodeId[]): NodeId[] {
  return [...ids].sort((a, b) => a - b);
}
