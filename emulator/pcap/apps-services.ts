import type { App } from "./apps";
import type { Prng } from "./prng";

/**
 * Application headers for the services the generator picks itself and for common filter ports. Each
 * has a constant length per flow (so payload sizing stays simple) and encodes the payload length
 * wherever the protocol carries one, so dissectors find exactly one complete message per packet.
 */

/** A TLS 1.2/1.3 application-data record filling the segment; the pool bytes are its ciphertext. */
export function tlsApp(): App {
  return {
    minPayload: 5 + 17, // record header + AEAD tag + at least one byte
    header: Uint8Array.of(0x17, 0x03, 0x03, 0, 0), // application_data, legacy version 0x0303
    patch(bytes, at, length) {
      bytes[at + 3] = (length - 5) >>> 8;
      bytes[at + 4] = (length - 5) & 0xff;
    },
  };
}

/** Width of the Content-Length value; shorter values are right-aligned after optional whitespace. */
const LENGTH_DIGITS = 5;

/** An HTTP/1.1 upload (towards the server) or a 200 response (from it), with the pool bytes as body. */
export function httpApp(request: boolean, rng: Prng): App {
  const host = `${rng.pick(["www", "api", "cdn", "static"])}.example.com`;
  const head = request
    ? `POST /upload HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\nContent-Length: `
    : "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
  const header = Buffer.from(`${head}${" ".repeat(LENGTH_DIGITS)}\r\n\r\n`, "latin1");
  const firstDigit = head.length;
  const lastDigit = firstDigit + LENGTH_DIGITS - 1;
  return {
    minPayload: header.length,
    header,
    patch(bytes, at, length) {
      let body = length - header.length;
      for (let i = at + lastDigit; i >= at + firstDigit; i--) {
        bytes[i] = body === 0 && i < at + lastDigit ? 0x20 : 0x30 + (body % 10);
        body = Math.floor(body / 10);
      }
    },
  };
}

/**
 * A QUIC 1-RTT (short header) packet: fixed bit set, 8-byte connection id, protected rest. Without
 * the handshake in the capture Wireshark shows it as UDP data, which is what a sampled capture of a
 * long-running connection looks like too.
 */
export function quicApp(_request: boolean, rng: Prng): App {
  const header = new Uint8Array(9);
  rng.fill(header);
  header[0] = 0x41; // short header, fixed bit, key phase 0, 2-byte packet number
  // Wireshark decodes a short header only once it has seen the connection's handshake; otherwise
  // UDP heuristics get the packet, and a connection id starting 0x4X can pass for a CLTP UD TPDU.
  header[1] = 0xff;
  return { minPayload: header.length + 2 + 16 + 1, header };
}

// "data.example.com." in DNS label form.
const QNAME = [4, ..."data", 7, ..."example", 3, ..."com", 0].map((c) =>
  typeof c === "number" ? c : c.charCodeAt(0),
);
const TYPE_NULL = 10;

/**
 * A DNS message for data.example.com with one NULL record (RFC 1035 §3.3.10: opaque RDATA of any
 * length) carrying the pool bytes: an answer in responses, an additional record in queries. Over TCP
 * the message has its two-byte length prefix. Ids count up per flow so no two messages look like
 * retransmissions of each other.
 */
export function dnsApp(request: boolean, rng: Prng, tcp: boolean): App {
  const base = tcp ? 2 : 0;
  const header = new Uint8Array(base + 12 + QNAME.length + 4 + 12);
  const view = new DataView(header.buffer);
  let at = base;
  view.setUint16(at + 2, request ? 0x0100 : 0x8180); // RD / QR+RD+RA, NOERROR
  view.setUint16(at + 4, 1); // QDCOUNT
  view.setUint16(at + 6, request ? 0 : 1); // ANCOUNT
  view.setUint16(at + 10, request ? 1 : 0); // ARCOUNT
  at += 12;
  header.set(QNAME, at);
  at += QNAME.length;
  view.setUint16(at, TYPE_NULL);
  view.setUint16(at + 2, 1); // IN
  at += 4;
  view.setUint16(at, 0xc00c); // name: pointer to the question
  view.setUint16(at + 2, TYPE_NULL);
  view.setUint16(at + 4, 1);
  view.setUint32(at + 6, 300); // TTL
  const rdLength = at + 10;
  let id = rng.int(0, 0xffff);
  return {
    minPayload: header.length,
    header,
    patch(bytes, offset, length) {
      if (tcp) {
        bytes[offset] = (length - 2) >>> 8;
        bytes[offset + 1] = (length - 2) & 0xff;
      }
      bytes[offset + base] = id >>> 8;
      bytes[offset + base + 1] = id & 0xff;
      id = (id + 1) & 0xffff;
      const rd = length - header.length;
      bytes[offset + rdLength] = rd >>> 8;
      bytes[offset + rdLength + 1] = rd & 0xff;
    },
  };
}

/** Seconds between the NTP epoch (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET = 2208988800;

/** An NTPv4 client request or server reply (48 bytes, no extensions); timestamps tick per packet. */
export function ntpApp(request: boolean, rng: Prng): App {
  const header = new Uint8Array(48);
  const view = new DataView(header.buffer);
  header[0] = request ? 0x23 : 0x24; // LI 0, version 4, mode client / server
  header[1] = request ? 0 : 2; // stratum
  header[2] = 6; // poll 2^6 s
  header[3] = 0xe9; // precision 2^-23 s
  if (!request) {
    view.setUint32(4, rng.int(0x100, 0x2000)); // root delay
    view.setUint32(8, rng.int(0x100, 0x2000)); // root dispersion
    view.setUint32(12, rng.nextU32()); // reference id: the upstream server's address
  }
  // 2025 plus a seeded offset; only plausibility matters.
  let seconds = NTP_UNIX_OFFSET + 1735689600 + rng.int(0, 86400 * 365);
  return {
    minPayload: 48,
    maxPayload: 48,
    header,
    patch(bytes, at, _length, _dataSum, prng) {
      seconds += 64;
      const out = new DataView(bytes.buffer, bytes.byteOffset + at, 48);
      if (!request) {
        out.setUint32(16, seconds - 300); // reference
        out.setUint32(24, seconds - 1); // origin: the client's transmit time
        out.setUint32(32, seconds); // receive
      }
      out.setUint32(40, seconds); // transmit
      out.setUint32(44, prng.nextU32()); // transmit fraction
    },
  };
}
