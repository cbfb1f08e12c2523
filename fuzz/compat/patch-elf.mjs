// SPDX-License-Identifier: MIT
// Copies an ELF64 little-endian shared object and marks some of its version requirements
// (.gnu.version_r entries such as GLIBC_2.38) weak, so that the dynamic loader accepts a system
// that lacks those versions; the symbols themselves then come from a preloaded shim
// (glibc-compat.cc). Used by scripts/fuzz.sh; see fuzz/README.md.
//   node fuzz/compat/patch-elf.mjs IN OUT VERSION...
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, ...versions] = process.argv.slice(2);
if (!input || !output || versions.length === 0) throw new Error('usage: patch-elf.mjs IN OUT VERSION...');
const elf = readFileSync(input);
if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error(`${input}: not an ELF64 little-endian file`);

const SHT_GNU_VERNEED = 0x6ffffffe;
const VER_FLG_WEAK = 0x2;
const shoff = Number(elf.readBigUInt64LE(0x28));
const shentsize = elf.readUInt16LE(0x3a);
const shnum = elf.readUInt16LE(0x3c);
const section = (i) => {
  const at = shoff + i * shentsize;
  return { type: elf.readUInt32LE(at + 4), offset: Number(elf.readBigUInt64LE(at + 0x18)), link: elf.readUInt32LE(at + 0x28), info: elf.readUInt32LE(at + 0x2c) };
};
const cString = (at) => elf.toString('latin1', at, elf.indexOf(0, at));

const weakened = [];
for (let i = 0; i < shnum; i++) {
  const s = section(i);
  if (s.type !== SHT_GNU_VERNEED) continue;
  const strtab = section(s.link).offset;
  let need = s.offset;
  for (let n = 0; n < s.info; n++) {
    const file = cString(strtab + elf.readUInt32LE(need + 4));
    let aux = need + elf.readUInt32LE(need + 8);
    for (let a = 0; a < elf.readUInt16LE(need + 2); a++) {
      const name = cString(strtab + elf.readUInt32LE(aux + 8));
      if (versions.includes(name)) {
        elf.writeUInt16LE(elf.readUInt16LE(aux + 4) | VER_FLG_WEAK, aux + 4);
        weakened.push(`${file}:${name}`);
      }
      aux += elf.readUInt32LE(aux + 12);
    }
    need += elf.readUInt32LE(need + 12);
  }
}
writeFileSync(output, elf);
console.log(`patch-elf: ${weakened.join(', ') || 'nothing'} made weak in ${output}`);
