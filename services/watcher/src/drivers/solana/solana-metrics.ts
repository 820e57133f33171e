import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge } from "prom-client";

const counter = (name: string, help: string, labelNames: string[]) =>
  metricOnce(Counter, { name, help, labelNames });
const gauge = (name: string, help: string, labelNames: string[]) =>
  metricOnce(Gauge, { name, help, labelNames });

/**
 * Metrics of the Solana driver (default registry), labelled by chain. The
 * RPC ones share their names with the EVM driver's (metricOnce returns the
 * one registered), so one dashboard covers both.
 */
export const solanaMetrics = {
  rpcRequests: counter("bw_watcher_rpc_requests_total", "RPC requests by endpoint and method", [
    "chain",
    "endpoint",
    "method",
  ]),
  rpcErrors: counter(
    "bw_watcher_rpc_errors_total",
    "RPC failures by endpoint and reason (transport, rpc_error, malformed, wrong_chain, behind)",
    ["chain", "endpoint", "reason"],
  ),
  rpcInRotation: gauge("bw_watcher_rpc_endpoint_in_rotation", "1 while the endpoint is in rotation", [
    "chain",
    "endpoint",
  ]),
  endpointSlot: gauge("bw_watcher_solana_endpoint_slot", "Slot each endpoint reports at the commitment", [
    "chain",
    "endpoint",
  ]),
  slotLag: gauge(
    "bw_watcher_solana_slot_lag",
    "Slots between the cluster's slot (at the commitment) and the last processed slot",
    ["chain"],
  ),
  accountsRead: counter(
    "bw_watcher_solana_accounts_read_total",
    "Program accounts read (rate = accounts/s)",
    ["chain", "adapter"],
  ),
  accountsDecoded: counter(
    "bw_watcher_solana_accounts_decoded_total",
    "Changed accounts decoded into events, by adapter",
    ["chain", "adapter"],
  ),
  accountsRejected: counter(
    "bw_watcher_accounts_rejected_total",
    "Accounts an adapter refused, by reason (malformed, stale, wide_confidence, unknown_market, ...)",
    ["chain", "adapter", "reason"],
  ),
  notifications: counter(
    "bw_watcher_solana_notifications_total",
    "programSubscribe notifications received (each wakes a read)",
    ["chain", "endpoint"],
  ),
  rollbacks: counter(
    "bw_watcher_slot_rollbacks_total",
    "Slot rollbacks corrected (a fork dropped processed slots), by depth ('deep' = beyond the window)",
    ["chain", "depth"],
  ),
};
