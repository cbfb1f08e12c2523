// SPDX-License-Identifier: MIT
// Child process: tries one save and prints the outcome as JSON (run as another user to test an
// unwritable directory when the tests run as root, for whom permission bits do not apply).
//   node --import tsx test/helpers/save-once.ts PATH
import { Sequential } from '../../src/model.ts';

const model = new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', backend: 'reference', seed: 3 });
try {
  await model.save(process.argv[2]!);
  console.log(JSON.stringify({ saved: true }));
} catch (error) {
  console.log(JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message }));
}
