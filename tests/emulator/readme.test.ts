import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CODES } from "../../emulator";
import { USAGE } from "../../emulator/args";

const readme = readFileSync(join(__dirname, "..", "..", "emulator", "README.md"), "utf8");

test("the README's error table lists exactly the codes the emulator answers with, with their status", () => {
  const section = readme.slice(readme.indexOf("## Error codes"));
  const rows = [...section.matchAll(/^\|\s*(\d+)\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
  const expected = Object.values(CODES).map((c) => [c.code, c.status]);
  expect(rows.sort((a, b) => a[0] - b[0])).toEqual(expected.sort((a, b) => a[0] - b[0]));
});

test("own codes are ≥ 1000 and unique", () => {
  const codes = Object.values(CODES).map((c) => c.code);
  expect(new Set(codes).size).toBe(codes.length);
  expect(codes.filter((c) => c !== 971).every((c) => c >= 1000)).toBe(true);
});

test("the README documents every CLI flag", () => {
  for (const flag of USAGE.match(/--[a-z-]+/g) ?? []) expect(readme).toContain(`\`${flag}`);
});

describe("the behaviour table", () => {
  const section = readme.slice(readme.indexOf("## What it emulates"), readme.indexOf("## Error codes"));
  const rows = [...section.matchAll(/^\|\s*([a-z ]+?)\s*\|\s*(.+?)\s*\|\s*([a-z ]+?)\s*\|$/gm)]
    .map((m) => ({ area: m[1], behaviour: m[2], source: m[3] }))
    .filter((row) => row.area !== "area");

  test("marks every row with one of the three sources", () => {
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) expect(["schema", "docs", "emulator rule"]).toContain(row.source);
  });

  test("describes when each error code is answered", () => {
    const text = rows.map((row) => row.behaviour).join("\n");
    const missing = Object.values(CODES).filter((c) => !new RegExp(`\\b${c.code}\\b`).test(text));
    expect(missing.map((c) => c.code)).toEqual([]);
  });

  test("names every option that picks a reading of the published sources", () => {
    for (const option of [
      "finishedSimpleStatus",
      "unknownFields",
      "acceptFilenameChallenge",
      "rateLimitHeaders",
    ])
      expect(section).toContain(`\`${option}\``);
  });
});
