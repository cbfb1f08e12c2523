// SPDX-License-Identifier: MIT
/** The machine a run happened on, printed above the tables and written into RESULTS.md. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  /** 1-minute load average when the run started: other tenants' load skews every figure. */
  readonly loadAtStart: number;
}

/** "AMD EPYC (family 25, model 17)": the model name alone can be too vague to tell generations. */
function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
    const family = field('cpu family');
    const model = field('model');
    return `${field('model name') ?? 'unknown'}${family && model ? ` (family ${family}, model ${model})` : ''}`;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

export function machine(): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    loadAtStart: os.loadavg()[0] ?? 0,
  };
}

export function describeMachine(m: Machine, loadAtEnd: number): string[] {
  return [
    `- date: ${m.date}`,
    `- node: ${m.node}`,
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- 1-minute load average: ${m.loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end, on ${m.cores} cores (the bench itself adds up to ${m.cores}; the machine is shared, and other tenants' load lowers figures unevenly)`,
  ];
}
