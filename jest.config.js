/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Type-checking is `npm run typecheck`'s job; jest only transpiles (decorator metadata included).
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  setupFiles: ["reflect-metadata"],
  testTimeout: 30000,
};
