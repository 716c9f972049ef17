/**
 * Reading and writing a cliff run's `trajectory.json` (the format and the
 * recorder: `trajectory-codec.ts`).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { TRAJECTORY_FILE, runFile } from './layout.js';
import { writeRunFile } from './write.js';
import { decodeTrajectory, encodeTrajectory, type CliffTrajectory } from './trajectory-codec.js';

export { TrajectoryRecorder, cliffTrajectory, decodeTrajectory, encodeTrajectory, type CliffTrajectory, type TrajectoryPoint } from './trajectory-codec.js';

/**
 * Reads `trajectory.json` of the run folder `dir`: null when there is none,
 * else the trajectory or why it cannot be used.
 */
export function readTrajectory(dir: string): { trajectory: CliffTrajectory } | { error: string } | null {
  const path = runFile(dir, 'trajectory');
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    return { error: `is not valid JSON (${(e as Error).message})` };
  }
  return decodeTrajectory(value);
}

/** Writes `trajectory.json` into the run folder `dir` atomically. */
export function writeTrajectory(dir: string, t: CliffTrajectory): void {
  writeRunFile(dir, TRAJECTORY_FILE, encodeTrajectory(t));
}

