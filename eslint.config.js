import tseslint from "typescript-eslint";

/** Modules for files and the process, and the CLI's own libraries: the CLI's business alone. */
const FILES_AND_PROCESS = ["fs", "node:fs", "fs/promises", "node:fs/promises", "process", "node:process"];
const CLI_LIBRARIES = ["chalk", "commander"];

/** The core (spf, dkim, domainkeys, message, postfix) imports only core code, the Resolver type and node:crypto. */
const coreRestrictions = {
  patterns: [
    { group: ["**/cli/**", "../cli/*"], message: "The core must not import the CLI." },
    {
      group: ["**/dns/*", "!**/dns/resolver.js", "!**/dns/names.js"],
      message:
        "The core may import only src/dns/resolver.ts (the Resolver type) and src/dns/names.ts (pure name checks).",
    },
  ],
  paths: [
    ...FILES_AND_PROCESS,
    "dns",
    "node:dns",
    "child_process",
    "node:child_process",
    "readline",
    "node:readline",
    ...CLI_LIBRARIES,
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
    files: [
      "src/spf/**",
      "src/dkim/**",
      "src/domainkeys/**",
      "src/message/**",
      "src/postfix/**",
      "src/dmarc/**",
    ],
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
    // Start-up cost: `spfdk --version`, check-spf, sign and verify must start nearly as fast as bare
    // node, so only spf-wizard and postfix-config (and flags.ts, which they use) may load zod or the
    // prompt library; the others validate with src/cli/flag-rules.ts.
    files: ["src/cli/**"],
    ignores: ["src/cli/spf-wizard*.ts", "src/cli/postfix-*.ts", "src/cli/flags.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["zod", "zod/mini", "@inquirer/prompts"].map((name) => ({
            name,
            message: "Heavy module: only spf-wizard and postfix-config may load it (use ./flag-rules.js).",
          })),
          patterns: [{ group: ["./flags.js"], message: "flags.ts loads zod: use ./flag-rules.js." }],
        },
      ],
    },
  },
  {
    // The daemons (spfdk filter, spfdk policy) do network I/O but are not the CLI: they log through
    // a callback and never touch the terminal, the file system or the process.
    files: ["src/filter/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/cli/**", "../cli/*"], message: "src/filter must not import the CLI." }],
          paths: [...FILES_AND_PROCESS, ...CLI_LIBRARIES].map((name) => ({
            name,
            message: "src/filter logs through its callbacks; files and the process are the CLI's.",
          })),
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "src/filter never touches process." },
        { name: "console", message: "src/filter logs through its callbacks." },
      ],
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", process: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
