/**
 * Fields no client knows, added to every capture and ownership object when `unknownFields` is on (the
 * default). The API grows without notice; a client that breaks on, stores, or diffs a field it was never
 * told about should fail here first. One field per JSON type, so a client that only tolerates strings
 * (or drops only nulls) is caught too. Names carry the `unannounced_` prefix so a test — or a person
 * reading a leaked value in state — can tell them apart from anything Cloudflare documents.
 */
export const UNKNOWN_FIELDS = Object.freeze({
  unannounced_note: "a field no published schema declares",
  unannounced_revision: 3,
  unannounced_details: { origin: "pcap-emulator", nested: { depth: 2, flags: [true, false] } },
  unannounced_tags: ["emulator", 7, { kind: "tag" }],
  unannounced_cleared_at: null,
});

export type UnknownFields = typeof UNKNOWN_FIELDS;

/** `object` plus a fresh copy of every unknown field, so a client mutating one answer cannot change the next. */
export function withUnknownFields<T extends object>(object: T): T & UnknownFields {
  return { ...object, ...(structuredClone(UNKNOWN_FIELDS) as UnknownFields) };
}
