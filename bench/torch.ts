// SPDX-License-Identifier: MIT
/**
 * PyTorch figures from bench/torch_mlp.py, always started through bench/torch-reference.sh (which
 * lifts the OpenBLAS core-type pin and sets the threading layout).
 *
 * Timings use long-lived `--serve` processes, one per threading layout (torch's OpenMP threads ×
 * OpenBLAS threads: 1×N and N×1), so the sections can alternate PyTorch's timed chunks with
 * fastprop's: on a shared machine, load that comes and goes then hits both alike. PyTorch's
 * figure is the best layout's median. The peak-RSS run needs a fresh process: {@link runTorch}.
 */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { median, type Contender } from './stats.ts';

const SCRIPT = fileURLToPath(new URL('./torch-reference.sh', import.meta.url));

const RUNNER = fileURLToPath(new URL('./torch_mlp.py', import.meta.url));

let missing: Promise<string | undefined> | undefined;

/**
 * Why PyTorch cannot be measured here, or undefined when it can (checked once): Debian's
 * python3-torch must be importable by /usr/bin/python3, and its torch.mm must reach a real BLAS.
 * Debian's torch links libblas.so.3, and with only the netlib reference BLAS that python3-torch
 * pulls in, torch.mm runs at ~3 GFLOP/s: ratios against that would flatter fastprop by an order
 * of magnitude, so its columns say so instead of showing a figure.
 */
function torchMissing(): Promise<string | undefined> {
  missing ??= new Promise((resolve) => {
    execFile('/usr/bin/python3', [RUNNER, '--which-blas'], (error, stdout) => {
      if (error) return resolve('not installed');
      let blas: { name: string; reference: boolean };
      try {
        blas = JSON.parse(stdout) as typeof blas;
      } catch {
        process.stderr.write(`PyTorch runner failed: bad output from --which-blas: ${stdout}\n`);
        return resolve('failed');
      }
      if (!blas.reference) return resolve(undefined);
      process.stderr.write('PyTorch left out: its torch.mm uses the reference BLAS (netlib), a strawman; install OpenBLAS: apt-get install -y libopenblas0-pthread\n');
      resolve('reference BLAS');
    });
  });
  return missing;
}

export type TorchRequest = { readonly op: 'mlp'; readonly batch: number; readonly seconds: number } | { readonly op: 'gemm'; readonly shape: string; readonly seconds: number };

/** One `--serve` process in one threading layout. */
class Server {
  readonly omp: number;
  readonly blas: number;
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: Interface;
  readonly #pending: ((line: string | undefined) => void)[] = [];

  constructor(omp: number, blas: number) {
    this.omp = omp;
    this.blas = blas;
    this.#child = spawn('bash', [SCRIPT, '--layout', String(omp), String(blas), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on('line', (line) => this.#pending.shift()?.(line));
    this.#child.on('exit', () => { for (const p of this.#pending.splice(0)) p(undefined); });
  }

  /** The next line the server prints, parsed. */
  next<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#pending.push((line) => (line === undefined ? reject(new Error(`PyTorch runner (layout ${this.omp}×${this.blas}) exited`)) : resolve(JSON.parse(line) as T)));
    });
  }

  request<T>(req: TorchRequest): Promise<T> {
    const reply = this.next<T>();
    this.#child.stdin.write(`${JSON.stringify(req)}\n`);
    return reply;
  }

  close(): void {
    this.#child.stdin.end();
  }
}

/** PyTorch on `threads` cores, in each threading layout. */
export class Torch {
  readonly system: string;
  readonly threads: number;
  readonly servers: readonly Server[];
  /** Whether every runner reported subnormals flushed to zero (torch.set_flush_denormal). */
  readonly flushesSubnormals: boolean;

  private constructor(system: string, threads: number, servers: readonly Server[], flushesSubnormals: boolean) {
    this.system = system;
    this.threads = threads;
    this.servers = servers;
    this.flushesSubnormals = flushesSubnormals;
  }

  /** Starts the servers, or says why PyTorch is unavailable. */
  static async open(threads: number): Promise<Torch | { readonly missing: string }> {
    const why = await torchMissing();
    if (why) return { missing: why };
    const layouts = threads === 1 ? [[1, 1]] : [[1, threads], [threads, 1]];
    const servers = layouts.map(([omp, blas]) => new Server(omp!, blas!));
    try {
      const hello = await Promise.all(servers.map((s) => s.next<{ system: string; flush_subnormals?: boolean }>()));
      return new Torch(hello[0]!.system, threads, servers, hello.every((h) => h.flush_subnormals === true));
    } catch (error) {
      for (const s of servers) s.close();
      process.stderr.write(`PyTorch runner failed: ${(error as Error).message}\n`);
      return { missing: 'failed' };
    }
  }

  /** One timed chunk in each layout, one layout after the other: a value per layout. */
  async sample(req: TorchRequest): Promise<number[]> {
    const values: number[] = [];
    for (const server of this.servers) {
      const reply = await server.request<{ samples_per_s?: number; gflops?: number }>(req);
      values.push(reply.samples_per_s ?? reply.gflops ?? Number.NaN);
    }
    return values;
  }

  /**
   * One contender per layout for {@link interleave}: each sample is one timed chunk of the
   * request (the server warms up, untimed, on its first request for a batch or shape).
   */
  contenders(req: TorchRequest, samples: number): Contender[] {
    return this.servers.map((server) => ({
      name: `PyTorch ${server.omp}×${server.blas}`,
      samples,
      prepare: async () => {},
      sample: async () => {
        const reply = await server.request<{ samples_per_s?: number; gflops?: number }>(req);
        return reply.samples_per_s ?? reply.gflops ?? Number.NaN;
      },
      dispose: () => {},
    }));
  }

  /** "1×2, 2×1 (torch × OpenBLAS threads)". */
  describeLayouts(): string {
    return `${this.servers.map((s) => `${s.omp}×${s.blas}`).join(', ')} (torch × OpenBLAS threads)`;
  }

  close(): void {
    for (const s of this.servers) s.close();
  }
}

/** From per-round samples (each a value per layout): the best layout's median. */
export function bestLayoutMedian(rounds: readonly (readonly number[])[]): number {
  const layouts = rounds[0]?.length ?? 0;
  return Math.max(...Array.from({ length: layouts }, (_, l) => median(rounds.map((r) => r[l]!))));
}

export interface TorchRss {
  readonly system: string;
  readonly rss?: { peak_rss_bytes: number; samples_per_s: number };
}

/** A one-shot run of torch-reference.sh (both layouts, merged), e.g. for peak RSS. */
export async function runTorch(threads: number, args: readonly string[]): Promise<{ readonly ok: TorchRss } | { readonly missing: string }> {
  const why = await torchMissing();
  if (why) return { missing: why };
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, String(threads), ...args], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      try {
        const parsed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as TorchRss | { error: string };
        if ('error' in parsed) return resolve({ missing: 'not installed' });
        if (error) throw error;
        resolve({ ok: parsed });
      } catch {
        // A crash of the Python side should not sink the whole run: that column says why.
        process.stderr.write(`PyTorch runner failed: ${error?.message ?? 'bad output'}\n${stderr}`);
        resolve({ missing: 'failed' });
      }
    });
  });
}
