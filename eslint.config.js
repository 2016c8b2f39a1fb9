import tseslint from "typescript-eslint";

/** The core (spf, dkim, domainkeys, message, postfix) imports only core code, the Resolver type and node:crypto. */
const coreRestrictions = {
  patterns: [
    { group: ["**/cli/**", "../cli/*"], message: "The core must not import the CLI." },
    {
      group: ["**/dns/*", "!**/dns/resolver.js", "!**/dns/names.js"],
      message: "The core may import only src/dns/resolver.ts (the Resolver type) and src/dns/names.ts (pure name checks).",
    },
  ],
  paths: [
    "fs",
    "node:fs",
    "fs/promises",
    "node:fs/promises",
    "process",
    "node:process",
    "dns",
    "node:dns",
    "child_process",
    "node:child_process",
    "readline",
    "node:readline",
    "chalk",
    "commander",
    "@inquirer/prompts",
    "dns2",
  ].map((name) => ({ name, message: "The core never touches the file system, terminal, process or DNS." })),
};

export default tseslint.config(
  { ignores: ["dist/**", "build/**", "node_modules/**", "coverage/**", "templates/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/spf/**", "src/dkim/**", "src/domainkeys/**", "src/message/**", "src/postfix/**", "src/dmarc/**"],
    rules: {
      "no-restricted-imports": ["error", coreRestrictions],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "The core never touches process." },
        { name: "console", message: "The core never prints." },
      ],
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", process: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
