// Test tooling: real servers on free loopback ports (NATS, a Kafka-protocol mock cluster), service processes, polling.

// An Aave-shaped pool on the lab chain (the real Aave v3 events and reads).
export type { AaveEModeSpec, AaveLab, AaveReserveSpec } from "./aave-lab.js";
export { deployAavePool } from "./aave-lab.js";
// Headless Chromium (Debian's) driven by playwright-core, for page tests.
export type { Browser } from "./browser.js";
export { CHROMIUM, chromiumAvailable, launchChromium } from "./browser.js";
// A local EVM chain with the reference venue, feeds and options vault: tests, the demo and the bench.
export type { Artifact, EvmLab, EvmLabOptions, Landed } from "./evm-lab.js";
export { loadArtifact, startEvmLab } from "./evm-lab.js";
export type { EvmNode, EvmNodeOptions } from "./evm-node.js";
export { startEvmNode } from "./evm-node.js";
export type { GmxLab, GmxMarketSpec, GmxPositionState, GmxTokenSpec } from "./gmx-lab.js";
export { deployGmxEmitter } from "./gmx-lab.js";
// librdkafka's mock cluster (a Kafka-protocol broker) through kcat, and kcat as an independent reader.
export type { KafkaMock, KcatRecord } from "./kafka-mock.js";
export { kcatBinary, readTopic, startKafkaMock } from "./kafka-mock.js";
export type { NatsServer, NatsTlsFiles } from "./nats-server.js";
export { natsServerBinary, natsTlsFiles, startNats } from "./nats-server.js";
export { OPTIONS_VAULT_EVENTS } from "./options-vault.js";
// Development certificates, a venue registry and a signing key for tests.
export type { TestPki, TestVenueScope } from "./pki.js";
export { createTestPki, sharedTestPki, sharedTestPkiNow, TEST_VENUES, tlsEnvOf } from "./pki.js";
export { freePort, waitForPort } from "./ports.js";
export type { RpcFault, RpcProxy } from "./rpc-proxy.js";
export { startRpcProxy } from "./rpc-proxy.js";
export type { ServiceProcess } from "./service-process.js";
export { eventually, startService } from "./service-process.js";
export type { SlotClock } from "./solana/slot-clock.js";
export { startSlotClock } from "./solana/slot-clock.js";
// A loopback Solana JSON-RPC for the Solana driver's tests (no validator runs here).
export type { AccountAt, Commitment, LedgerOptions } from "./solana/solana-ledger.js";
export { SolanaLedger } from "./solana/solana-ledger.js";
export type { SolanaRpcFault, SolanaRpcServer } from "./solana/solana-rpc-server.js";
export { startSolanaRpc } from "./solana/solana-rpc-server.js";
export type { SolanaSubscriptions } from "./solana/solana-subscriptions.js";
export { startSolanaSubscriptions } from "./solana/solana-subscriptions.js";
export type { TcpProxy, TcpProxyMode } from "./tcp-proxy.js";
export { startTcpProxy } from "./tcp-proxy.js";
