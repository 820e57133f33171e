import { type Metric, register } from "prom-client";

/**
 * The metric registered under `name` in the default registry, made by `make`
 * the first time: module reloads (tests, several services in one process)
 * share one metric instead of failing on a duplicate name.
 */
export function metricOnce<M extends Metric>(name: string, make: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? make();
}
