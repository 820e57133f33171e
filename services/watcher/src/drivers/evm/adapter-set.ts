import type { LogAdapter } from "./adapters/adapter.js";

/** An adapter that offers capability `K` of LogAdapter. */
export type AdapterWith<K extends keyof LogAdapter> = LogAdapter & Required<Pick<LogAdapter, K>>;

const offers =
  <K extends keyof LogAdapter>(capability: K) =>
  (a: LogAdapter): a is AdapterWith<K> =>
    a[capability] !== undefined;

/**
 * A chain's adapters, indexed the way the driver uses them: by the contract
 * whose logs each decodes, and by the optional capabilities each offers.
 */
export class AdapterSet {
  /** The contracts whose logs are read (lowercase), in configuration order. */
  readonly addresses: readonly `0x${string}`[];
  /** Some adapter decodes with block times: decoding waits for the headers. */
  readonly needsBlockTime: boolean;
  readonly preparing: readonly AdapterWith<"prepare">[];
  readonly priceGates: readonly AdapterWith<"distrustPrices">[];
  readonly feeds: readonly AdapterWith<"freshness">[];
  private readonly byAddress = new Map<string, LogAdapter[]>();

  constructor(adapters: readonly LogAdapter[]) {
    for (const a of adapters)
      for (const address of a.addresses)
        this.byAddress.set(address, [...(this.byAddress.get(address) ?? []), a]);
    this.addresses = [...this.byAddress.keys()] as `0x${string}`[];
    this.needsBlockTime = adapters.some((a) => a.needsBlockTime === true);
    this.preparing = adapters.filter(offers("prepare"));
    this.priceGates = adapters.filter(offers("distrustPrices"));
    this.feeds = adapters.filter(offers("freshness"));
  }

  /** The adapters of the contract at `address` (none for a contract nobody watches). */
  of(address: string): readonly LogAdapter[] {
    return this.byAddress.get(address) ?? NONE;
  }
}

const NONE: readonly LogAdapter[] = [];
