import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge } from "prom-client";

/** Ages (seconds) the watcher reports when scraped; undefined when unknown yet. */
export interface AgeProbe {
  headAgeSeconds(): number | undefined;
  heartbeatAgeSeconds(): number | undefined;
}

const probes = new Map<string, AgeProbe>();

/** Makes the scrape-time age gauges read `probe` for `chainId`. */
export function probeAges(chainId: string, probe: AgeProbe): void {
  probes.set(chainId, probe);
}

function ageGauge(name: string, help: string, read: (p: AgeProbe) => number | undefined): Gauge {
  return metricOnce(Gauge, {
    name,
    help,
    labelNames: ["chain"],
    // annotated: the options' type is inferred from this literal, so `this` gets no contextual type
    collect(this: Gauge) {
      this.reset();
      for (const [chain, probe] of probes) {
        const age = read(probe);
        if (age !== undefined) this.set({ chain }, age);
      }
    },
  });
}

/** Watcher metrics in the default registry, labelled by chain. */
export const watcherMetrics = {
  headBlock: metricOnce(Gauge, {
    name: "bw_watcher_head_block",
    help: "Newest block seen on the chain",
    labelNames: ["chain"],
  }),
  processedBlock: metricOnce(Gauge, {
    name: "bw_watcher_processed_block",
    help: "Last block whose events were all published and checkpointed",
    labelNames: ["chain"],
  }),
  eventsPublished: metricOnce(Counter, {
    name: "bw_watcher_events_published_total",
    help: "Chain events published to the bus, by kind (position, price, retraction, heartbeat)",
    labelNames: ["chain", "kind"],
  }),
  publishDuplicates: metricOnce(Counter, {
    name: "bw_watcher_publish_duplicates_total",
    help: "Publishes the bus dropped as duplicates (republished after a restart), by kind",
    labelNames: ["chain", "kind"],
  }),
  errors: metricOnce(Counter, {
    name: "bw_watcher_errors_total",
    help: "Failures by stage (driver, publish, checkpoint, heartbeat, invalid_event)",
    labelNames: ["chain", "stage"],
  }),
  checkpoints: metricOnce(Counter, {
    name: "bw_watcher_checkpoints_total",
    help: "Checkpoints written",
    labelNames: ["chain"],
  }),
  driverRestarts: metricOnce(Counter, {
    name: "bw_watcher_driver_restarts_total",
    help: "Times the chain driver failed and was restarted from the last checkpoint",
    labelNames: ["chain"],
  }),
  headAge: ageGauge(
    "bw_watcher_head_age_seconds",
    "Seconds since the chain time of the newest block seen",
    (p) => p.headAgeSeconds(),
  ),
  heartbeatAge: ageGauge(
    "bw_watcher_heartbeat_age_seconds",
    "Seconds since the last heartbeat the bus accepted",
    (p) => p.heartbeatAgeSeconds(),
  ),
};
