// Hardhat network for Breakwater's tests and demo (started by libs/testkit/src/evm-node.ts).
// No sources: nothing is compiled (the contracts of ../contracts are compiled offline with solc-js).
const interval = Number(process.env.BW_EVM_BLOCK_MS ?? "0");
module.exports = {
  paths: { sources: "./no-sources", cache: process.env.BW_EVM_CACHE_DIR ?? "./.cache" },
  networks: {
    hardhat: {
      chainId: Number(process.env.BW_EVM_CHAIN_ID ?? "31337"),
      // the contracts are compiled for shanghai; later forks run them unchanged
      hardfork: "shanghai",
      // a block per transaction, plus an empty block every BW_EVM_BLOCK_MS when set
      mining: { auto: true, interval: Math.max(interval, 0) },
      loggingEnabled: false,
      // block times follow the wall clock even with several blocks a second
      allowBlocksWithSameTimestamp: true,
      // Hardhat's test mnemonic; more accounts for benchmarks (BW_EVM_ACCOUNTS)
      accounts: { count: Number(process.env.BW_EVM_ACCOUNTS ?? "20") },
    },
  },
};
