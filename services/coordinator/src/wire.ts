import { type Signal, SubscribeResponse } from "@breakwater/proto";
import { BinaryWriter } from "@bufbuild/protobuf/wire";

/** A Subscribe response already encoded: written to many venues without re-encoding the signal. */
export class EncodedResponse {
  constructor(readonly bytes: Buffer) {}
}

const signalField = new WeakMap<Signal, Uint8Array>();

/**
 * The bytes of `SubscribeResponse{signal, previous_in_scope}`. The signal's
 * field (tag 1) is encoded once per signal and shared by every venue; only
 * the previous-in-scope varint (tag 3) differs.
 */
export function encodeSignalResponse(
  signal: Signal,
  previousInScope: number,
  traceparent = "",
): EncodedResponse {
  let field = signalField.get(signal);
  if (!field) {
    // The traceparent (tag 4) is the same for every venue: it is part of the shared bytes.
    field = SubscribeResponse.encode({
      item: { $case: "signal", value: signal },
      previousInScope: 0,
      traceparent,
    }).finish();
    signalField.set(signal, field);
  }
  if (previousInScope === 0)
    return new EncodedResponse(Buffer.from(field.buffer, field.byteOffset, field.byteLength));
  const tail = new BinaryWriter().uint32(24).uint64(previousInScope).finish();
  return new EncodedResponse(Buffer.concat([field, tail]));
}

/** Serializes a response for the wire: pre-encoded bytes pass through. */
export function serializeSubscribeResponse(value: SubscribeResponse | EncodedResponse): Buffer {
  return value instanceof EncodedResponse
    ? value.bytes
    : Buffer.from(SubscribeResponse.encode(value).finish());
}
