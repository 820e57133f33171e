// Chainlink's public interfaces, written out from AggregatorV3Interface.sol and
// AggregatorInterface.sol (@chainlink/contracts), which is not installed here.

/** AggregatorV3Interface: what price and sequencer-uptime feeds answer. */
export const aggregatorV3Abi = [
  { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ type: "uint8" }] },
  {
    type: "function",
    name: "description",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "string" }],
  },
  { type: "function", name: "version", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
  {
    type: "function",
    name: "getRoundData",
    stateMutability: "view",
    inputs: [{ name: "_roundId", type: "uint80" }],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
] as const;

/**
 * The answer bounds of an OCR aggregator (OffchainAggregator and its
 * access-controlled and OCR2 successors): a report outside them is refused,
 * so an answer at a bound may hide a price beyond it.
 */
export const aggregatorBoundsAbi = [
  { type: "function", name: "minAnswer", stateMutability: "view", inputs: [], outputs: [{ type: "int192" }] },
  { type: "function", name: "maxAnswer", stateMutability: "view", inputs: [], outputs: [{ type: "int192" }] },
] as const;

/** AggregatorInterface events, emitted by the aggregator behind a feed's proxy. */
export const aggregatorEventsAbi = [
  {
    type: "event",
    name: "AnswerUpdated",
    inputs: [
      { name: "current", type: "int256", indexed: true },
      { name: "roundId", type: "uint256", indexed: true },
      { name: "updatedAt", type: "uint256", indexed: false },
    ],
  },
  {
    type: "event",
    name: "NewRound",
    inputs: [
      { name: "roundId", type: "uint256", indexed: true },
      { name: "startedBy", type: "address", indexed: true },
      { name: "startedAt", type: "uint256", indexed: false },
    ],
  },
] as const;

/**
 * A feed's proxy (AggregatorProxy / EACAggregatorProxy): consumers read
 * through it while its owner replaces the aggregator behind it in two steps.
 */
export const aggregatorProxyAbi = [
  {
    type: "function",
    name: "aggregator",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "address" }],
  },
  {
    type: "event",
    name: "AggregatorProposed",
    inputs: [
      { name: "current", type: "address", indexed: true },
      { name: "proposed", type: "address", indexed: true },
    ],
  },
  {
    type: "event",
    name: "AggregatorConfirmed",
    inputs: [
      { name: "previous", type: "address", indexed: true },
      { name: "latest", type: "address", indexed: true },
    ],
  },
] as const;
