/**
 * The run viewer: the list of runs of `gradclip serve`'s folder, and one run
 * opened in the same charts as the live page, following the file while the
 * run is still writing (polling `GET /api/steps` with a byte offset).
 */
import { formatNumber, RUN_FILES } from 'gradclip/internal';
import { diagnose, experiments, recommendThreshold } from './lib.js';
import { decodeRecords, fetchRuns, fetchSteps, runFileUrl, type RunInfo, type SummaryLike } from './api.js';
import { RunPanel } from './run-panel.js';
import { pct, thresholdAdvice } from './words.js';
import { decodeTrajectory, TRAJECTORY_FILE } from '../../src/run-folder/trajectory-codec.js';

/** Milliseconds between two reads of a run that is still writing. */
export const POLL_MS = 1000;
/** Milliseconds between two refreshes of the run list. */
export const LIST_MS = 4000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The run viewer tab. */
export class RunViewer {
  private readonly panel: RunPanel;
  private generation = 0;
  private listTimer: ReturnType<typeof setTimeout> | null = null;
  private lastListJson = '';
  private current: string | null = null;
  private available: boolean | null = null;

  /**
   * @param listEl - the `<ul>` of runs
   * @param messageEl - line for "no server" / errors
   * @param panelHost - where the run panel goes
   * @param linksEl - links to the run's files
   */
  constructor(
    private readonly listEl: HTMLElement,
    private readonly messageEl: HTMLElement,
    panelHost: HTMLElement,
    private readonly linksEl: HTMLElement,
    private readonly onOpen: (id: string) => void,
  ) {
    this.panel = new RunPanel('viewer', 'viewer');
    panelHost.append(this.panel.root);
  }

  /** Starts refreshing the run list. */
  async start(): Promise<void> {
    this.panel.mount();
    this.panel.reset('No run open', 'Pick a run from the list.');
    await this.refreshList();
  }

  /** True once the server answered, false when there is none (null before the first try). */
  get hasServer(): boolean | null {
    return this.available;
  }

  private async refreshList(): Promise<void> {
    if (this.listTimer !== null) clearTimeout(this.listTimer);
    try {
      const runs = await fetchRuns();
      this.available = true;
      const json = JSON.stringify(runs);
      if (json !== this.lastListJson) {
        this.lastListJson = json;
        this.renderList(runs);
      }
      this.messageEl.textContent = runs.length === 0 ? 'No runs yet: write one with “gradclip train --out <runs folder>/<name>”.' : `${runs.length} run${runs.length === 1 ? '' : 's'}`;
    } catch {
      this.available = false;
      this.messageEl.textContent = 'No run server: start “gradclip serve <runs folder>” and open the address it prints to browse CLI runs.';
    }
    this.listTimer = setTimeout(() => void this.refreshList(), LIST_MS);
  }

  private renderList(runs: RunInfo[]): void {
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.run : undefined;
    this.listEl.replaceChildren();
    for (const r of runs) {
      const li = el('li');
      const b = el('button', 'run-item');
      b.type = 'button';
      b.dataset.run = r.id;
      if (r.id === this.current) b.setAttribute('aria-current', 'true');
      const state = !r.finished ? 'writing' : r.diverged ? `diverged @ ${r.divergedAtStep ?? '?'}` : 'finite';
      const tone = !r.finished ? 'running' : r.diverged ? 'bad' : 'ok';
      b.append(
        el('span', 'run-item-name', r.id === '.' ? r.name : r.id),
        el('span', 'run-item-meta', [r.task, r.model, r.clip].filter((x) => x !== null).join(' · ') || 'no summary yet'),
        el('span', `run-item-state tone-${tone}`, `${r.steps} steps · ${state}`),
      );
      b.addEventListener('click', () => this.onOpen(r.id));
      li.append(b);
      this.listEl.append(li);
      if (focused === r.id) b.focus();
    }
  }

  /** Opens a run and follows it until its summary appears. */
  async open(id: string): Promise<void> {
    const gen = ++this.generation;
    this.current = id;
    for (const b of this.listEl.querySelectorAll<HTMLButtonElement>('button[data-run]')) {
      if (b.dataset.run === id) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
    this.panel.reset(id, 'loading…');
    this.linksEl.replaceChildren();
    const warnings: string[] = [];
    let cursor = { offset: 0, line: 0 };
    let divergedAt: number | null = null;
    let described = false;
    for (;;) {
      if (gen !== this.generation) return;
      let reply;
      try {
        reply = await fetchSteps(id, cursor);
      } catch (e) {
        if (gen !== this.generation) return;
        this.panel.setStatusText(`cannot read this run: ${e instanceof Error ? e.message : String(e)} (retrying)`, 'bad');
        await new Promise((r) => setTimeout(r, POLL_MS * 3));
        continue;
      }
      if (gen !== this.generation) return;
      if (reply.reset) {
        // the file was replaced: start over
        this.panel.reset(id, 'the log was rewritten; reloading');
        warnings.length = 0;
        divergedAt = null;
        described = false;
      }
      const { steps, warnings: bad } = decodeRecords(reply.steps);
      warnings.push(...reply.warnings, ...bad);
      if (reply.summaryWarning) warnings.push(reply.summaryWarning);
      this.panel.push(steps);
      if (divergedAt === null) {
        const s = steps.find((x) => x.loss !== null && !Number.isFinite(x.loss));
        if (s) divergedAt = s.step;
      }
      const summary: SummaryLike | null = reply.summary;
      if (summary && typeof summary.divergedAtStep === 'number') divergedAt = summary.divergedAtStep;
      this.panel.setDiverged(divergedAt);
      this.panel.showWarnings(warnings);
      if (!described || summary) {
        described = summary !== null;
        this.describe(id, summary, reply.finished);
      }
      cursor = reply.next;
      if (reply.more) continue;
      if (reply.finished) {
        this.panel.setRunInfo({ finished: true });
        this.conclude(id, summary);
        const bad = await this.loadTrajectory(id, gen, summary);
        if (bad !== null && gen === this.generation) this.panel.showWarnings([...warnings, bad]);
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /**
   * A cliff run: reads its `trajectory.json` (listed by `/api/runs` as
   * `hasTrajectory`) and draws the path on the loss surface; returns the
   * warning when the file cannot be used, else null.
   */
  private async loadTrajectory(id: string, gen: number, summary: SummaryLike | null): Promise<string | null> {
    const info = (JSON.parse(this.lastListJson || '[]') as RunInfo[]).find((r) => r.id === id);
    if (!info?.hasTrajectory && summary?.config?.task !== 'cliff') return null;
    try {
      const res = await fetch(runFileUrl(id, TRAJECTORY_FILE), { cache: 'no-store' });
      if (!res.ok) return info?.hasTrajectory ? `${TRAJECTORY_FILE}: ${res.status} ${res.statusText}` : null;
      const r = decodeTrajectory(await res.json());
      if (gen !== this.generation) return null;
      if ('trajectory' in r) this.panel.pushPath(r.trajectory.points);
      return 'trajectory' in r ? null : `${TRAJECTORY_FILE} ${r.error}: the path is not drawn`;
    } catch (e) {
      return `${TRAJECTORY_FILE}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private describe(id: string, s: SummaryLike | null, finished: boolean): void {
    const c = s?.config;
    const sub = c
      ? `${c.task ?? '?'} · ${c.model ?? '?'} · clip ${c.clip ?? '?'} · lr ${c.lr ?? '?'} · init ${c.init ?? 'default'} · length ${c.length ?? '?'} · seed ${c.seed ?? '?'}`
      : `still writing (no ${RUN_FILES.summary} yet): updating live`;
    this.panel.setTitle(id, sub);
    this.panel.setRunInfo({ totalSteps: c?.steps ?? null, finished, clip: c?.clip ?? null });
    this.linksEl.replaceChildren();
    const files: Array<[string, string]> = [[RUN_FILES.steps, RUN_FILES.steps]];
    if (s) files.push([RUN_FILES.summary, RUN_FILES.summary]);
    const info = JSON.parse(this.lastListJson || '[]') as RunInfo[];
    if (info.find((r) => r.id === id)?.hasReport) files.unshift([RUN_FILES.report, 'HTML report']);
    for (const [f, label] of files) {
      const a = el('a', undefined, label);
      a.href = runFileUrl(id, f);
      a.target = '_blank';
      a.rel = 'noopener';
      this.linksEl.append(a);
    }
  }

  private conclude(id: string, s: SummaryLike | null): void {
    const stats = this.panel.records;
    if (stats.length > 0) this.panel.showDiagnosis(diagnose(stats, {}, experiments.diagnoseContextOf(s?.config as Partial<experiments.RunConfig> | undefined)));
    const diverged = s?.diverged === true || stats.some((x) => x.loss !== null && !Number.isFinite(x.loss));
    if (diverged) {
      this.panel.showAdvice(
        'Threshold suggestion',
        'This run diverged, so its gradient norms are dominated by the explosion and a threshold computed from them would be far too high. Open a clipped run of the same model, or run “gradclip calibrate”, for a suggestion.',
      );
      return;
    }
    const norms = stats.map((x) => x.preClipNorm).filter((x): x is number => x !== null);
    try {
      const rec = recommendThreshold(norms);
      this.panel.showAdvice('Threshold suggestion', thresholdAdvice(rec, `this run (${s?.config?.clip ?? id})`));
    } catch {
      const clipped = stats.filter((x) => x.clipped).length;
      this.panel.showAdvice('Threshold suggestion', stats.length ? `Too few finite gradient norms to suggest a threshold (clipping fired on ${pct(clipped / stats.length)} of ${stats.length} steps; last loss ${formatNumber(stats[stats.length - 1].loss)}).` : '');
    }
  }
}
