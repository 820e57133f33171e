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
): M;
/**
 * The older form, which names the metric twice (here and in `make`'s
 * options). Kept only for the watcher's metrics until they move to the form
 * above; new code uses that.
 */
export function metricOnce<M extends Metric>(name: string, make: () => M): M;
export function metricOnce<M extends Metric, O extends { readonly name: string }>(
  typeOrName: MetricClass<M, O> | string,
  optionsOrMake: O | (() => M),
): M {
  if (typeof typeOrName === "string")
    return (register.getSingleMetric(typeOrName) as M | undefined) ?? (optionsOrMake as () => M)();
  const options = optionsOrMake as O;
  return (register.getSingleMetric(options.name) as M | undefined) ?? new typeOrName(options);
}
