/**
 * The object handed to `dynamic.Resource`. Pulumi serializes it, with everything it captures, into the
 * `__provider` property of every resource's state, so it must capture nothing but the kind's name: each
 * method loads the real provider by package name inside the plugin process, when it is called. That
 * keeps state small, free of credentials, identical wherever the program lives, and lets a package
 * upgrade change the provider's code for existing resources.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ResourceKind } from "../provider";

/* eslint-disable @typescript-eslint/no-require-imports -- resolved at call time, in the plugin process */
export function providerShim(kind: ResourceKind): dynamic.ResourceProvider {
  return {
    async configure(request) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].configure(request);
    },
    async check(olds, news) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].check(olds, news);
    },
    async diff(id, olds, news) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].diff(id, olds, news);
    },
    async create(inputs) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].create(inputs);
    },
    async read(id, props) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].read(id, props);
    },
    async update(id, olds, news) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].update(id, olds, news);
    },
    async delete(id, props) {
      return require("pulumi-cloudflare-pcap/provider").providers[kind].delete(id, props);
    },
  };
}
