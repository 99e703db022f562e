/**
 * Progress and waits, for the person watching `pulumi up`. The plugin's stdout carries its port to the
 * engine, so lines go to stderr, which the engine shows. Messages never contain credentials: the client
 * redacts its own, and callers pass ids, names and statuses only.
 */
export function logLine(message: string): void {
  process.stderr.write(`[cloudflare-pcap] ${message}\n`);
}
