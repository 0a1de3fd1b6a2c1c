// src/admin owns the admin HTTP listener: Prometheus /metrics, /health and /ready, the JSON views under /v1.
// It reads the broker through the AdminSources port at request time and never changes broker state.

export { type AdminListenerAddress, parseAdminListener } from './admin-listener.js';
export { type AdminLogger, type AdminRoute, AdminServer, type AdminServerOptions } from './admin-server.js';
export type { AdminSources } from './admin-sources.js';
export { createBrokerRegistry, pruneDeletedTopics } from './broker-metrics.js';
export {
  type ClusterView,
  clusterView,
  type GroupView,
  groupsView,
  type TopicView,
  topicsView,
} from './cluster-view.js';
