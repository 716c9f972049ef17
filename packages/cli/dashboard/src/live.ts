/**
 * The live page: two experiments with the same model, data and seed but
 * their own clipping, stepped alternately in short time slices
 * (`setTimeout(0)` between slices, charts redrawn on animation frames), so
 * the page stays responsive while both train.
 */
import * as tf from '@tensorflow/tfjs-core';
import { diagnose, experiments, recommendThreshold, type RecommendedThreshold } from './lib.js';
import { initBackend, type BackendChoice } from './backend.js';
import { readSettings, type LiveSettings } from './form.js';
import { RunPanel } from './run-panel.js';
import { thresholdAdvice } from './words.js';
import { readableRange } from '../../src/report/off-scale.js';

/** Milliseconds of training per slice before yielding to the browser. */
export const SLICE_MS = 24;
/** Steps between two live diagnoses. */
export const DIAGNOSE_EVERY = 50;

interface LiveRun {
  panel: RunPanel;
  exp: experiments.Experiment;
  error: string | null;
}

/** State of the live page. */
export type LiveState = 'idle' | 'running' | 'paused' | 'done';

/** Drives the two runs of the live page. */
export class LiveSession {
  private runs: LiveRun[] = [];
  private state: LiveState = 'idle';
  private backend: BackendChoice | null = null;
  private turn = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private settings: LiveSettings | null = null;
  private starting = false;

  /**
   * @param panels - the left and right panels
   * @param onState - told about every state change (to update the buttons)
   * @param say - shows a message in the page's message line
   */
  constructor(
    private readonly panels: [RunPanel, RunPanel],
    private readonly onState: (s: LiveState) => void,
    private readonly say: (text: string, isError?: boolean) => void,
  ) {}

  /** Current state. */
  get current(): LiveState {
    return this.state;
  }

  private setState(s: LiveState): void {
    this.state = s;
    this.onState(s);
  }

  /** Reads the form, (re)starts the backend if needed, and starts both runs from step 0. */
  async start(): Promise<void> {
    if (this.starting) return;
    this.starting = true;
    try {
      await this.startOnce();
    } finally {
      this.starting = false;
    }
  }

  private async startOnce(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    let settings: LiveSettings;
    try {
      settings = readSettings();
    } catch (e) {
      this.say(e instanceof Error ? e.message : String(e), true);
      return;
    }
    this.disposeRuns();
    if (this.backend !== settings.backend || tf.getBackend() === undefined) {
      this.say('starting the TF.js backend…');
      try {
        const b = await initBackend(settings.backend);
        this.backend = settings.backend;
        document.getElementById('backend-note')!.textContent = b.note;
      } catch (e) {
        this.say(e instanceof Error ? e.message : String(e), true);
        return;
      }
    }
    this.settings = settings;
    try {
      this.runs = this.panels.map((panel, i) => {
        const clip = settings.clips[i];
        const exp = experiments.createExperiment({ ...settings.base, clip });
        const c = exp.config;
        panel.reset(`${i === 0 ? 'Left' : 'Right'}: ${clip === 'none' ? 'no clipping' : clip}`, `${c.task} · ${c.model} · init ${c.init ?? 'default'} · ${c.optimizer} lr ${c.lr} · length ${c.length} · batch ${c.batch} · seed ${c.seed}`);
        panel.setRunInfo({ totalSteps: c.steps, finished: false, clip });
        const start = exp.cliffParams();
        if (start) panel.pushPath([{ step: 0, ...start }]);
        return { panel, exp, error: null };
      });
    } catch (e) {
      this.disposeRuns();
      this.say(e instanceof Error ? e.message : String(e), true);
      return;
    }
    this.say(`training both runs on the same data (seed ${settings.base.seed}); ${tf.getBackend()} backend`);
    this.turn = 0;
    this.setState('running');
    this.schedule();
  }

  /** Pauses after the current step; shows the diagnosis so far. */
  pause(): void {
    if (this.state !== 'running') return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.setState('paused');
    for (const r of this.runs) this.diagnoseRun(r);
  }

  /** Continues a paused session. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.setState('running');
    this.schedule();
  }

  /** Stops and frees both runs; clears the panels. */
  reset(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.disposeRuns();
    for (const p of this.panels) {
      p.reset(p.side === 'left' ? 'Left run' : 'Right run');
    }
    this.say('reset: press Start to train');
    this.setState('idle');
  }

  private disposeRuns(): void {
    for (const r of this.runs) r.exp.dispose();
    this.runs = [];
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.slice(), 0);
  }

  private active(): LiveRun[] {
    return this.runs.filter((r) => r.error === null && !r.exp.done);
  }

  private slice(): void {
    this.timer = null;
    if (this.state !== 'running') return;
    const t0 = performance.now();
    do {
      const act = this.active();
      if (act.length === 0) break;
      const r = act[this.turn++ % act.length];
      try {
        const s = r.exp.step();
        r.panel.push([s]);
        const pos = r.exp.cliffParams();
        if (pos) r.panel.pushPath([{ step: s.step, ...pos }]);
        if (r.exp.divergedAtStep !== null) r.panel.setDiverged(r.exp.divergedAtStep);
        if (s.step % DIAGNOSE_EVERY === 0) this.diagnoseRun(r);
      } catch (e) {
        r.error = e instanceof Error ? e.message : String(e);
        r.panel.setStatusText(`error: ${r.error}`, 'bad');
      }
    } while (performance.now() - t0 < SLICE_MS);
    this.shareLossRange();
    if (this.active().length === 0) this.finish();
    else this.schedule();
  }

  /**
   * Both panels' loss charts on one range (the report's `readableRange`):
   * set by the run that did not diverge, when the other did, so its descent
   * stays readable beside the explosion.
   */
  private shareLossRange(): void {
    const range = readableRange(
      this.runs.map((r) => ({ values: r.panel.seriesData.loss, diverged: r.exp.divergedAtStep !== null })),
      true,
    );
    for (const r of this.runs) r.panel.setLossRange(range);
  }

  private finish(): void {
    for (const r of this.runs) {
      r.panel.setRunInfo({ finished: true });
      this.diagnoseRun(r);
    }
    this.adviseFromRuns();
    this.setState('done');
    this.say('both runs finished');
  }

  private diagnoseRun(r: LiveRun): void {
    if (r.exp.stats.length === 0) return;
    const context = experiments.diagnoseContextOf(r.exp.config);
    // the unclipped run beside it: whether it diverged decides whether raising the threshold may be suggested
    const unclipped = this.runs.find((o) => o !== r && o.exp.config.clip === 'none');
    if (r.exp.config.clip !== 'none' && unclipped !== undefined && unclipped.exp.done) context.unclippedDiverged = unclipped.exp.divergedAtStep !== null;
    r.panel.showDiagnosis(diagnose(r.exp.stats, {}, context));
  }

  /**
   * Threshold suggestion with recommendThreshold: from an unclipped run
   * that stayed finite, else from a clipped run's pre-clip norms (the
   * gradients of a stable trajectory of the same model), else a note.
   */
  private adviseFromRuns(): void {
    const stable = this.runs.filter((r) => r.exp.divergedAtStep === null);
    const src = stable.find((r) => r.exp.config.clip === 'none') ?? stable[0];
    const target = this.runs.find((r) => r.exp.config.clip === 'none') ?? this.runs[0];
    if (!target) return;
    if (!src) {
      target.panel.showAdvice('Threshold suggestion', 'Both runs diverged, so their gradient norms say little about a good threshold: pick a lower learning rate or a clipping method for one side and run again.');
      return;
    }
    const norms = src.exp.stats.map((s) => s.preClipNorm).filter((x): x is number => x !== null);
    try {
      const rec = recommendThreshold(norms);
      const from = src.exp.config.clip === 'none' ? 'the unclipped run' : `the ${src.exp.config.clip} run (pre-clip norms; the unclipped run diverged before it produced enough normal steps)`;
      target.panel.showAdvice('Threshold suggestion', thresholdAdvice(rec, from));
    } catch (e) {
      target.panel.showAdvice('Threshold suggestion', `Not enough finite gradient norms to suggest a threshold (${e instanceof Error ? e.message : String(e)}). Run more steps, or press “Suggest a threshold”.`);
    }
  }

  /**
   * Calibration: `steps` unclipped steps of a fresh copy of the left model
   * (`Experiment.calibrate`), then `recommendThreshold` on their norms.
   */
  async suggest(steps: number, show: (title: string, text: string) => void): Promise<void> {
    let settings: LiveSettings;
    try {
      settings = this.settings ?? readSettings();
      if (this.backend !== settings.backend) {
        const b = await initBackend(settings.backend);
        this.backend = settings.backend;
        document.getElementById('backend-note')!.textContent = b.note;
      }
    } catch (e) {
      show('Threshold suggestion', e instanceof Error ? e.message : String(e));
      return;
    }
    show('Threshold suggestion', `Calibrating: ${steps} unclipped steps on a fresh copy of the model…`);
    await new Promise((r) => setTimeout(r, 30));
    const exp = experiments.createExperiment({ ...settings.base, clip: 'none' });
    try {
      const rec = await exp.calibrate(steps);
      show('Threshold suggestion (calibration)', thresholdAdvice(rec, `${steps} unclipped calibration steps`));
    } catch (e) {
      show('Threshold suggestion', `Calibration could not suggest a threshold: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      exp.dispose();
    }
  }
}
