/**
 * Picks the TF.js backend for in-browser training: WebGL on a real GPU,
 * else WebAssembly (its `.wasm` binaries are served by the dashboard itself,
 * from `./wasm/`, so nothing is fetched from a CDN), else plain JS (`cpu`).
 * A software WebGL renderer (SwiftShader, llvmpipe) is skipped in `auto`
 * mode: it is slower than WebAssembly for these small models.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import 'gradclip/webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Backend choices of the backend selector. */
export const BACKEND_CHOICES = ['auto', 'webgl', 'wasm', 'cpu'] as const;
/** One of {@link BACKEND_CHOICES}. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Name of the WebGL renderer, or null when WebGL is unavailable. */
export function webglRenderer(): string | null {
  try {
    const canvas = document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const name = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return String(name);
  } catch {
    return null;
  }
}

/** True for renderers that run on the CPU. */
export function isSoftwareRenderer(name: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
}

let wasmPathSet = false;

async function trySet(name: 'webgl' | 'wasm' | 'cpu'): Promise<boolean> {
  if (name === 'wasm' && !wasmPathSet) {
    setWasmPaths(new URL('wasm/', document.baseURI).href);
    wasmPathSet = true;
  }
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch (e) {
    console.warn(`gradclip dashboard: the ${name} backend failed to start:`, e);
    return false;
  }
}

/** Result of {@link initBackend}. */
export interface BackendResult {
  /** The backend in use. */
  name: string;
  /** Why it was chosen, in words. */
  note: string;
}

/** Switches TF.js to the chosen backend (with fallbacks) and says which one it got. */
export async function initBackend(choice: BackendChoice): Promise<BackendResult> {
  const renderer = webglRenderer();
  const order: Array<'webgl' | 'wasm' | 'cpu'> = [];
  let skipped = '';
  if (choice === 'auto') {
    if (renderer !== null && !isSoftwareRenderer(renderer)) order.push('webgl');
    else if (renderer !== null) skipped = ` (WebGL skipped: software renderer ${renderer})`;
    else skipped = ' (WebGL unavailable)';
    order.push('wasm', 'cpu');
  } else {
    order.push(choice);
    for (const b of ['wasm', 'cpu'] as const) if (!order.includes(b)) order.push(b);
  }
  for (const b of order) {
    if (await trySet(b)) {
      const fell = choice !== 'auto' && b !== choice ? ` (${choice} failed to start)` : '';
      const gpu = b === 'webgl' && renderer ? ` on ${renderer}` : '';
      return { name: b, note: `TF.js backend: ${b}${gpu}${fell}${choice === 'auto' ? skipped : ''}` };
    }
  }
  throw new Error('no TF.js backend could be started (webgl, wasm and cpu all failed)');
}
