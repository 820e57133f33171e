/** One `{ key, value }` list of an EventLogData (the single items of one value type). */
interface KeyValues<T> {
  readonly items: readonly { readonly key: string; readonly value: T }[];
}

/** The decoded EventLogData of a GMX v2 EventLog (viem's shape of the struct). */
export interface EventLogDataValue {
  readonly addressItems: KeyValues<`0x${string}`>;
  readonly uintItems: KeyValues<bigint>;
  readonly intItems: KeyValues<bigint>;
  readonly boolItems: KeyValues<boolean>;
  readonly bytes32Items: KeyValues<`0x${string}`>;
}

/** Lookups by key into an EventLogData's single items (addresses lowercase). */
export interface EventLogItems {
  address(key: string): `0x${string}` | undefined;
  uint(key: string): bigint | undefined;
  int(key: string): bigint | undefined;
  bool(key: string): boolean | undefined;
  bytes32(key: string): `0x${string}` | undefined;
}

const index = <T>(kv: KeyValues<T>): Map<string, T> => {
  const m = new Map<string, T>();
  for (const { key, value } of kv.items) if (!m.has(key)) m.set(key, value); // the first item of a key wins
  return m;
};

/** Indexes an EventLogData by key, once per log. */
export function eventLogItems(data: EventLogDataValue): EventLogItems {
  const addresses = index(data.addressItems);
  const uints = index(data.uintItems);
  const ints = index(data.intItems);
  const bools = index(data.boolItems);
  const words = index(data.bytes32Items);
  return {
    address: (k) => addresses.get(k)?.toLowerCase() as `0x${string}` | undefined,
    uint: (k) => uints.get(k),
    int: (k) => ints.get(k),
    bool: (k) => bools.get(k),
    bytes32: (k) => words.get(k),
  };
}
