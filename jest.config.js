/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
  // istanbul instrumentation would be serialized into every resource's __provider (DESIGN.md, fact 12).
  coverageProvider: "v8",
  // A guard against hangs, not a timing target (those live in `npm run bench`): engine-level tests start
  // Pulumi's plugin process for every operation, and on a loaded 2-core machine a lifecycle test of
  // seven operations has taken 26–40 s.
  testTimeout: 90000,
};
