import {
  validateHeartbeat,
  validatePositionUpdate,
  validatePriceTick,
  validateRetraction,
} from "@breakwater/core";
import {
  AckRequest,
  ChainHeartbeat,
  DeadLetter,
  ExposureSnapshot,
  type MessageFns,
  PositionUpdate,
  PriceTick,
  Retraction,
  RiskAssessment,
  Signal,
} from "@breakwater/proto";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { MalformedMessageError } from "./errors.js";
import { MAX_MESSAGE_BYTES } from "./subjects.js";

/** Binary protobuf encoding for one message type, with validation on decode. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  /** Decodes and validates; throws MalformedMessageError with the reason. */
  decode(bytes: Uint8Array, subject?: string): T;
}

/**
 * One writer for every encode: `finish` copies the bytes out and rewinds it,
 * so its buffer, once grown, is reused instead of being reallocated (and
 * regrown) for each message. Encoding is synchronous, so it is never shared
 * by two encodes at once.
 */
const writer = new BinaryWriter();

function codec<T>(name: string, fns: MessageFns<T>, validate: (v: T) => T = (v) => v): Codec<T> {
  return {
    name,
    encode(value) {
      try {
        return fns.encode(value, writer).finish();
      } catch (err) {
        writer.finish(); // rewind: a half-written message must not prefix the next one
        throw err;
      }
    },
    decode(bytes, subject = name) {
      if (bytes.length > MAX_MESSAGE_BYTES) {
        throw new MalformedMessageError(
          subject,
          `${bytes.length} bytes exceeds the ${MAX_MESSAGE_BYTES} byte limit`,
        );
      }
      let value: T;
      try {
        value = fns.decode(bytes);
      } catch (err) {
        throw new MalformedMessageError(subject, `not a ${name}: ${(err as Error).message}`, err);
      }
      try {
        return validate(value);
      } catch (err) {
        throw new MalformedMessageError(subject, (err as Error).message, err);
      }
    },
  };
}

/** An asset's overrides of core's default amount bounds (undefined: the defaults). */
export type AmountBoundsOf = NonNullable<Parameters<typeof validatePriceTick>[1]>;

/**
 * Codecs of the four chain events, validating amounts against each asset's
 * bounds: core's defaults unless `boundsOf` overrides them (the correlator
 * passes its configured per-asset bounds). A decode past a bound throws a
 * MalformedMessageError whose cause has code `amount_out_of_bounds`.
 */
export function chainEventCodecs(boundsOf: AmountBoundsOf = () => undefined) {
  return {
    position: codec("PositionUpdate", PositionUpdate, (p) => validatePositionUpdate(p, boundsOf)),
    price: codec("PriceTick", PriceTick, (t) => validatePriceTick(t, boundsOf)),
    heartbeat: codec("ChainHeartbeat", ChainHeartbeat, validateHeartbeat),
    retraction: codec("Retraction", Retraction, validateRetraction),
  } as const;
}

export const codecs = {
  ...chainEventCodecs(),
  assessment: codec("RiskAssessment", RiskAssessment, (a) => {
    if (!a.assessmentId || !a.asset) throw new Error("assessment_id and asset are required");
    return a;
  }),
  signal: codec("Signal", Signal, (s) => {
    if (!s.signalId || s.sequence <= 0) throw new Error("signal_id and a positive sequence are required");
    return s;
  }),
  ack: codec("AckRequest", AckRequest),
  snapshot: codec("ExposureSnapshot", ExposureSnapshot),
  deadLetter: codec("DeadLetter", DeadLetter),
} as const;
