/**
 * One run on screen: title, status line, the four charts, warnings (lines
 * skipped while reading a log), the diagnosis and the threshold suggestion.
 * Used by both the live page (two panels side by side) and the run viewer.
 */
import { RunCharts } from './charts.js';
import { RunSeries } from './series.js';
import type { Diagnosis, StepStats } from './lib.js';
import type { ReadableRange } from '../../src/report/off-scale.js';
import type { TrajectoryPoint } from '../../src/run-folder/trajectory-codec.js';
import { plainDiagnosis, statusLine, type StatusInput } from './words.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A run's panel. */
export class RunPanel {
  /** The panel's root element. */
  readonly root: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly subtitleEl: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly warningsEl: HTMLElement;
  private readonly diagnosisEl: HTMLElement;
  private readonly adviceEl: HTMLElement;
  private readonly chartsEl: HTMLElement;
  private charts: RunCharts | null = null;
  private series = new RunSeries();
  private stats: StepStats[] = [];
  private divergedAt: number | null = null;
  private path: TrajectoryPoint[] = [];
  private pathDirty = false;
  private lossRange: ReadableRange | null = null;
  private dirty = false;
  private frame = 0;
  private statusInput: Omit<StatusInput, 'stats' | 'divergedAtStep'> = { totalSteps: null, finished: false, clip: null };

  /**
   * @param side - a short id used in element ids and test hooks (`left`, `right`, `viewer`)
   * @param syncKey - cursor sync group
   */
  constructor(
    readonly side: string,
    private readonly syncKey: string,
  ) {
    this.root = el('section', 'run-panel');
    this.root.dataset.side = side;
    this.root.setAttribute('aria-labelledby', `${side}-title`);
    const head = el('header', 'run-head');
    this.titleEl = el('h2', 'run-title');
    this.titleEl.id = `${side}-title`;
    this.subtitleEl = el('p', 'run-subtitle');
    this.statusEl = el('p', 'run-status');
    this.statusEl.setAttribute('role', 'status');
    this.statusEl.setAttribute('aria-live', 'polite');
    this.statusEl.dataset.testid = `${side}-status`;
    head.append(this.titleEl, this.subtitleEl, this.statusEl);
    this.warningsEl = el('div', 'run-warnings');
    this.warningsEl.setAttribute('role', 'alert');
    this.warningsEl.hidden = true;
    this.chartsEl = el('div', 'run-charts');
    this.diagnosisEl = el('div', 'run-diagnosis');
    this.diagnosisEl.hidden = true;
    this.adviceEl = el('div', 'run-advice');
    this.adviceEl.hidden = true;
    this.root.append(head, this.warningsEl, this.chartsEl, this.diagnosisEl, this.adviceEl);
  }

  /** Creates the charts (call once the panel is in the document, so they get its width). */
  mount(): void {
    if (this.charts === null) this.charts = new RunCharts(this.chartsEl, this.syncKey, this.side === 'right' ? '#ef6c00' : '#1565c0');
  }

  /** Clears everything and sets the title. */
  reset(title: string, subtitle = ''): void {
    this.series = new RunSeries();
    this.stats = [];
    this.divergedAt = null;
    this.path = [];
    this.pathDirty = true;
    this.lossRange = null;
    this.titleEl.textContent = title;
    this.subtitleEl.textContent = subtitle;
    this.warningsEl.replaceChildren();
    this.warningsEl.hidden = true;
    this.diagnosisEl.replaceChildren();
    this.diagnosisEl.hidden = true;
    this.adviceEl.replaceChildren();
    this.adviceEl.hidden = true;
    this.statusInput = { totalSteps: null, finished: false, clip: null };
    this.root.dataset.state = 'idle';
    this.charts?.destroy();
    this.charts = null;
    this.mount();
    this.render();
  }

  /** Changes the title and subtitle without clearing the data. */
  setTitle(title: string, subtitle: string): void {
    this.titleEl.textContent = title;
    this.subtitleEl.textContent = subtitle;
  }

  /** Sets what the status line knows besides the records. */
  setRunInfo(info: Partial<Omit<StatusInput, 'stats' | 'divergedAtStep'>>): void {
    this.statusInput = { ...this.statusInput, ...info };
    this.schedule();
  }

  /** Appends step records (drawn on the next animation frame). */
  push(records: readonly StepStats[]): void {
    for (const r of records) {
      this.stats.push(r);
      this.series.push(r);
    }
    if (records.length) this.schedule();
  }

  /** Adds positions of a cliff run's (w, b) path (drawn on the loss surface). */
  pushPath(points: readonly TrajectoryPoint[]): void {
    this.path.push(...points);
    this.pathDirty = true;
    this.schedule();
  }

  /** The loss range shared with the panel beside this one (null: this run's own). */
  setLossRange(range: ReadableRange | null): void {
    this.lossRange = range;
    this.schedule();
  }

  /** The records' series (for the shared loss range). */
  get seriesData(): RunSeries {
    return this.series;
  }

  /** Marks the divergence step. */
  setDiverged(step: number | null): void {
    this.divergedAt = step;
    this.schedule();
  }

  /** The records so far. */
  get records(): readonly StepStats[] {
    return this.stats;
  }

  /** Shows a free-form status (e.g. an error), overriding the computed one until the next update. */
  setStatusText(text: string, tone: 'idle' | 'running' | 'ok' | 'bad'): void {
    this.statusEl.textContent = text;
    this.root.dataset.state = tone;
  }

  /** Lists warnings (skipped log lines) visibly above the charts. */
  showWarnings(warnings: readonly string[]): void {
    this.warningsEl.replaceChildren();
    this.warningsEl.hidden = warnings.length === 0;
    if (warnings.length === 0) return;
    const head = el('p', 'warn-head', `${warnings.length} line${warnings.length === 1 ? '' : 's'} of the log could not be read and ${warnings.length === 1 ? 'was' : 'were'} skipped:`);
    const list = el('ul');
    for (const w of warnings.slice(0, 20)) list.append(el('li', undefined, w));
    if (warnings.length > 20) list.append(el('li', undefined, `… and ${warnings.length - 20} more`));
    this.warningsEl.append(head, list);
  }

  /** Shows a diagnosis in plain words. */
  showDiagnosis(d: Diagnosis): void {
    const p = plainDiagnosis(d);
    this.diagnosisEl.replaceChildren();
    this.diagnosisEl.hidden = false;
    const h = el('h3', undefined, 'Diagnosis: ');
    const badge = el('span', `badge badge-${d.status}`, p.verdict);
    h.append(badge);
    this.diagnosisEl.append(h, el('p', 'diag-summary', p.summary));
    if (p.causes.length) {
      this.diagnosisEl.append(el('p', 'diag-label', 'Causes, most likely first:'));
      const ol = el('ol', 'diag-causes');
      for (const c of p.causes.slice(0, 3)) {
        const li = el('li', undefined, c.title);
        const sub = el('ul');
        for (const e of c.evidence) sub.append(el('li', 'diag-evidence', e));
        for (const f of c.fixes.slice(0, 2)) sub.append(el('li', 'diag-fix', `fix: ${f}`));
        li.append(sub);
        ol.append(li);
      }
      this.diagnosisEl.append(ol);
    }
    if (p.findings.length) {
      const ul = el('ul', 'diag-findings');
      for (const f of p.findings.slice(0, 4)) ul.append(el('li', undefined, f));
      this.diagnosisEl.append(ul);
    }
    if (p.recommendations.length) {
      this.diagnosisEl.append(el('p', 'diag-label', 'What to do:'));
      const ul = el('ul', 'diag-recs');
      for (const r of p.recommendations.slice(0, 5)) ul.append(el('li', undefined, r));
      this.diagnosisEl.append(ul);
    }
  }

  /** Shows a threshold suggestion (or any advice paragraph); empty text hides it. */
  showAdvice(title: string, text: string): void {
    this.adviceEl.replaceChildren();
    this.adviceEl.hidden = text === '';
    if (text) this.adviceEl.append(el('h3', undefined, title), el('p', undefined, text));
  }

  private schedule(): void {
    this.dirty = true;
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.dirty) this.render();
    });
  }

  /** Draws now (normally done on the next animation frame). */
  render(): void {
    this.dirty = false;
    this.charts?.setLossRange(this.lossRange);
    this.charts?.update(this.series, { nonFinite: this.series.nonFiniteSteps, skipped: this.series.skippedSteps, divergedAt: this.divergedAt });
    if (this.pathDirty) {
      this.pathDirty = false;
      this.charts?.setPath(this.path.length ? this.path : null);
    }
    const st = statusLine({ ...this.statusInput, stats: this.stats, divergedAtStep: this.divergedAt });
    this.statusEl.textContent = st.text;
    this.root.dataset.state = st.tone;
    this.root.dataset.steps = String(this.stats.length);
    this.root.dataset.lastLoss = String(this.series.lastFiniteLoss ?? '');
    this.root.dataset.diverged = this.divergedAt === null ? '' : String(this.divergedAt);
  }
}
