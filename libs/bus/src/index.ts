// The bus: the only package that names NATS subjects, streams, consumers and buckets.

export type { BusIdentity } from "./authorization.js";
export { deploymentRoles, renderAuthorization } from "./authorization.js";
export type { ChainEvent, ChainEventCodecs, ChainEventKind, ChainEventOf } from "./chain-event.js";
export {
  CHAIN_EVENT_KINDS,
  chainEventKindOf,
  chainEventSubject,
  decodeChainEvent,
  encodeChainEvent,
} from "./chain-event.js";
export type { AmountBoundsOf, Codec } from "./codec.js";
export { chainEventCodecs, codecs } from "./codec.js";
export type { Bus, ConnectOptions, NatsCredentials, NatsTls } from "./connection.js";
export { asPermissionError, connectBus, ensureStreams } from "./connection.js";
export type { BusLogger, DurableConsumerSpec, RunningConsumer } from "./consume.js";
export { ackFloor, consumeDurable, ensureDurable } from "./consume.js";
export type { Rejected } from "./dead-letter.js";
export { deadLetter } from "./dead-letter.js";
export type { DeadLetterQueueOptions } from "./dead-letter-queue.js";
export { DeadLetterQueue } from "./dead-letter-queue.js";
export {
  BusAuthenticationError,
  BusCredentialsError,
  BusPermissionError,
  FencedAppendError,
  MalformedMessageError,
  PublishError,
} from "./errors.js";
export { busMetrics } from "./metrics.js";
export type { NatsServers } from "./nats-url.js";
export { parseNatsUrls } from "./nats-url.js";
export { ensureSeedFiles, publicKeyOf, readSeed, seedFileOf } from "./nkey-files.js";
export type { BusRole, StreamKey, SubjectPermissions } from "./permissions.js";
export { inboxPrefixOf, permissionsOf, roleName, streamsOwnedBy } from "./permissions.js";
export type { Published, PublishOptions } from "./publish.js";
export { publish } from "./publish.js";
export type { OutgoingMessage, PublishManyOptions } from "./publish-many.js";
export { publishMany } from "./publish-many.js";
export type { ReplaySpec } from "./replay.js";
export { replay, storedAtMsOf } from "./replay.js";
export type { StreamDefinition } from "./subjects.js";
export {
  buckets,
  consumers,
  MAX_MESSAGE_BYTES,
  streams,
  subjects,
  subjectToken,
} from "./subjects.js";
export { extractTrace, injectTrace } from "./trace-headers.js";
