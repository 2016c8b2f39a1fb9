/** Jest runs the TypeScript sources as native ESM through ts-jest (transpile only: `tsc --noEmit` type-checks first). */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }],
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/test/helpers/summary-reporter.cjs"],
};
