/**
 * What runs inside the dynamic-provider process. Loaded by the resource shims by package name
 * (`require("pulumi-cloudflare-pcap/provider")`) at call time, never captured into state.
 */
export * from "./api";
