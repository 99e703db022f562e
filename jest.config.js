/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  // istanbul instrumentation would be serialized into every resource's __provider (DESIGN.md, fact 12).
  coverageProvider: "v8",
  testTimeout: 30000,
};
