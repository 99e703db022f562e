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
