// SPDX-License-Identifier: MIT
// Preloaded (node --require) by scripts/fuzz.sh in compatibility mode: loads the patched copy of
// @jazzer.js/fuzzer's prebuilt engine (FASTPROP_FUZZ_ENGINE) in place of the original.
'use strict';
const path = require('node:path');
const engine = process.env.FASTPROP_FUZZ_ENGINE;
const dlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  if (engine && /^fuzzer-linux-[^/\\]*\.node$/.test(path.basename(filename)) && /@jazzer\.js[/\\]fuzzer[/\\]/.test(filename)) {
    return dlopen.call(this, module, engine, ...rest);
  }
  return dlopen.call(this, module, filename, ...rest);
};
