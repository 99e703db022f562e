import * as pulumi from "@pulumi/pulumi";
import type { CaptureFilter } from "../client/types";
import { providerShim } from "./shim";

/** Which packets to keep; every field optional (absent = any). */
export interface PacketCaptureFilterArgs {
  /** IPv4 source address. */
  sourceAddress?: pulumi.Input<string>;
  /** IPv4 destination address. */
  destinationAddress?: pulumi.Input<string>;
  /** IP protocol number, 0–255 (6 TCP, 17 UDP, 1 ICMP). */
  protocol?: pulumi.Input<number>;
  /** 0–65535. */
  sourcePort?: pulumi.Input<number>;
  /** 0–65535. */
  destinationPort?: pulumi.Input<number>;
}

/** Arguments of {@link PacketCapture}. Changing any of the capture's own fields replaces the capture. */
export interface PacketCaptureArgs {
  /**
   * `simple`: sampled (first 160 bytes of each packet) from traffic that already passed; completes soon;
   * download it with `downloadPacketCapture`. `full`: every packet of new traffic, written as pcap files to a
   * validated bucket (`destinationConf`); only one full capture may be active per account.
   */
  type: pulumi.Input<"simple" | "full">;
  /** Only `magic-transit` exists. Default `magic-transit`. */
  system?: pulumi.Input<"magic-transit">;
  /** Seconds to capture: 1–300 for simple, 1–86400 for full. */
  timeLimit: pulumi.Input<number>;
  /** Packets to capture, 1–10000: required for simple, optional for full. */
  packetLimit?: pulumi.Input<number>;
  /** Full only: bytes to capture, 1–1,000,000,000. */
  byteLimit?: pulumi.Input<number>;
  /** Full only (required): a data centre (`ord02`) or a city code (`ORD`). */
  coloName?: pulumi.Input<string>;
  /** Full only (required): the bucket, registered and validated (see BucketOwnership). */
  destinationConf?: pulumi.Input<string>;
  filter?: pulumi.Input<PacketCaptureFilterArgs>;
  /** Simple only: start of the sampled window (RFC 3339), within the last 24 hours. Default: now. */
  offsetTime?: pulumi.Input<string>;
  /** The Cloudflare account. Default: `cloudflare-pcap:accountId` or `CLOUDFLARE_ACCOUNT_ID`. Changing it replaces. */
  accountId?: pulumi.Input<string>;
  /**
   * Wait until the capture is done (`success`/`complete`, or `failed`, which fails the step with the
   * capture's error). A timeout leaves the capture in state; the next `pulumi up` waits again.
   */
  waitForCompletion?: pulumi.Input<boolean>;
  /** Bound on that wait and on sitting out the one-simple-capture-per-minute rule. Default: timeLimit + 600 s. */
  completionTimeoutSeconds?: pulumi.Input<number>;
  /**
   * Full only: the declared state "this capture is stopped". `false → true` stops it (an update);
   * `true → false` replaces it, since a stopped capture cannot resume.
   */
  stopped?: pulumi.Input<boolean>;
}

/**
 * A Cloudflare packet capture request (`POST /pcaps`).
 *
 * Captures cannot be edited: any change to what is captured replaces the capture. A full capture is
 * replaced delete-before-replace, because only one full capture may be active: the old one is stopped
 * before the new one starts. Deleting a full capture that is still pending or running stops it; deleting
 * any other capture calls nothing, since Cloudflare keeps capture history and has no delete. A lost
 * answer to the create request is reconciled against the capture list, so no duplicate is made.
 */
export class PacketCapture extends pulumi.dynamic.Resource {
  declare readonly type: pulumi.Output<"simple" | "full">;
  declare readonly system: pulumi.Output<string>;
  declare readonly timeLimit: pulumi.Output<number>;
  declare readonly packetLimit: pulumi.Output<number | undefined>;
  declare readonly byteLimit: pulumi.Output<number | undefined>;
  declare readonly coloName: pulumi.Output<string | undefined>;
  declare readonly destinationConf: pulumi.Output<string | undefined>;
  declare readonly filter: pulumi.Output<CaptureFilter | undefined>;
  declare readonly offsetTime: pulumi.Output<string | undefined>;
  declare readonly accountId: pulumi.Output<string>;
  declare readonly stopped: pulumi.Output<boolean | undefined>;
  /** `pending`, `running`, `conversion_pending`, `conversion_running`, `success`, `complete`, `failed`, … */
  declare readonly status: pulumi.Output<string>;
  /** When the capture was requested (RFC 3339). */
  declare readonly submitted: pulumi.Output<string | undefined>;
  /** Full captures: packets captured so far. */
  declare readonly packetsCaptured: pulumi.Output<number | undefined>;
  /** Full captures: when a stop was requested (RFC 3339). */
  declare readonly stopRequested: pulumi.Output<string | undefined>;
  /** Why the capture failed, when it did. */
  declare readonly errorMessage: pulumi.Output<string | undefined>;

  constructor(name: string, args: PacketCaptureArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("PacketCapture"),
      name,
      {
        // Every output named, even when not given, so the engine fills it from the provider's outputs.
        type: args.type,
        system: args.system,
        timeLimit: args.timeLimit,
        packetLimit: args.packetLimit,
        byteLimit: args.byteLimit,
        coloName: args.coloName,
        destinationConf: args.destinationConf,
        filter: args.filter,
        offsetTime: args.offsetTime,
        accountId: args.accountId,
        waitForCompletion: args.waitForCompletion,
        completionTimeoutSeconds: args.completionTimeoutSeconds,
        stopped: args.stopped,
        resourceName: name,
        status: undefined,
        submitted: undefined,
        packetsCaptured: undefined,
        stopRequested: undefined,
        errorMessage: undefined,
      },
      opts,
      "cloudflare-pcap",
      "PacketCapture",
    );
  }
}
