import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge } from "prom-client";

const counter = (name: string, help: string, labelNames: string[]) =>
  metricOnce(Counter, { name, help, labelNames });
const gauge = (name: string, help: string, labelNames: string[]) =>
  metricOnce(Gauge, { name, help, labelNames });

/** Metrics of the EVM driver (default registry), labelled by chain. */
export const evmMetrics = {
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
  rpcHead: gauge("bw_watcher_rpc_endpoint_head", "Head block each endpoint reports", ["chain", "endpoint"]),
  headSubscriptionLive: gauge(
    "bw_watcher_head_subscription_live",
    "1 while a websocket new-heads subscription is confirmed and not silent (0: polling only)",
    ["chain"],
  ),
  headSubscriptionReplaced: counter(
    "bw_watcher_head_subscription_replaced_total",
    "New-heads subscriptions dropped and replaced, by reason (closed, error, silent, refused, connect_timeout)",
    ["chain", "endpoint", "reason"],
  ),
  headsPushed: counter(
    "bw_watcher_heads_pushed_total",
    "New heads received over the websocket subscription",
    ["chain"],
  ),
  reorgs: counter(
    "bw_watcher_reorgs_total",
    "Reorgs handled, by depth in blocks ('deep' = beyond the window)",
    ["chain", "depth"],
  ),
  headLagBlocks: gauge(
    "bw_watcher_head_lag_blocks",
    "Blocks between the chain head and the last processed block",
    ["chain"],
  ),
  headLagSeconds: gauge(
    "bw_watcher_checkpoint_lag_seconds",
    "Chain time between the head and the last checkpointed block",
    ["chain"],
  ),
  blocksProcessed: counter("bw_watcher_blocks_processed_total", "Blocks processed (rate = blocks/s)", [
    "chain",
  ]),
  logsDecoded: counter("bw_watcher_logs_decoded_total", "Logs decoded into events, by adapter", [
    "chain",
    "adapter",
  ]),
  logsRejected: counter("bw_watcher_logs_rejected_total", "Logs an adapter could not decode, by reason", [
    "chain",
    "adapter",
    "reason",
  ]),
  backfillRemaining: gauge(
    "bw_watcher_backfill_remaining_blocks",
    "Blocks left to backfill (0 = following)",
    ["chain"],
  ),
  backfillRate: gauge("bw_watcher_backfill_blocks_per_second", "Backfill speed", ["chain"]),
  backfillEta: gauge("bw_watcher_backfill_eta_seconds", "Estimated seconds until the backfill catches up", [
    "chain",
  ]),
  pricesWithheld: counter(
    "bw_watcher_prices_withheld_total",
    "Price ticks not published because the chain's prices are untrustworthy (sequencer down or in grace)",
    ["chain", "reason"],
  ),
  feedAge: gauge("bw_watcher_feed_age_seconds", "Seconds since the oracle feed's last update", [
    "chain",
    "feed",
  ]),
  feedAggregatorChanges: counter(
    "bw_watcher_feed_aggregator_changes_total",
    "Feeds moved to a new aggregator behind their proxy (AggregatorConfirmed or a re-read aggregator())",
    ["feed", "proxy"],
  ),
  feedChecksFailed: counter(
    "bw_watcher_feed_checks_failed_total",
    "Feed freshness checks whose latestRoundData read failed (a reorged head block, a reverting feed)",
    ["chain", "feed"],
  ),
};
