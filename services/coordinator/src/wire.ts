import { type Signal, SubscribeResponse } from "@breakwater/proto";
import { BinaryWriter } from "@bufbuild/protobuf/wire";

/** A Subscribe response already encoded: written to many venues without re-encoding the signal. */
export class EncodedResponse {
  constructor(readonly bytes: Buffer) {}
}

const signalField = new WeakMap<Signal, Uint8Array>();
/** The last response built for each signal: venues with the same previous-in-scope share it. */
const lastResponse = new WeakMap<Signal, { previousInScope: number; response: EncodedResponse }>();

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
      batch: undefined,
    }).finish();
    signalField.set(signal, field);
  }
  const last = lastResponse.get(signal);
  if (last?.previousInScope === previousInScope) return last.response;
  const response =
    previousInScope === 0
      ? new EncodedResponse(Buffer.from(field.buffer, field.byteOffset, field.byteLength))
      : new EncodedResponse(
          Buffer.concat([field, new BinaryWriter().uint32(24).uint64(previousInScope).finish()]),
        );
  lastResponse.set(signal, { previousInScope, response });
  return response;
}

/** `SubscribeResponse.batch` is field 5; `SubscribeBatch.items` field 1 (both length-delimited). */
const BATCH_TAG = (5 << 3) | 2;
const ITEM_TAG = (1 << 3) | 2;

/**
 * The bytes of `SubscribeResponse{batch: {items}}` from already encoded items:
 * each item's bytes are copied in as they are, never decoded or re-encoded.
 */
export function encodeBatchResponse(items: readonly EncodedResponse[]): EncodedResponse {
  const parts: Uint8Array[] = [];
  let itemsLength = 0;
  for (const item of items) {
    const head = new BinaryWriter().uint32(ITEM_TAG).uint32(item.bytes.length).finish();
    parts.push(head, item.bytes);
    itemsLength += head.length + item.bytes.length;
  }
  const head = new BinaryWriter().uint32(BATCH_TAG).uint32(itemsLength).finish();
  return new EncodedResponse(Buffer.concat([head, ...parts], head.length + itemsLength));
}

/** Serializes a response for the wire: pre-encoded bytes pass through. */
export function serializeSubscribeResponse(value: SubscribeResponse | EncodedResponse): Buffer {
  return value instanceof EncodedResponse
    ? value.bytes
    : Buffer.from(SubscribeResponse.encode(value).finish());
}
