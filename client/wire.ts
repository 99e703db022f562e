/**
 * The API's wire shapes (snake_case) as zod schemas, and their mapping to the domain types. This is the
 * only module that knows the wire's field names. Unknown extra fields are dropped, and status strings
 * are open-ended, so the API can grow without breaking parsing.
 */
import { z } from "zod";
import type { BucketOwnership, Capture, CaptureFilter, CaptureRequest } from "./types";

/** One entry of a Cloudflare error envelope's `errors` (or `messages`). */
export const wireMessageSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  documentation_url: z.string().optional(),
  source: z.object({ pointer: z.string().optional() }).optional(),
});
export type WireMessage = z.infer<typeof wireMessageSchema>;

/** The v4 envelope; `result` is validated separately so that failures can still be read. */
export const envelopeSchema = z.object({
  success: z.boolean(),
  errors: z.array(wireMessageSchema).default([]),
  messages: z.array(z.unknown()).default([]),
  result: z.unknown().optional(),
  result_info: z
    .object({
      count: z.number().optional(),
      page: z.number().optional(),
      per_page: z.number().optional(),
      total_count: z.number().optional(),
    })
    .optional(),
});
export type WireEnvelope = z.infer<typeof envelopeSchema>;

export const wireFilterSchema = z.object({
  source_address: z.string().optional(),
  destination_address: z.string().optional(),
  protocol: z.number().optional(),
  source_port: z.number().optional(),
  destination_port: z.number().optional(),
});
export type WireFilter = z.infer<typeof wireFilterSchema>;

export const wireCaptureSchema = z.object({
  id: z.string().min(1),
  status: z.string().optional(),
  type: z.string().optional(),
  system: z.string().optional(),
  time_limit: z.number().optional(),
  filter_v1: wireFilterSchema.nullish(),
  submitted: z.string().optional(),
  offset_time: z.string().nullish(),
  byte_limit: z.number().nullish(),
  colo_name: z.string().nullish(),
  destination_conf: z.string().nullish(),
  packets_captured: z.number().nullish(),
  stop_requested: z.string().nullish(),
  error_message: z.string().nullish(),
});
export type WireCapture = z.infer<typeof wireCaptureSchema>;

export const wireOwnershipSchema = z.object({
  id: z.string().min(1),
  destination_conf: z.string(),
  filename: z.string(),
  status: z.string(),
  submitted: z.string().optional(),
  validated: z.string().nullish(),
});
export type WireOwnership = z.infer<typeof wireOwnershipSchema>;

/** Copies only the keys whose value is present: domain objects never carry `undefined` or `null`. */
function compact<T extends object>(value: { [K in keyof T]: T[K] | null | undefined }): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    const v = value[key];
    if (v !== undefined && v !== null) out[key] = v as T[keyof T];
  }
  return out as T;
}

function filterFromWire(filter: WireFilter | null | undefined): CaptureFilter | undefined {
  if (!filter) return undefined;
  const domain = compact<CaptureFilter>({
    sourceAddress: filter.source_address,
    destinationAddress: filter.destination_address,
    protocol: filter.protocol,
    sourcePort: filter.source_port,
    destinationPort: filter.destination_port,
  });
  return Object.keys(domain).length > 0 ? domain : undefined;
}

export function filterToWire(filter: CaptureFilter): WireFilter {
  return compact<WireFilter>({
    source_address: filter.sourceAddress,
    destination_address: filter.destinationAddress,
    protocol: filter.protocol,
    source_port: filter.sourcePort,
    destination_port: filter.destinationPort,
  });
}

export const captureFromWire = wireCaptureSchema.transform((w): Capture =>
  compact<Capture>({
    id: w.id,
    status: w.status ?? "unknown",
    type: w.type,
    system: w.system,
    timeLimit: w.time_limit,
    filter: filterFromWire(w.filter_v1),
    submitted: w.submitted,
    offsetTime: w.offset_time,
    byteLimit: w.byte_limit,
    coloName: w.colo_name,
    destinationConf: w.destination_conf,
    packetsCaptured: w.packets_captured,
    stopRequested: w.stop_requested,
    errorMessage: w.error_message,
  }),
);

export const ownershipFromWire = wireOwnershipSchema.transform((w): BucketOwnership =>
  compact<BucketOwnership>({
    id: w.id,
    destinationConf: w.destination_conf,
    filename: w.filename,
    status: w.status,
    submitted: w.submitted,
    // The API sends "" before validation; the domain says "not validated" by leaving it out.
    validated: w.validated || undefined,
  }),
);

/** The POST /pcaps body. */
export type WireCaptureRequest = {
  system: string;
  type: string;
  time_limit: number;
  packet_limit?: number;
  byte_limit?: number;
  filter_v1?: WireFilter;
  offset_time?: string;
  colo_name?: string;
  destination_conf?: string;
};

export function captureRequestToWire(request: CaptureRequest): WireCaptureRequest {
  const filter = request.filter ? filterToWire(request.filter) : undefined;
  const common = { system: request.system, type: request.type, time_limit: request.timeLimit };
  if (request.type === "simple") {
    return compact<WireCaptureRequest>({
      ...common,
      packet_limit: request.packetLimit,
      filter_v1: filter,
      offset_time: request.offsetTime,
    });
  }
  return compact<WireCaptureRequest>({
    ...common,
    colo_name: request.coloName,
    destination_conf: request.destinationConf,
    byte_limit: request.byteLimit,
    packet_limit: request.packetLimit,
    filter_v1: filter,
  });
}
