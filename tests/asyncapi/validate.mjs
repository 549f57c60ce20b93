// Validates an AsyncAPI document with the official parser; prints its diagnostics and exits 1
// on any error. Prints the message names of every operation when valid.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const path = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"), { source: path });
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) {
  console.error(`${["error", "warning", "info", "hint"][d.severity]} ${d.code} ${d.path.join(".")}: ${d.message}`);
}
if (!document || errors.length > 0) {
  console.error(`${path}: ${errors.length} error(s)`);
  process.exit(1);
}
for (const op of document.operations()) {
  for (const m of op.messages()) {
    console.log(`${op.action()} ${m.name()}`);
  }
}
