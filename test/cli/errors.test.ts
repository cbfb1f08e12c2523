// SPDX-License-Identifier: MIT
// Every bad argument or bad data file makes the CLI print ONE line on stderr,
// `fastprop: error: …`, and exit non-zero: 2 for bad arguments, 1 for bad data. Never a stack trace.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { fastprop, hasStackTrace, irisLikeCsv, quadrantIdx } from './run.ts';

const tmp = tempDir('fastprop-cli-errors-');
const iris = tmp.write('iris.csv', irisLikeCsv(30));
const badValue = tmp.write('bad-value.csv', 'a,b,y\n1,2,0\n3,oops,1\n');
const ragged = tmp.write('ragged.csv', 'a,b,y\n1,2,0\n3,4\n');
const { images, labels } = quadrantIdx(20);
const idxImages = tmp.write('images.idx', images);
const idxLabels = tmp.write('labels.idx', labels);
const truncated = tmp.write('truncated.idx', images.subarray(0, images.length - 5));
const notModel = tmp.write('not-a-model.fprop', 'hello\n');
const rowsJson = tmp.write('rows.json', '[[1, 2, 3, 4], [1, "x", 3, 4]]');

const USAGE = 2;
const FAILURE = 1;

describe('errors: one line on stderr, non-zero exit, no stack trace', () => {
  it.each([
    ['unknown option', ['train', '--bogus'], USAGE, /unknown option '--bogus'/],
    ['unknown command', ['trian'], USAGE, /unknown command 'trian'/],
    ['non-numeric learning rate', ['train', '--lr', 'fast'], USAGE, /option '--lr <rate>' argument 'fast' is invalid/],
    ['zero epochs', ['train', '--epochs', '0'], USAGE, /'--epochs <n>' argument '0' is invalid\. Expected a positive integer/],
    ['bad layer list', ['train', '--layers', '512,x'], USAGE, /'--layers <units>' argument '512,x' is invalid/],
    ['unknown optimizer', ['train', '--optimizer', 'lbfgs'], USAGE, /Allowed choices are sgd, adam, adamw, rmsprop, adagrad/],
    ['validation split of 1', ['train', '--validation-split', '1'], USAGE, /'--validation-split <fraction>' argument '1' is invalid/],
    ['momentum with adam', ['train', '--momentum', '0.9'], USAGE, /--momentum applies to --optimizer sgd or rmsprop, not adam/],
    ['csv and idx together', ['train', '--csv', iris, '--idx', idxImages, idxLabels], USAGE, /pass --csv or --idx, not both/],
    ['csv without a label', ['train', '--csv', iris], USAGE, /--csv needs --label COLUMN/],
    ['idx with one file', ['train', '--idx', idxImages], USAGE, /--idx takes two files, IMAGES LABELS; got 1/],
    ['label flag without csv', ['train', '--label', 'y'], USAGE, /--label applies to --csv data only/],
    ['output directory missing', ['train', '--out', tmp.path('missing/dir/model.fprop')], USAGE, /the directory .* does not exist/],
    ['regression loss on classes', ['train', '--csv', iris, '--label', 'species', '--categorical', '--loss', 'meanSquaredError'], USAGE, /needs numeric labels, but the labels are classes/],
    ['missing CSV file', ['train', '--csv', tmp.path('nope.csv'), '--label', 'y'], FAILURE, /Cannot read .*nope\.csv: no such file or directory \(ENOENT\)/],
    ['unknown label column', ['train', '--csv', iris, '--label', 'kind'], FAILURE, /label column 'kind' is not in the header of .*iris\.csv \(columns: a, b, c, d, species\)/],
    ['class names without --categorical', ['train', '--csv', iris, '--label', 'species'], FAILURE, /iris\.csv, line 2: non-numeric label 'setosa' in column 'species' \(help: pass --categorical/],
    ['non-numeric CSV value', ['train', '--csv', badValue, '--label', 'y'], FAILURE, /bad-value\.csv, line 3: non-numeric value 'oops' in column 'b'/],
    ['ragged CSV row', ['train', '--csv', ragged, '--label', 'y'], FAILURE, /ragged\.csv, line 3: expected 3 columns, got 2/],
    ['truncated IDX file', ['train', '--idx', truncated, idxLabels], FAILURE, /truncated\.idx/],
    ['missing model file', ['info', tmp.path('nope.fprop')], FAILURE, /Cannot read .*nope\.fprop: no such file or directory/],
    ['not a model file', ['info', notModel], FAILURE, /not-a-model\.fprop is not a valid fastprop model file: it does not start with the magic bytes/],
    ['evaluate without a model', ['evaluate'], USAGE, /missing required argument 'model'/],
    ['predict with one argument', ['predict', notModel], USAGE, /missing required argument 'input'/],
  ])('%s', (_name, args, code, message) => {
    const r = fastprop(args as string[]);
    expect(r.status).toBe(code);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^fastprop: error: /);
    expect(lines[0]).toMatch(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('bad data for a trained model: wrong input width, and a non-number in JSON input', () => {
    const model = tmp.path('iris.fprop');
    expect(fastprop(['train', '--csv', iris, '--label', 'species', '--categorical', '--layers', '4', '--epochs', '2', '--quiet', '--out', model]).status).toBe(0);
    const cases: [string[], RegExp][] = [
      [['evaluate', model, '--idx', idxImages, idxLabels], /Expected x with 4 columns, got 16/],
      [['predict', model, rowsJson], /rows\.json: row 2: value 1 is "x", not a finite number/],
      [['predict', model, iris, '--features', 'a,b'], /the model takes 4 inputs but .*iris\.csv gives 2 \(a, b\); pick the input columns with --features/],
      [['evaluate', model], /give the data to evaluate on with --csv FILE or --idx IMAGES LABELS/],
    ];
    for (const [args, message] of cases) {
      const r = fastprop(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });

  it('--debug adds the stack trace', () => {
    const r = fastprop(['info', notModel, '--debug']);
    expect(r.status).toBe(FAILURE);
    expect(r.stderr).toMatch(/^fastprop: error: /);
    expect(hasStackTrace(r.stderr)).toBe(true);
  });
});
