// SPDX-License-Identifier: MIT
/**
 * GEMM throughput of every kernel this CPU runs, through the addon's test hook `_sgemm`, against
 * torch.mm and the machine's FMA peak. Shapes: squares, and the MLP's forward and backward
 * products (m×k·k×n; "Aᵀ" and "Bᵀ" mean that operand is stored transposed, as backprop reads
 * it). C = A·B with beta = 0 and no bias; GFLOP/s counts 2·m·n·k.
 */
import { loadNative, type Kernel, type NativeBinding } from '../dist/native.js';
import type { BenchContext, SectionResult } from './context.ts';
import { uniformArray } from './data.ts';
import { median, runSuite, type MicroCase } from './stats.ts';
import { divide, num, percent, ratio, verdict, type Table } from './table.ts';
import { summarise, type Measured } from './targets.ts';
import { bestLayoutMedian, Torch } from './torch.ts';

interface Shape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly what?: string;
}

const SQUARES = [128, 256, 512, 1024, 2048];
const SHAPES: readonly Shape[] = [
  ...SQUARES.map((s) => ({ m: s, k: s, n: s })),
  { m: 64, k: 784, n: 512, what: 'layer 1 forward' },
  { m: 64, k: 512, n: 256, what: 'layer 2 forward' },
  { m: 784, k: 64, n: 512, transA: true, what: 'Xᵀ·δ, layer 1 weight grad' },
  { m: 64, k: 512, n: 784, transB: true, what: 'δ·Wᵀ' },
];

/** The key torch_mlp.py uses for a shape: MxKxN, "/tn" or "/nt" for a transposed operand. */
function key(s: Shape): string {
  return `${s.m}x${s.k}x${s.n}${s.transA ? '/tn' : s.transB ? '/nt' : ''}`;
}

function label(s: Shape): string {
  const a = s.transA ? `${s.m}×${s.k} (Aᵀ)` : `${s.m}×${s.k}`;
  const b = s.transB ? `${s.k}×${s.n} (Bᵀ)` : `${s.k}×${s.n}`;
  return `${a}·${b}${s.what ? ` ${s.what}` : ''}`;
}

/** The FMA-peak probe another change adds to the addon; absent in older builds. */
type WithPeak = NativeBinding & { _fmaPeak?: (kernel: Kernel, threads: number) => number };

function fmaPeak(binding: WithPeak, kernel: Kernel, threads: number): number | undefined {
  return typeof binding._fmaPeak === 'function' ? binding._fmaPeak(kernel, threads) : undefined;
}

function gemmCase(binding: NativeBinding, s: Shape, kernel: Kernel, threads: number): MicroCase {
  // Operands stored as backprop stores them: Aᵀ is k×m (lda = m), Bᵀ is n×k (ldb = k).
  const a = uniformArray(s.m * s.k, 11, -1, 1);
  const b = uniformArray(s.k * s.n, 12, -1, 1);
  const c = new Float32Array(s.m * s.n);
  const lda = s.transA ? s.m : s.k;
  const ldb = s.transB ? s.k : s.n;
  const ta = s.transA ?? false;
  const tb = s.transB ?? false;
  return { name: `${key(s)} ${kernel} ${threads}`, fn: () => binding._sgemm(ta, tb, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n, null, kernel, threads) };
}

export async function gemmSection(ctx: BenchContext): Promise<SectionResult> {
  const binding = loadNative() as WithPeak;
  const { kernels, defaultKernel } = binding.backendInfo();
  const threadCounts = [...new Set([1, ctx.threads])];
  const tables: Table[] = [];
  const data: Record<string, unknown>[] = [];
  const peaks: Record<string, Record<Kernel, number | undefined>> = {};
  const vsTorchCases: Measured[] = [];
  const vsPeakCases: Measured[] = [];
  const rounds = ctx.quick ? 1 : 3;
  const perRound = { maxTime: ctx.micro.maxTime / rounds, minSamples: Math.max(3, Math.ceil(ctx.micro.minSamples / rounds)) };

  for (const threads of threadCounts) {
    ctx.log(`gemm: ${threads} thread(s), kernels ${kernels.join(', ')}`);
    const seconds = new Map<string, number>();
    const torch = await Torch.open(threads);
    const torchGflops: Record<string, number> = {};
    const shapePeaks = new Map<string, Record<Kernel, number | undefined>>();
    const peakProbes: Record<Kernel, number[]> = { scalar: [], avx2: [], avx512: [] };
    try {
      for (const s of SHAPES) {
        // Rounds, each: FMA-peak probes, torch.mm, fastprop's Suite, torch.mm, probes again. On a
        // shared machine, a burst of load from other tenants then hits every figure of the shape
        // alike instead of whichever ran during it.
        const req = { op: 'gemm', shape: key(s), seconds: ctx.torchSeconds } as const;
        const cases = kernels.map((k) => gemmCase(binding, s, k, threads));
        const fast = new Map<string, number[]>(cases.map((c) => [c.name, []]));
        const probes: Record<Kernel, number[]> = { scalar: [], avx2: [], avx512: [] };
        const torchRounds: number[][] = [];
        const probe = () => {
          for (const k of kernels) {
            const peak = fmaPeak(binding, k, threads);
            if (peak !== undefined) probes[k].push(peak);
          }
        };
        for (let round = 0; round < rounds; round++) {
          probe();
          if (!('missing' in torch)) torchRounds.push(await torch.sample(req));
          for (const [name, t] of await runSuite(cases, perRound)) fast.get(name)!.push(...t);
          if (!('missing' in torch)) torchRounds.push(await torch.sample(req));
          probe();
        }
        for (const [name, t] of fast) seconds.set(name, median(t));
        if (!('missing' in torch)) torchGflops[key(s)] = bestLayoutMedian(torchRounds);
        // The highest probe around this shape: load from other tenants can only lower a probe, and
        // an underestimated peak would flatter the fraction.
        shapePeaks.set(key(s), Object.fromEntries(kernels.map((k) => [k, probes[k].length ? Math.max(...probes[k]) : undefined])) as Record<Kernel, number | undefined>);
        for (const k of kernels) peakProbes[k].push(...probes[k]);
      }
    } finally {
      if (!('missing' in torch)) torch.close();
    }
    // The best probe of the run: the estimate of the machine's real ceiling, for the note.
    peaks[threads] = Object.fromEntries(kernels.map((k) => [k, peakProbes[k].length ? Math.max(...peakProbes[k]) : undefined])) as Record<Kernel, number | undefined>;

    const rows = SHAPES.map((s) => {
      const gflops = Object.fromEntries(kernels.map((k) => [k, (2 * s.m * s.n * s.k) / seconds.get(`${key(s)} ${k} ${threads}`)! / 1e9])) as Record<Kernel, number>;
      const fraction = Object.fromEntries(kernels.map((k) => [k, divide(gflops[k], shapePeaks.get(key(s))?.[k])])) as Record<Kernel, number | undefined>;
      const torchValue = torchGflops[key(s)];
      const vsTorch = divide(gflops[defaultKernel], torchValue);
      const peakTarget = threads === 1 && !s.transA && !s.transB && s.m === s.k && s.k === s.n && s.m >= 512;
      vsTorchCases.push({ label: `${key(s)}, ${threads} thread${threads === 1 ? '' : 's'}`, value: vsTorch });
      if (peakTarget) vsPeakCases.push({ label: key(s), value: fraction[defaultKernel] });
      data.push({ shape: key(s), threads, gflops, fractionOfPeak: fraction, torchGflops: torchValue ?? null, vsTorch: vsTorch ?? null });
      return [
        label(s),
        // Without the probe the fraction is n/a throughout; the note and target column say so.
        ...kernels.map((k) => (fraction[k] === undefined ? num(gflops[k]) : `${num(gflops[k])} (${percent(fraction[k])})`)),
        'missing' in torch ? torch.missing : num(torchValue),
        ratio(vsTorch),
        verdict(vsTorch, '≥ 0.90×', (v) => v >= 0.9),
        peakTarget ? verdict(fraction[defaultKernel], '≥ 80%', (v) => v >= 0.8) : '',
      ];
    });
    tables.push({
      title: `GEMM, ${threads} thread${threads === 1 ? '' : 's'}: GFLOP/s (in brackets: fraction of that kernel's FMA peak)`,
      headers: ['shape m×k·k×n', ...kernels, 'torch.mm', `${defaultKernel} ÷ torch`, 'target vs torch', 'target vs peak'],
      rows,
      notes: [
        `FMA peak (GFLOP/s): ${kernels.map((k) => `${k} ${num(peaks[threads]![k])}`).join(', ')}` +
          (typeof binding._fmaPeak === 'function'
            ? ` (addon probe _fmaPeak, the best of the run; each fraction divides by the best probe timed around that shape's own rounds)`
            : ' — n/a: this build of the addon has no _fmaPeak probe'),
        `${rounds} round(s) per shape, each: peak probes, torch.mm, fastprop's benchmark.js Suite, torch.mm, peak probes. fastprop: median of the Suites' samples of one _sgemm call (beta = 0, no bias); torch.mm: ${'missing' in torch ? torch.missing : `${torch.system}, median of ${2 * rounds} chunks of ${ctx.torchSeconds} s, the better of threading layouts ${torch.describeLayouts()}`}`,
        `targets apply to the default kernel (${defaultKernel}); the peak target to squares ≥ 512 on 1 thread`,
      ],
    });
  }
  const targets = [
    summarise(`GEMM (${defaultKernel}) ≥ 0.90× torch.mm, every shape and thread count`, vsTorchCases, (v) => v >= 0.9, (v) => `${v.toFixed(2)}×`, 'lower'),
    summarise(`GEMM (${defaultKernel}) ≥ 80% of FMA peak, squares ≥ 512, 1 thread`, vsPeakCases, (v) => v >= 0.8, (v) => `${Math.round(v * 100)}%`, 'lower'),
  ];
  return { tables, targets, data: { defaultKernel, peaks, results: data } };
}
