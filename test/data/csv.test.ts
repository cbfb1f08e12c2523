// SPDX-License-Identifier: MIT
// CSV loading: columns by name and index, numeric and categorical labels, quoting, and one test
// per kind of bad data, each naming the file and line.
import { describe, expect, it } from 'vitest';
import { csvDataset, loadCsv } from '../../src/data/csv.ts';
import { BadDataError, FastpropError } from '../../src/errors.ts';
import { Sequential } from '../../src/model.ts';
import { tempDir } from '../helpers/files.ts';

const files = tempDir('fastprop-csv-');

async function badData(promise: Promise<unknown>): Promise<BadDataError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BadDataError);
  expect((error as BadDataError).code).toBe('ERR_BAD_DATA');
  return error as BadDataError;
}

describe('loadCsv', () => {
  it('reads features and a numeric label by name, with a header', async () => {
    const path = files.write('numeric.csv', 'a,b,y\n1,2,0.5\n3,-4.5e1,1.5\n');
    const data = await loadCsv(path, { labels: 'y' });
    expect(data.x.shape).toEqual([2, 2]);
    expect(Array.from(data.x.data)).toEqual([1, 2, 3, -45]);
    expect(Array.from(data.y as Float32Array)).toEqual([0.5, 1.5]);
    expect(data.skippedRows).toBe(0);
  });

  it('chooses feature and label columns by index without a header, several labels as a matrix', async () => {
    const path = files.write('noheader.csv', '9,1,2,3\n8,4,5,6\n');
    const data = await loadCsv(path, { header: false, features: [3, 1], labels: [0, 2] });
    expect(Array.from(data.x.data)).toEqual([3, 1, 6, 4]);
    expect(data.y).toEqual({ data: Float32Array.from([9, 2, 8, 5]), shape: [2, 2] });
  });

  it('turns a categorical label column into class indices, classes inferred and sorted', async () => {
    const path = files.write('iris.csv', 'w,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n');
    const data = await loadCsv(path, { labels: 'species', categorical: true });
    expect(data.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(data.y as Int32Array)).toEqual([2, 0, 1, 0]);
  });

  it('one-hot encodes with explicit classes, in their order', async () => {
    const path = files.write('onehot.csv', 'w,c\n1,b\n2,a\n');
    const data = await loadCsv(path, { labels: 'c', classes: ['b', 'a', 'z'], labelEncoding: 'oneHot' });
    expect(data.y).toEqual({ data: Float32Array.from([1, 0, 0, 0, 1, 0]), shape: [2, 3] });
    expect(data.classes).toEqual(['b', 'a', 'z']);
  });

  it('handles another delimiter and quoted fields holding delimiters, quotes and newlines', async () => {
    const path = files.write('quoted.csv', 'x;"label; with ;";note\n1.5;"a;b";"say ""hi""\nthere"\n2;c;x\n');
    const data = await loadCsv(path, { delimiter: ';', labels: 'label; with ;', features: ['x'], categorical: true });
    expect(Array.from(data.x.data)).toEqual([1.5, 2]);
    expect(data.classes).toEqual(['a;b', 'c']);
  });

  it('streams the file in batches, afresh for every pass', async () => {
    const path = files.write('stream.csv', 'a,y\n' + Array.from({ length: 10 }, (_, i) => `${i},${i % 2}`).join('\n'));
    const stream = await csvDataset(path, { labels: 'y', batchSize: 4 });
    for (let pass = 0; pass < 2; pass++) {
      const sizes: number[] = [];
      for await (const batch of stream.batches()) sizes.push((batch.x as unknown as { shape: [number, number] }).shape[0]);
      expect(sizes).toEqual([4, 4, 2]);
    }
  });
});

describe('CSV streams with a shuffle buffer', () => {
  it('passes shuffleBuffer to the stream, and fit draws rows through it with its seed', async () => {
    const path = files.write('shuffle.csv', 'a,y\n' + Array.from({ length: 40 }, (_, i) => `${i / 40},${i % 2}`).join('\n'));
    const stream = await csvDataset(path, { labels: 'y', batchSize: 8, shuffleBuffer: 16 });
    expect(stream.shuffleBuffer).toBe(16);
    const seen: number[][] = [];
    const model = new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', seed: 1, backend: 'reference' });
    await model.fit(stream, { epochs: 1, batchSize: 8, seed: 3, callbacks: [{ onBatchEnd: (_b, logs) => void seen.push([logs.size]) }] });
    expect(seen.flat().reduce((p, q) => p + q)).toBe(40);
    await expect(csvDataset(path, { labels: 'y', shuffleBuffer: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('CSV bad data names the file and line', () => {
  it('a row with the wrong number of columns', async () => {
    const path = files.write('columns.csv', 'a,b,y\n1,2,3\n4,5\n');
    const error = await badData(loadCsv(path, { labels: 'y' }));
    expect(error.message).toBe(`${path}, line 3: expected 3 columns, got 2`);
    expect(error.line).toBe(3);
  });

  it('a non-numeric value (no silent coercion of hex, Infinity or blanks)', async () => {
    for (const [value, line] of [['abc', 2], ['0x10', 2], ['Infinity', 2], ['1e999', 2]] as const) {
      const path = files.write('nonnumeric.csv', `a,b,y\n1,${value},0\n`);
      const error = await badData(loadCsv(path, { labels: 'y' }));
      expect(error.message).toBe(`${path}, line ${line}: non-numeric value '${value}' in column 'b'`);
    }
  });

  it('a missing feature value', async () => {
    const path = files.write('missing-value.csv', 'a,b,y\n1,2,0\n1,,0\n');
    expect((await badData(loadCsv(path, { labels: 'y' }))).message).toBe(`${path}, line 3: missing value in column 'b'`);
  });

  it('a missing label', async () => {
    const path = files.write('missing-label.csv', 'a,y\n1,cat\n2,\n');
    expect((await badData(loadCsv(path, { labels: 'y', categorical: true }))).message).toBe(`${path}, line 3: missing label in column 'y'`);
  });

  it('an unknown class when the classes are given', async () => {
    const path = files.write('unknown-class.csv', 'a,y\n1,cat\n2,dog\n3,cow\n');
    const error = await badData(loadCsv(path, { labels: 'y', classes: ['cat', 'dog'] }));
    expect(error.message).toBe(`${path}, line 4: unknown class 'cow' in column 'y' (classes: cat, dog)`);
  });

  it('a non-numeric label without categorical', async () => {
    const path = files.write('label-text.csv', 'a,y\n1,cat\n');
    expect((await badData(loadCsv(path, { labels: 'y' }))).message).toMatch(new RegExp(`^${path}, line 2: non-numeric label 'cat'`));
  });

  it('an unclosed quote (structural: thrown even with skipBadRows)', async () => {
    const path = files.write('quote.csv', 'a,y\n1,0\n"2,1\n3,0\n');
    const error = await badData(loadCsv(path, { labels: 'y', skipBadRows: true }));
    expect(error.message).toMatch(new RegExp(`^${path}, line \\d+: not valid CSV: Quote Not Closed`));
  });

  it('skipBadRows skips every kind of bad row and reports how many', async () => {
    const path = files.write('skip.csv', 'a,y\n1,cat\n2\nx,dog\n3,\n4,cow\n5,dog\n');
    const data = await loadCsv(path, { labels: 'y', classes: ['cat', 'dog'], skipBadRows: true });
    expect(Array.from(data.x.data)).toEqual([1, 5]);
    expect(Array.from(data.y as Int32Array)).toEqual([0, 1]);
    expect(data.skippedRows).toBe(4);
  });
});

describe('CSV options and files', () => {
  it('a column that is not in the header', async () => {
    const path = files.write('names.csv', 'a,b\n1,2\n');
    await expect(loadCsv(path, { labels: 'lable' })).rejects.toThrow(`label column 'lable' is not in the header of ${path} (columns: a, b)`);
  });

  it('a missing file is an ERR_IO naming it', async () => {
    const path = files.path('nope.csv');
    const error = await loadCsv(path, { labels: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FastpropError);
    expect(error).toMatchObject({ code: 'ERR_IO', message: `Cannot read ${path}: no such file or directory (ENOENT)` });
  });

  it('an unknown option is rejected', async () => {
    const path = files.write('opt.csv', 'a,b\n1,2\n');
    await expect(loadCsv(path, { labels: 'b', delimeter: ';' } as never)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' });
  });
});
