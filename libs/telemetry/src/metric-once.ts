import { type Metric, register } from "prom-client";

/** A prom-client metric class (Counter, Gauge, Histogram, Summary): constructed from its options, name included. */
export type MetricClass<M extends Metric, O extends { readonly name: string }> = new (options: O) => M;

/**
 * The metric registered under `options.name` in the default registry, made
 * from `options` the first time: module reloads (tests, several services in
 * one process) share one metric instead of failing on a duplicate name. The
 * name is written once, in the options.
 */
export function metricOnce<M extends Metric, O extends { readonly name: string }>(
  type: MetricClass<M, O>,
  options: O,
): M {
  return (register.getSingleMetric(options.name) as M | undefined) ?? new type(options);
}
