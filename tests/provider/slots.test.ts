/**
 * The per-account schedule of simple captures and the record of full captures holding the slot, on a
 * virtual clock: which request goes when, and what a person is told while waiting.
 */
import { FullCaptureSlots, SimpleCaptureQueue } from "../../provider/capture/slots";

/** A clock that only moves when a turn sleeps; every sleep is recorded. */
function virtualTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => void (now += ms),
    sleeps,
  };
}

let lines: string[];
beforeEach(() => {
  lines = [];
  jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    lines.push(String(chunk).trim());
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

describe("SimpleCaptureQueue", () => {
  it("sends the first at once and each next one a minute after the previous answer, in order", async () => {
    const time = virtualTime();
    const queue = new SimpleCaptureQueue(time.now, time.sleep);
    const sentAt: Array<[number, number]> = [];
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        const release = await queue.turn("acct", 60);
        sentAt.push([i, time.now()]);
        time.advance(200); // the answer takes 200 ms
        release(true);
      }),
    );
    expect(sentAt).toEqual([
      [0, 1_000_000],
      [1, 1_060_200],
      [2, 1_120_400],
    ]);
    expect(lines).toEqual([
      "[cloudflare-pcap] waiting for the one-per-minute slot for simple captures: 1 ahead, about 60 s",
      "[cloudflare-pcap] waiting for the one-per-minute slot for simple captures: 2 ahead, about 2 min",
    ]);
  });

  it("a request refused outright leaves the minute free; accounts do not wait for each other", async () => {
    const time = virtualTime();
    const queue = new SimpleCaptureQueue(time.now, time.sleep);
    (await queue.turn("acct", 60))(false);
    (await queue.turn("other", 60))(true);
    const release = await queue.turn("acct", 60);
    release(true);
    expect(time.sleeps).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("an interval of 0 never waits", async () => {
    const time = virtualTime();
    const queue = new SimpleCaptureQueue(time.now, time.sleep);
    for (let i = 0; i < 3; i++) (await queue.turn("acct", 0))(true);
    expect(time.sleeps).toEqual([]);
  });
});

describe("FullCaptureSlots", () => {
  it("knows holders per account, newest first, merging what it learns of each", () => {
    const slots = new FullCaptureSlots();
    slots.hold("acct", { id: "a", coloName: "ord02" });
    slots.hold("acct", { id: "b", resourceName: "edge-b" });
    slots.hold("acct", { id: "a", resourceName: "edge-a" });
    slots.hold("other", { id: "c" });
    expect(slots.known("acct")).toEqual([
      { id: "b", resourceName: "edge-b" },
      { id: "a", coloName: "ord02", resourceName: "edge-a" },
    ]);
    slots.release("acct", "b");
    expect(slots.known("acct").map((h) => h.id)).toEqual(["a"]);
    expect(slots.find("other", "c")).toEqual({ id: "c" });
  });

  it("runs an account's full creates one after another, even when one fails", async () => {
    const slots = new FullCaptureSlots();
    const events: string[] = [];
    const step =
      (name: string, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      slots.serialize("acct", step("one", true)),
      slots.serialize("acct", step("two")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    expect(events).toEqual(["one start", "one end", "two start", "two end"]);
  });
});
