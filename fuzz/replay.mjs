// SPDX-License-Identifier: MIT
/**
 * Runs a fuzz target on given inputs, without the fuzzer, and says for each whether it passes or
 * what it throws: to reproduce a finding (scripts/fuzz.sh names the input file) or check a fix.
 *   node fuzz/replay.mjs <target> <input-file>…     e.g. node fuzz/replay.mjs idx /tmp/…/idx-crash-…
 * Exits 1 when any input fails. Run `npm run build` (or tsc -p tsconfig.build.json) first.
 */
import { readFileSync } from 'node:fs';

const [target, ...inputs] = process.argv.slice(2);
if (!target || inputs.length === 0) {
  console.error('usage: node fuzz/replay.mjs <target> <input-file>…');
  process.exit(2);
}
const { fuzz } = await import(new URL(`./${target}.fuzz.js`, import.meta.url).href);
let failed = 0;
for (const input of inputs) {
  try {
    await fuzz(readFileSync(input));
    console.log(`pass: ${input}`);
  } catch (error) {
    failed++;
    console.log(`FAIL: ${input}`);
    console.log(error);
  }
}
process.exit(failed > 0 ? 1 : 0);
