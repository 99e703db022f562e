import { finish, sum32, sumBytes } from "./checksum";
import { ICMP, TCP, UDP } from "./filter";
import { type Flow, ETHERNET_LEN, IPV4_LEN, MTU, buildFlows } from "./flows";
import {
  DEFAULT_SNAPLEN,
  GLOBAL_HEADER_LEN,
  PCAP_MAGIC,
  RECORD_HEADER_LEN,
  type SyntheticPcapOptions,
  validateOptions,
} from "./options";
import { PayloadPool } from "./pool";
import { Prng } from "./prng";

const LINKTYPE_ETHERNET = 1;
/** Bytes generated per chunk: large enough that per-chunk costs (allocation, push) are negligible. */
const CHUNK_SIZE = 256 * 1024;
/** Room past CHUNK_SIZE for one more record, including header bytes written beyond a short incl_len. */
const CHUNK_SLACK = RECORD_HEADER_LEN + ETHERNET_LEN + MTU + 256;
const POOL_SIZE = 128 * 1024;

/** A mix like edge traffic: many full-size segments, some small requests, some in between. */
function drawPayload(rng: Prng, flow: Flow): number {
  const r = rng.nextFloat();
  const { minPayload: min, maxPayload: max } = flow;
  if (min >= max) return max;
  if (r < 0.3) return rng.int(min, Math.min(max, Math.max(min, 120)));
  if (r < 0.45) return rng.int(min, Math.min(max, 900));
  if (r < 0.75) return max;
  return rng.int(Math.max(min, max - 400), max);
}

/**
 * Produces a pcap file as a sequence of chunks, one record at a time. All randomness is drawn per record
 * in a fixed order, so the bytes never depend on how the output is chunked or consumed.
 */
export class PcapGenerator {
  /** Records and bytes produced so far. */
  packets = 0;
  bytes = 0;

  private readonly snaplen: number;
  private readonly flows: Flow[];
  private readonly pool: PayloadPool;
  private readonly rng: Prng;
  private readonly startUs: number;
  private readonly windowUs: number;
  /** Packets the timestamps are spread over: exact, or estimated from targetBytes. */
  private readonly spreadOver: number;
  private readonly packetCount: number;
  private readonly targetBytes: number | undefined;
  /** Smallest and largest record any flow can produce, for sizing a targetBytes file exactly. */
  private readonly minRecord: number;
  private readonly maxRecord: number;
  private headerWritten = false;
  private finished = false;

  // The record being produced: plan() draws it, write() encodes it (fields, not an object per packet).
  private flow!: Flow;
  private payload = 0;
  private poolStart = 0;
  private timeUs = 0;
  private icmpSeq = 0;
  /** An ICMP echo request was just written: its reply (same id, seq, data) comes next. */
  private replyTo: Flow | undefined;

  constructor(options: SyntheticPcapOptions) {
    const { seed, packetCount, filter, startTimeMs, durationSeconds, targetBytes } = options;
    const snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
    const wantsPackets = validateOptions(options, snaplen);
    this.snaplen = snaplen;
    this.packetCount = packetCount;
    this.targetBytes = targetBytes;
    this.flows = wantsPackets ? buildFlows(seed, filter) : [];
    this.pool = new PayloadPool(seed, POOL_SIZE);
    this.rng = new Prng(seed, "packets");
    this.startUs = Math.round(startTimeMs * 1000);
    this.windowUs = Math.round(durationSeconds * 1e6);

    this.minRecord = RECORD_HEADER_LEN + Math.min(...this.flows.map((f) => this.inclRange(f)[0]));
    this.maxRecord = RECORD_HEADER_LEN + Math.max(...this.flows.map((f) => this.inclRange(f)[1]));
    this.spreadOver = targetBytes === undefined ? packetCount : this.estimatePackets(seed, targetBytes);
  }

  /** The next chunk of the file, or null once it is complete. */
  next(): Buffer | null {
    if (this.finished) return null;
    const chunk = Buffer.allocUnsafe(CHUNK_SIZE + CHUNK_SLACK);
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    if (!this.headerWritten) {
      this.headerWritten = true;
      view.setUint32(0, PCAP_MAGIC, true);
      view.setUint16(4, 2, true);
      view.setUint16(6, 4, true);
      view.setInt32(8, 0, true); // thiszone: timestamps are UTC
      view.setUint32(12, 0, true); // sigfigs
      view.setUint32(16, this.snaplen, true);
      view.setUint32(20, LINKTYPE_ETHERNET, true);
      at = GLOBAL_HEADER_LEN;
      this.bytes = GLOBAL_HEADER_LEN;
    }
    // Any record fits in the slack past CHUNK_SIZE, so there is no partial record to carry over.
    while (at < CHUNK_SIZE) {
      if (!this.plan()) {
        this.finished = true;
        break;
      }
      at = this.write(chunk, view, at);
    }
    return at === 0 ? null : chunk.subarray(0, at);
  }

  /** Draws the next record's flow, length and time; false when the file is complete. */
  private plan(): boolean {
    const rng = this.rng;
    const target = this.targetBytes;
    // Records left: Infinity while a targetBytes file is far from its size.
    let left = Infinity;
    let incl: number | undefined;
    if (target === undefined) {
      left = this.packetCount - this.packets;
      if (left <= 0) return false;
    } else {
      const remaining = target - this.bytes;
      if (remaining <= 4 * this.maxRecord) {
        left = 1; // no request/reply pairs: the last records are sized individually
        incl = this.finalSize(remaining);
        if (incl === undefined) return false;
      }
    }
    const pairOf = this.replyTo;
    if (pairOf !== undefined && pairOf.reply !== undefined) {
      // The echo reply mirrors its request: same length, data and sequence number.
      this.replyTo = undefined;
      this.flow = pairOf.reply;
    } else {
      // Sizing the last records exactly: only flows that can produce that incl_len qualify.
      const flows =
        incl === undefined
          ? this.flows
          : this.flows.filter(
              (f) => this.inclRange(f)[0] <= (incl as number) && (incl as number) <= this.inclRange(f)[1],
            );
      if (flows.length === 0) return false;
      const flow = flows[Math.floor(rng.nextFloat() * flows.length)];
      if (incl === undefined) {
        this.payload = drawPayload(rng, flow);
      } else if (incl < this.snaplen) {
        this.payload = incl - flow.headerLen;
      } else {
        this.payload = rng.int(Math.max(flow.minPayload, this.snaplen - flow.headerLen), flow.maxPayload);
      }
      this.poolStart = (rng.nextU32() % (POOL_SIZE - MTU)) & ~1;
      this.flow = flow;
      if (flow.protocol === ICMP) {
        this.icmpSeq = flow.seq;
        flow.seq = (flow.seq + 1) & 0xffff;
        // A request needs room for its reply; otherwise send a lone reply, which Wireshark accepts.
        if (flow.reply !== undefined) {
          if (left >= 2) this.replyTo = flow;
          else this.flow = flow.reply;
        }
      }
    }
    // (i + r) / n is non-decreasing in i for r in [0, 1): monotonic times without sorting. The first
    // packet is at startTimeMs exactly.
    const n = this.spreadOver;
    const r = this.packets === 0 ? 0 : rng.nextFloat();
    const offset = n > 0 ? Math.floor(((this.packets + r) * this.windowUs) / n) : 0;
    this.timeUs = this.startUs + Math.min(offset, this.windowUs);
    return true;
  }

  /**
   * incl_len for the next record when `remaining` bytes are left, so the file ends exactly at
   * targetBytes: one record if it fits, else a size that leaves a valid last record.
   */
  private finalSize(remaining: number): number | undefined {
    const { minRecord, maxRecord } = this;
    if (remaining < minRecord) return undefined;
    if (remaining <= maxRecord) return remaining - RECORD_HEADER_LEN;
    const low = Math.max(minRecord, remaining - maxRecord);
    const high = Math.min(maxRecord, remaining - minRecord);
    const size = low <= high ? Math.min(high, Math.max(low, Math.ceil(remaining / 2))) : maxRecord;
    return size - RECORD_HEADER_LEN;
  }

  /** The incl_len values a flow's records can have. */
  private inclRange(flow: Flow): [number, number] {
    const size = (payload: number) => Math.min(this.snaplen, flow.headerLen + payload);
    return [size(flow.minPayload), size(flow.maxPayload)];
  }

  /** Packets a targetBytes file will hold, from a sample of the length distribution (for timestamps). */
  private estimatePackets(seed: string, targetBytes: number): number {
    if (this.flows.length === 0) return 0;
    const sampler = new Prng(seed, "estimate");
    const samples = 2048;
    let total = 0;
    for (let i = 0; i < samples; i++) {
      const flow = this.flows[i % this.flows.length];
      total += RECORD_HEADER_LEN + Math.min(this.snaplen, flow.headerLen + drawPayload(sampler, flow));
    }
    return Math.max(1, Math.round((targetBytes - GLOBAL_HEADER_LEN) / (total / samples)));
  }

  /** Writes the planned record at `at`; returns the offset after it. */
  private write(chunk: Buffer, view: DataView, at: number): number {
    const { flow, payload, rng } = this;
    const orig = flow.headerLen + payload;
    const incl = Math.min(orig, this.snaplen);
    const sec = Math.floor(this.timeUs / 1e6);
    view.setUint32(at, sec, true);
    view.setUint32(at + 4, this.timeUs - sec * 1e6, true);
    view.setUint32(at + 8, incl, true);
    view.setUint32(at + 12, orig, true);
    // Headers are written whole even when incl_len cuts them: the chunk has slack, and the bytes past
    // incl_len are overwritten by the next record or never emitted.
    const frame = at + RECORD_HEADER_LEN;
    chunk.set(flow.template, frame);

    const ip = frame + ETHERNET_LEN;
    const ipLength = orig - ETHERNET_LEN;
    const id = rng.nextU32() & 0xffff;
    view.setUint16(ip + 2, ipLength);
    view.setUint16(ip + 4, id);
    view.setUint16(ip + 10, finish(flow.ipSum + ipLength + id));

    // Payload: the application header (copied with the template), then a slice of the seeded pool,
    // memcpy'd and pre-summed. Only a header with per-packet fields is summed here.
    const data = frame + flow.headerLen;
    const appLen = flow.appLen;
    const sliceLen = payload - appLen;
    const start = this.poolStart;
    const captured = Math.min(sliceLen, incl - flow.headerLen - appLen);
    if (captured > 0) this.pool.bytes.copy(chunk, data + appLen, start, start + captured);
    let dataSum = this.pool.sum(start, sliceLen, (appLen & 1) === 1);
    if (flow.patch === undefined) {
      dataSum += flow.appSum;
    } else {
      flow.patch(chunk, data, payload, dataSum, rng);
      dataSum += sumBytes(chunk, data, data + appLen);
    }

    const l4 = ip + IPV4_LEN;
    switch (flow.protocol) {
      case TCP: {
        const seq = flow.seq;
        flow.seq = (seq + payload) >>> 0;
        const flags = 0x5018; // data offset 5, ACK|PSH: every segment carries data
        view.setUint32(l4 + 4, seq);
        view.setUint16(l4 + 12, flags);
        view.setUint16(l4 + 16, finish(flow.l4Sum + 20 + payload + sum32(seq) + flags + dataSum));
        break;
      }
      case UDP: {
        const length = 8 + payload;
        // Pseudo-header length and UDP length are the same value; a zero result is sent as 0xffff.
        view.setUint16(l4 + 4, length);
        view.setUint16(l4 + 6, finish(flow.l4Sum + 2 * length + dataSum) || 0xffff);
        break;
      }
      case ICMP: {
        view.setUint16(l4 + 6, this.icmpSeq);
        view.setUint16(l4 + 2, finish(flow.l4Sum + this.icmpSeq + dataSum));
        break;
      }
    }
    this.packets++;
    const end = frame + incl;
    this.bytes += end - at;
    return end;
  }
}
