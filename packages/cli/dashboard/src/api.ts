/**
 * Client of `gradclip serve`'s JSON API (shapes documented in
 * `src/server/server.ts`). Step records arrive JSON-safe and are decoded
 * with the library's `decodeStepStats`; a record that does not decode is
 * turned into a warning, never an exception.
 */
import { decodeStepStats, type StepStats } from './lib.js';

/** One run of `GET /api/runs` (the server's own type; a type-only import bundles nothing). */
export type { RunInfo } from '../../src/server/runs.js';
import type { RunInfo } from '../../src/server/runs.js';

/** The parts of `summary.json` the viewer reads. */
export interface SummaryLike {
  steps?: number;
  diverged?: boolean;
  divergedAtStep?: number | null;
  config?: { task?: string; model?: string; clip?: string; steps?: number; lr?: number; init?: string; length?: number; seed?: number };
}

/** Reply of `GET /api/steps`. */
export interface StepsReply {
  run: string;
  steps: unknown[];
  warnings: string[];
  next: { offset: number; line: number };
  size: number;
  pendingBytes: number;
  reset: boolean;
  more: boolean;
  finished: boolean;
  summary: SummaryLike | null;
  summaryWarning?: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try {
      msg = ((await res.json()) as { error?: string }).error ?? msg;
    } catch {
      // not JSON
    }
    throw new Error(`${url}: ${msg}`);
  }
  return (await res.json()) as T;
}

/** Lists the runs (throws when no gradclip server answers). */
export async function fetchRuns(): Promise<RunInfo[]> {
  return (await getJson<{ runs: RunInfo[] }>('api/runs')).runs;
}

/** Fetches the records of `run` after the cursor. */
export async function fetchSteps(run: string, cursor: { offset: number; line: number }): Promise<StepsReply> {
  return getJson<StepsReply>(`api/steps?run=${encodeURIComponent(run)}&offset=${cursor.offset}&line=${cursor.line}`);
}

/** Decodes records; a bad one becomes a warning. */
export function decodeRecords(raw: readonly unknown[]): { steps: StepStats[]; warnings: string[] } {
  const steps: StepStats[] = [];
  const warnings: string[] = [];
  for (const r of raw) {
    try {
      steps.push(decodeStepStats(r));
    } catch (e) {
      warnings.push(`record skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { steps, warnings };
}

/** URL of a file inside a run folder. */
export function runFileUrl(run: string, file: string): string {
  const parts = run === '.' ? [] : run.split('/');
  return `files/${[...parts, file].map(encodeURIComponent).join('/')}`;
}
