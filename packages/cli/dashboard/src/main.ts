/**
 * Entry of the dashboard page: tabs (live training, run viewer), hash
 * routing (`#live`, `#run=<id>`), and the wiring of the controls.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import * as tf from '@tensorflow/tfjs-core';
import { populateChoices, syncClipParam, syncFlowField } from './form.js';
import { LiveSession, type LiveState } from './live.js';
import { RunPanel } from './run-panel.js';
import { RunViewer } from './viewer.js';

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`dashboard: #${id} is missing`);
  return e as T;
}

const message = byId('live-message');
function say(text: string, isError = false): void {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

// ---- live page ----
populateChoices();
for (const side of ['left', 'right'] as const) {
  syncClipParam(side, false);
  byId(`${side}-clip`).addEventListener('change', () => syncClipParam(side, true));
}
syncFlowField();
byId('model').addEventListener('change', syncFlowField);
const left = new RunPanel('left', 'live');
const right = new RunPanel('right', 'live');
byId('live-runs').append(left.root, right.root);
left.reset('Left run');
right.reset('Right run');

const startBtn = byId<HTMLButtonElement>('start');
const pauseBtn = byId<HTMLButtonElement>('pause');
const resetBtn = byId<HTMLButtonElement>('reset');
const suggestBtn = byId<HTMLButtonElement>('suggest');
const session = new LiveSession([left, right], onState, say);

function onState(s: LiveState): void {
  pauseBtn.disabled = s === 'idle' || s === 'done';
  pauseBtn.textContent = s === 'paused' ? 'Resume' : 'Pause';
  pauseBtn.setAttribute('aria-pressed', String(s === 'paused'));
  startBtn.textContent = s === 'idle' ? 'Start' : 'Restart';
  document.body.dataset.live = s;
}
onState('idle');

pauseBtn.addEventListener('click', () => (session.current === 'paused' ? session.resume() : session.pause()));
resetBtn.addEventListener('click', () => session.reset());
const adviceBox = byId('calibration');
suggestBtn.addEventListener('click', async () => {
  suggestBtn.disabled = true;
  try {
    const steps = Number(byId<HTMLInputElement>('calib-steps').value);
    await session.suggest(Number.isInteger(steps) && steps >= 20 ? steps : 200, (title, text) => {
      adviceBox.hidden = false;
      adviceBox.replaceChildren(Object.assign(document.createElement('h3'), { textContent: title }), Object.assign(document.createElement('p'), { textContent: text }));
    });
  } finally {
    suggestBtn.disabled = false;
  }
});
byId('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void session.start();
});

// ---- run viewer ----
const viewer = new RunViewer(byId('run-list'), byId('viewer-message'), byId('viewer-panel'), byId('run-links'), (id) => {
  location.hash = `run=${encodeURIComponent(id)}`;
});

// ---- tabs and routing ----
const tabs = [byId<HTMLButtonElement>('tab-live'), byId<HTMLButtonElement>('tab-runs')];
const views = [byId('view-live'), byId('view-runs')];
let viewerStarted = false;

function show(which: 0 | 1): void {
  tabs.forEach((t, i) => {
    t.setAttribute('aria-selected', String(i === which));
    t.tabIndex = i === which ? 0 : -1;
    views[i].hidden = i !== which;
  });
  if (which === 1 && !viewerStarted) {
    viewerStarted = true;
    void viewer.start();
  }
  window.dispatchEvent(new Event('resize'));
}

function route(): void {
  const h = location.hash.replace(/^#/, '');
  if (h.startsWith('run=')) {
    show(1);
    void viewer.open(decodeURIComponent(h.slice(4)));
  } else if (h === 'runs') show(1);
  else show(0);
}
tabs[0].addEventListener('click', () => {
  location.hash = 'live';
});
tabs[1].addEventListener('click', () => {
  location.hash = 'runs';
});
for (const t of tabs) {
  t.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = tabs[(tabs.indexOf(t) + 1) % 2];
    next.focus();
    next.click();
  });
}
window.addEventListener('hashchange', route);
route();

/** Hooks for the end-to-end tests and for curious users (read-only). */
(window as unknown as { gradclipDashboard: object }).gradclipDashboard = {
  backend: () => tf.getBackend(),
  numTensors: () => tf.memory().numTensors,
  state: () => session.current,
};
