/**
 * The public entries export exactly the names listed here, so a new export
 * is a deliberate decision (add it to the list below and to DESIGN.md):
 *
 * - `src/index.ts` (`gradclip`), its `transforms` namespace and `src/node.ts`
 *   (`gradclip/node`), values and types, read with the TypeScript compiler;
 * - names kept only for compatibility carry `@deprecated` on their export,
 *   the others do not;
 * - every public declaration has TSDoc, and no `any` appears in a public
 *   signature;
 * - at run time the modules expose exactly the listed values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');

// ------------------------------------------------------------------ lists ---

const MAIN_VALUES = [
  // functional API
  'getTotalNorm',
  'partialNorm',
  'combineNorms',
  'clipGradNorm',
  'clipGradsWithNorm',
  'clipGradValue',
  'globalNorm',
  'clipByGlobalNorm',
  'clipByNorm',
  'fusedNormAvailable',
  'fusedScaleAvailable',
  'GradclipArgumentError',
  // transforms
  'transforms',
  // optimizers
  'withTransforms',
  'TransformingOptimizer',
  'withClipping',
  'adamw',
  'AdamW',
  'fusedUpdateAvailable',
  'withRecovery',
  'RecoveringOptimizer',
  'GradclipRecoveryError',
  'saveOptimizerState',
  'loadOptimizerState',
  // statistics, diagnosis
  'encodeStepStats',
  'decodeStepStats',
  'diagnose',
  'recommendThreshold',
  'calibrate',
  'gradStatsCallback',
  'GradStatsCallback',
  // gradient flow through time
  'gradientFlow',
  'fitGrowth',
  'spectralNorm',
  'spectralRadius',
  // browser-safe writers
  'MemoryWriter',
  'MultiWriter',
  'combineWriters',
  'encodeJsonlLine',
  'csvColumns',
  'encodeCsvHeader',
  'encodeCsvRow',
  'TB_TAGS',
  'encodeTfEvent',
  'fileVersionEvent',
  'stepStatsToTfEvent',
  'tfEventsFileName',
  // readers
  'readStepsJsonl',
  'readTfEvents',
  'tfEventsToStepStats',
];

const MAIN_TYPES = [
  'TotalNormOptions',
  'PartialNorm',
  'PartialNormOptions',
  'ClipGradNormResult',
  'ClipGradsWithNormOptions',
  'GlobalNormOptions',
  'FusedOption',
  'GradContainer',
  'NamedGrad',
  'GradientTransformation',
  'TransformInfo',
  'TransformResult',
  'TransformSpec',
  'FusableGlobalClip',
  'WithTransformsOptions',
  'ClippingOptions',
  'OptimizerName',
  'AdamWOptions',
  'WithRecoveryOptions',
  'RecoveryEvent',
  'RecoveryTrigger',
  'RecoveryState',
  'SavedOptimizerState',
  'LoadOptimizerStateOptions',
  'StepStats',
  'EncodedGradientFlow',
  'EncodedStepStats',
  'JsonNumber',
  'Diagnosis',
  'DiagnoseOptions',
  'DiagnosisStatus',
  'DiagnosisFlag',
  'Finding',
  'FindingKind',
  'Cause',
  'CauseKind',
  'DiagnoseContext',
  'ModelKind',
  'ClipContextKind',
  'RecommendThresholdOptions',
  'RecommendedThreshold',
  'NormSpike',
  'NormPercentiles',
  'CalibrateOptions',
  'CalibrationResult',
  'CalibrationLoss',
  'CalibrationData',
  'CalibratableModel',
  'GradStatsCallbackOptions',
  'GradientFlow',
  'FlowProbe',
  'GradientFlowOptions',
  'StepStatsSource',
  'StepWriter',
  'TfEvent',
  'TfSummary',
  'TfSummaryValue',
  'StepsJsonlResult',
  'TfEventsResult',
];

/** Reachable in 0.1, kept for one release with `@deprecated`. */
const WRITER_DEPRECATED = [
  'CSV_BASE_COLUMNS',
  'CSV_LAYER_PREFIX',
  'quoteCsvCell',
  'splitCsvLine',
  'TF_EVENTS_FILE_VERSION',
  'stepStatsToSummaryValues',
  'encodeTfEventProto',
  'decodeTfEventProto',
];
const MAIN_DEPRECATED_VALUES = [
  'TORCH_CLIP_EPS',
  'kerasClipTransform',
  'applyClippedUpdate',
  'fusableOptimizerKind',
  'encodeNumber',
  'decodeNumber',
  'EXPLODING_ADVICE',
  'VANISHING_ADVICE',
  'ClipRateWindow',
  'rollingClipRate',
  ...WRITER_DEPRECATED,
];
const MAIN_DEPRECATED_TYPES = ['FusableOptimizerKind'];

const TRANSFORMS_VALUES = [
  'chain',
  'clipByGlobalNorm',
  'clipByValue',
  'clipByNorm',
  'autoClip',
  'adaptiveGradClip',
  'zClip',
  'adaGC',
  'skipNonFinite',
  'skipSpikes',
  'monitor',
  'accumulate',
  'registerTransform',
  'transformFromSpec',
];
const TRANSFORMS_TYPES = [
  'ChainState',
  'ClipByGlobalNormOptions',
  'GlobalNormRule',
  'EmptyState',
  'AutoClipOptions',
  'AutoClipState',
  'AdaptiveClipInfo',
  'AdaptiveClipTransformation',
  'AdaptiveGradClipOptions',
  'AdaptiveGradClipState',
  'NameMatcher',
  'ZClipOptions',
  'ZClipState',
  'AdaGCOptions',
  'AdaGCState',
  'AdaGCInfo',
  'AdaGCTransformation',
  'SkipNonFiniteOptions',
  'SkipNonFiniteState',
  'SkipSpikesOptions',
  'SkipSpikesState',
  'MonitorOptions',
  'MonitorState',
  'AccumulateOptions',
  'AccumulateState',
  'AccumulateStateJson',
  'AccumulatedTensorJson',
  'TransformFactory',
  'GradientTransformation',
  'TransformInfo',
  'TransformResult',
  'TransformSpec',
];
const TRANSFORMS_DEPRECATED = ['globalClipCoef', 'unitwiseNorm', 'allFinite'];

const BROWSER_WRITER_VALUES = [
  'MemoryWriter',
  'MultiWriter',
  'combineWriters',
  'encodeJsonlLine',
  'csvColumns',
  'encodeCsvHeader',
  'encodeCsvRow',
  'TB_TAGS',
  'encodeTfEvent',
  'fileVersionEvent',
  'stepStatsToTfEvent',
  'tfEventsFileName',
];
const NODE_VALUES = ['openRunWriters', 'RunWriters', 'STEPS_JSONL_FILE', 'STEPS_CSV_FILE', 'JsonlWriter', 'CsvWriter', 'TfEventsWriter', ...BROWSER_WRITER_VALUES,
  'saveOptimizer', 'loadOptimizer', 'OPTIMIZER_STATE_FILES'];
const NODE_TYPES = ['RunWritersOptions', 'RunWriterPaths', 'StepsSummary', 'CsvWriterOptions', 'TfEventsWriterOptions', 'StepWriter', 'TfEvent', 'TfSummary', 'TfSummaryValue'];

// ---------------------------------------------------------------- helpers ---

interface ExportInfo {
  kind: 'value' | 'type';
  deprecated: boolean;
  documented: boolean;
  anyIn: string[];
}

const program = ts.createProgram([join(ROOT, 'packages/gradclip/src/index.ts'), join(ROOT, 'packages/gradclip/src/node.ts')], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();

/** `any` keywords in a declaration's signature (function and method bodies, initialisers excluded). */
function anyKeywords(decl: ts.Node): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isBlock(n)) return;
    if (ts.isPropertyDeclaration(n) && n.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return;
    if (ts.isVariableDeclaration(n) && n.type === undefined) return; // inferred from the initialiser
    if (n.kind === ts.SyntaxKind.AnyKeyword) {
      const sf = n.getSourceFile();
      const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
      out.push(`${sf.fileName.slice(ROOT.length + 1)}:${line + 1}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(decl);
  return out;
}

function exportsOf(moduleSymbol: ts.Symbol): Map<string, ExportInfo> {
  const out = new Map<string, ExportInfo>();
  for (const e of checker.getExportsOfModule(moduleSymbol)) {
    const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const kind = target.flags & ts.SymbolFlags.Value ? 'value' : 'type';
    const deprecated = e.getJsDocTags(checker).some((t) => t.name === 'deprecated');
    const decls = target.getDeclarations() ?? [];
    const documented = target.flags & ts.SymbolFlags.Module ? true : ts.displayPartsToString(target.getDocumentationComment(checker)).trim().length > 0;
    out.set(e.name, { kind, deprecated, documented, anyIn: decls.flatMap(anyKeywords) });
  }
  return out;
}

function moduleOf(file: string): ts.Symbol {
  const sf = program.getSourceFile(join(ROOT, file));
  assert.ok(sf, file);
  const sym = checker.getSymbolAtLocation(sf);
  assert.ok(sym, `${file} is a module`);
  return sym;
}

function namesOf(exps: Map<string, ExportInfo>, kind: 'value' | 'type', deprecated: boolean): string[] {
  return [...exps]
    .filter(([, e]) => e.kind === kind && e.deprecated === deprecated)
    .map(([n]) => n)
    .sort();
}

const sorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

function checkEntry(label: string, exps: Map<string, ExportInfo>, values: string[], types: string[], depValues: string[], depTypes: string[]): void {
  assert.equal(values.length + types.length + depValues.length + depTypes.length, new Set([...values, ...types, ...depValues, ...depTypes]).size, `${label}: a name is listed twice`);
  assert.deepEqual(namesOf(exps, 'value', false), sorted(values), `${label}: public values`);
  assert.deepEqual(namesOf(exps, 'type', false), sorted(types), `${label}: public types`);
  assert.deepEqual(namesOf(exps, 'value', true), sorted(depValues), `${label}: deprecated values`);
  assert.deepEqual(namesOf(exps, 'type', true), sorted(depTypes), `${label}: deprecated types`);
  const undocumented = [...exps].filter(([, e]) => !e.deprecated && !e.documented).map(([n]) => n);
  assert.deepEqual(undocumented, [], `${label}: public names without TSDoc`);
  const withAny = [...exps].filter(([, e]) => !e.deprecated && e.anyIn.length > 0).map(([n, e]) => `${n} (${e.anyIn.join(', ')})`);
  assert.deepEqual(withAny, [], `${label}: \`any\` in public signatures`);
}

// ------------------------------------------------------------------ tests ---

test('gradclip (src/index.ts) exports exactly the listed names', () => {
  checkEntry('gradclip', exportsOf(moduleOf('packages/gradclip/src/index.ts')), MAIN_VALUES, MAIN_TYPES, MAIN_DEPRECATED_VALUES, MAIN_DEPRECATED_TYPES);
});

test('the transforms namespace holds exactly the listed names', () => {
  const ns = exportsOf(moduleOf('packages/gradclip/src/transforms/public.ts'));
  checkEntry('transforms', ns, TRANSFORMS_VALUES, TRANSFORMS_TYPES, TRANSFORMS_DEPRECATED, []);
});

test('gradclip/node (src/node.ts) exports exactly the listed names', () => {
  checkEntry('gradclip/node', exportsOf(moduleOf('packages/gradclip/src/node.ts')), NODE_VALUES, NODE_TYPES, WRITER_DEPRECATED, []);
});

test('the entries list names: no `export *` other than the transforms namespace', () => {
  for (const file of ['packages/gradclip/src/index.ts', 'packages/gradclip/src/node.ts', 'packages/gradclip/src/transforms/public.ts']) {
    const sf = program.getSourceFile(join(ROOT, file));
    assert.ok(sf);
    for (const st of sf.statements) {
      if (!ts.isExportDeclaration(st) || st.exportClause !== undefined) continue;
      assert.fail(`${file}: \`${st.getText(sf)}\` re-exports a whole module; list the names`);
    }
  }
});

test('at run time the modules expose exactly the listed values', async () => {
  const main = (await import('../../packages/gradclip/src/index.js')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(main).sort(), sorted([...MAIN_VALUES, ...MAIN_DEPRECATED_VALUES]));
  assert.deepEqual(Object.keys(main.transforms as object).sort(), sorted([...TRANSFORMS_VALUES, ...TRANSFORMS_DEPRECATED]));
  const node = (await import('../../packages/gradclip/src/node.js')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(node).sort(), sorted([...NODE_VALUES, ...WRITER_DEPRECATED]));
  // The browser-safe writers are the same objects in both entries.
  for (const n of BROWSER_WRITER_VALUES) assert.equal(node[n], main[n], n);
});

test('the `any` check itself: signatures count, bodies and private fields do not', () => {
  const sf = ts.createSourceFile(
    join(ROOT, 'x.ts'),
    'export function f(a: any, b: number): Promise<any> { const c: any = 1; return c; }\nexport class K { private p: any; q: any[] = []; m(): void { let z: any; } }',
    ts.ScriptTarget.ES2022,
    true,
  );
  assert.deepEqual(anyKeywords(sf.statements[0]), ['x.ts:1', 'x.ts:1']);
  assert.deepEqual(anyKeywords(sf.statements[1]), ['x.ts:2']);
});
