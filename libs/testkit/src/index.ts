// Test tooling: real servers on free loopback ports, service processes, polling.

export type { EvmNode, EvmNodeOptions } from "./evm-node.js";
export { startEvmNode } from "./evm-node.js";
export type { NatsServer } from "./nats-server.js";
export { natsServerBinary, startNats } from "./nats-server.js";
export { freePort, waitForPort } from "./ports.js";
export type { RpcFault, RpcProxy } from "./rpc-proxy.js";
export { startRpcProxy } from "./rpc-proxy.js";
export type { ServiceProcess } from "./service-process.js";
export { eventually, startService } from "./service-process.js";
