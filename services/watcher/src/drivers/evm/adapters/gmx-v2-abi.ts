// GMX v2's public event interface, written out from EventEmitter.sol and
// EventUtils.sol (gmx-io/gmx-synthetics, contracts/event/): every venue event
// is one of three EventEmitter logs whose data is an EventLogData struct of
// key-value items per value type.

/** `{ string key; T value; }` and `{ string key; T[] value; }` of EventUtils. */
const keyValues = <const T extends string>(type: T) =>
  ({
    type: "tuple",
    components: [
      {
        name: "items",
        type: "tuple[]",
        components: [
          { name: "key", type: "string" },
          { name: "value", type },
        ],
      },
      {
        name: "arrayItems",
        type: "tuple[]",
        components: [
          { name: "key", type: "string" },
          { name: "value", type: `${type}[]` },
        ],
      },
    ],
  }) as const;

/** EventUtils.EventLogData. */
export const eventLogData = {
  name: "eventData",
  type: "tuple",
  components: [
    { name: "addressItems", ...keyValues("address") },
    { name: "uintItems", ...keyValues("uint256") },
    { name: "intItems", ...keyValues("int256") },
    { name: "boolItems", ...keyValues("bool") },
    { name: "bytes32Items", ...keyValues("bytes32") },
    { name: "bytesItems", ...keyValues("bytes") },
    { name: "stringItems", ...keyValues("string") },
  ],
} as const;

const head = [
  { name: "msgSender", type: "address", indexed: false },
  { name: "eventName", type: "string", indexed: false },
  { name: "eventNameHash", type: "string", indexed: true },
] as const;

/** EventEmitter's EventLog, EventLog1 and EventLog2. */
export const gmxEventEmitterAbi = [
  { type: "event", name: "EventLog", inputs: [...head, { ...eventLogData, indexed: false }] },
  {
    type: "event",
    name: "EventLog1",
    inputs: [
      ...head,
      { name: "topic1", type: "bytes32", indexed: true },
      { ...eventLogData, indexed: false },
    ],
  },
  {
    type: "event",
    name: "EventLog2",
    inputs: [
      ...head,
      { name: "topic1", type: "bytes32", indexed: true },
      { name: "topic2", type: "bytes32", indexed: true },
      { ...eventLogData, indexed: false },
    ],
  },
] as const;

/** Order.OrderType of GMX v2 (the position events' `orderType`). */
export const GMX_ORDER_TYPE_LIQUIDATION = 7n;
