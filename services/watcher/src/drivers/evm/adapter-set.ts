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
  /**
   * The contracts whose logs are read (lowercase), in configuration order;
   * rebuilt when an adapter's contracts change (a feed proxy's new aggregator).
   */
  addresses: readonly `0x${string}`[] = [];
  /** Some adapter decodes with block times: decoding waits for the headers. */
  readonly needsBlockTime: boolean;
  readonly preparing: readonly AdapterWith<"prepare">[];
  readonly priceGates: readonly AdapterWith<"distrustPrices">[];
  readonly feeds: readonly AdapterWith<"freshness">[];
  private byAddress = new Map<string, LogAdapter[]>();

  constructor(private readonly adapters: readonly LogAdapter[]) {
    this.index();
    for (const a of adapters) a.onAddressesChange?.(() => this.index());
    this.needsBlockTime = adapters.some((a) => a.needsBlockTime === true);
    this.preparing = adapters.filter(offers("prepare"));
    this.priceGates = adapters.filter(offers("distrustPrices"));
    this.feeds = adapters.filter(offers("freshness"));
  }

  private index(): void {
    const byAddress = new Map<string, LogAdapter[]>();
    for (const a of this.adapters)
      for (const address of a.addresses) byAddress.set(address, [...(byAddress.get(address) ?? []), a]);
    this.addresses = [...byAddress.keys()] as `0x${string}`[];
    // a contract an adapter left is no longer read, but its logs already read still reach the
    // adapter (which refuses them, counted), rather than vanishing unrouted
    for (const [address, of] of this.byAddress) if (!byAddress.has(address)) byAddress.set(address, of);
    this.byAddress = byAddress;
  }

  /** The adapters of the contract at `address` (none for a contract nobody watches). */
  of(address: string): readonly LogAdapter[] {
    return this.byAddress.get(address) ?? NONE;
  }
}

const NONE: readonly LogAdapter[] = [];
