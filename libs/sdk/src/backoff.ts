// The SDK's reconnect and ack backoff is core's, so a venue and the services back off alike.
export type { BackoffOptions } from "@breakwater/core";
export { Backoff } from "@breakwater/core";
