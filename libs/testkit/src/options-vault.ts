// The project's MockOptionsVault (libs/testkit/contracts/src/MockOptionsVault.sol), as the watcher follows it.

/** How the watcher reads MockOptionsVault: the mapped adapter's `events`, no code. */
export const OPTIONS_VAULT_EVENTS = {
  OptionPosition: {
    account: { field: "holder" },
    market: { field: "series", bytes32: true },
    side: { field: "written", map: { false: "LONG", true: "SHORT" } },
    size: { field: "contracts", decimals: 18 },
    option: {
      kind: { field: "isCall", map: { true: "CALL", false: "PUT" } },
      strike: { field: "strike", decimals: 8 },
      expirySeconds: { field: "expiry" },
      impliedVolatility: { field: "iv", decimals: 4 },
    },
  },
};
