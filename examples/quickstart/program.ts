/**
 * Quickstart: one sampled ("simple") packet capture of HTTPS traffic to an address, waited for, then
 * downloaded to a local pcap file you can open in Wireshark.
 *
 * Stack config (all optional): `timeLimit` (seconds, 1–300, default 60), `packetLimit` (1–10000,
 * default 1000), `destinationAddress` (IPv4, default 203.0.113.7), `downloadDir` (default `captures`,
 * relative to this folder). Credentials and account: `cloudflare:apiToken`, `cloudflare-pcap:accountId`
 * (or CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID); `cloudflare:baseUrl` points at the emulator.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as pcap from "pulumi-cloudflare-pcap";

export function quickstart() {
  const config = new pulumi.Config();

  // The capture request. `waitForCompletion` makes `pulumi up` wait until the capture is ready.
  const capture = new pcap.PacketCapture("https-sample", {
    type: "simple",
    timeLimit: config.getNumber("timeLimit") ?? 60,
    packetLimit: config.getNumber("packetLimit") ?? 1000,
    filter: {
      destinationAddress: config.get("destinationAddress") ?? "203.0.113.7",
      protocol: 6, // TCP
      destinationPort: 443,
    },
    waitForCompletion: true,
  });

  // Once it is ready, fetch the pcap file (a read, not a resource: nothing to destroy). A file already
  // downloaded by an earlier `pulumi up` is kept: downloads are written whole or not at all.
  const downloadDir = config.get("downloadDir") ?? "captures";
  const download = pulumi.all([capture.id, capture.status]).apply(async ([id, status]) => {
    const path = resolve(downloadDir, `pcap_${id}.pcap`);
    if (status !== "success" && status !== "complete") return { path: undefined, bytes: 0 };
    if (!existsSync(path)) await pcap.downloadPacketCapture({ id, path });
    return { path, bytes: statSync(path).size };
  });

  return {
    captureId: capture.id,
    status: capture.status,
    pcapFile: download.path,
    pcapBytes: download.bytes,
  };
}
