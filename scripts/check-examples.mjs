#!/usr/bin/env node
// Documentation examples that cannot rot. Usage: node scripts/check-examples.mjs [--verbose] [--keep]
//
// 1. Every `@example` in the library's TSDoc (the folders in TSDOC_ROOTS) and
//    every ```ts block of the Markdown files is written to a temporary .ts file
//    and type-checked with the repository's strict settings (tsconfig.json);
//    then each one is run in Node (cpu backend, small inputs), in one process.
//    An example may use, without importing them, the names of the `gradclip`
//    and `gradclip/node` entries, the names its own source file exports
//    (TSDoc only) and the context of scripts/doc-examples/context.ts (`tf`,
//    `model`, `xs`, `ys`, `loss`, `optimizer`, `stepStats`, `stats`); the
//    checker adds the imports it needs.
// 2. Every program in examples/ is type-checked and run as it is (its imports
//    are its own: `gradclip` resolves to the sources through tsconfig.json's
//    "paths", which must agree with ENTRY_POINTS). A Markdown block preceded by
//    `<!-- same-as: examples/<name>.ts -->` must be that program, word for
//    word (after its leading comment), and is not run a second time.
// 3. Every relative link and image in the Markdown files exists; every
//    `npm run <script>` and every `node|npx tsx|python3 <file>` they tell the
//    user to run exists; every program in examples/ ships in the package
//    ("files").
//
// Markers, on the line right before a ```ts fence (Markdown, or inside a
// TSDoc `@example`). Keep them rare and give the reason:
//   <!-- not-checked: reason -->  a fragment by design: neither compiled nor run
//   <!-- no-run: reason -->       compiled, not run (needs a browser, a GPU, a network...)
//   <!-- same-as: path -->        the block is a copy of that example program
//
// In TSDoc, as in TypeDoc, an `@example` without a code fence is code.
// A failure names the file and line of the example. Exit code 0 when all pass.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  ENTRY_POINTS,
  EXAMPLES_DIR,
  EXAMPLES_TSCONFIG,
  LIBRARY_PACKAGE_JSON,
  MARKDOWN_FILES,
  TSDOC_EXCLUDE,
  TSDOC_ROOTS,
} from './docs-config.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONTEXT = 'scripts/doc-examples/context.ts';
const RUNNER = 'scripts/doc-examples/run.mjs';
const RUN_TIMEOUT_MS = 120_000;
const verbose = process.argv.includes('--verbose');
const keep = process.argv.includes('--keep');

const rel = (abs) => relative(ROOT, abs).split(sep).join('/');
const failures = [];
const fail = (where, msg) => failures.push(`${where}: ${msg}`);

// ------------------------------------------------------------- collecting ---

function walkTs(p, out = []) {
  const abs = join(ROOT, p);
  if (TSDOC_EXCLUDE.some((e) => rel(abs) === e || rel(abs).startsWith(`${e}/`))) return out;
  if (!existsSync(abs)) return out;
  if (statSync(abs).isDirectory()) {
    for (const name of readdirSync(abs).sort()) walkTs(join(p, name), out);
  } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
    out.push(rel(abs));
  }
  return out;
}

const MARKER = /^<!--\s*(not-checked|no-run|same-as):\s*(.*?)\s*-->$/;
const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)/;
const TS_LANGS = new Set(['ts', 'typescript']);

/**
 * Scans `lines` (already stripped of comment syntax) for fenced ts blocks.
 * `lineOf(i)` gives the 1-based source line of lines[i] (i is 0-based).
 */
function fencedBlocks(lines, lineOf, file, kind) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i].trim());
    if (!m) continue;
    const close = m[1];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(close)) j++;
    if (TS_LANGS.has(m[2])) {
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === '') k--;
      const marker = k >= 0 ? MARKER.exec(lines[k].trim()) : null;
      blocks.push({
        file,
        line: lineOf(i + 1),
        kind,
        code: lines.slice(i + 1, j).join('\n'),
        marker: marker ? { type: marker[1], arg: marker[2] } : null,
      });
    }
    i = j;
  }
  return blocks;
}

function tsdocBlocks(file) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const blocks = [];
  for (const c of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    if (!c[0].includes('@example')) continue;
    const startLine = text.slice(0, c.index).split('\n').length;
    const lines = c[0].split('\n').map((l, i, all) => {
      let s = l;
      if (i === 0) s = s.replace(/^\s*\/\*\*/, '');
      if (i === all.length - 1) s = s.replace(/\*\/\s*$/, '');
      return s.replace(/^\s*\* ?/, '');
    });
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*@example\b/.test(lines[i])) continue;
      // The example runs to the next block tag outside a code fence.
      let j = i + 1;
      let inFence = false;
      for (; j < lines.length; j++) {
        const t = lines[j].trim();
        if (FENCE.test(t)) inFence = !inFence;
        else if (!inFence && /^@\w/.test(t)) break;
      }
      const body = lines.slice(i + 1, j);
      const lineOf = (k) => startLine + i + 1 + k;
      if (body.some((l) => FENCE.test(l.trim()))) {
        blocks.push(...fencedBlocks(body, lineOf, file, 'tsdoc'));
      } else {
        let first = 0;
        while (first < body.length && body[first].trim() === '') first++;
        const marker = first < body.length ? MARKER.exec(body[first].trim()) : null;
        if (marker) first++;
        const code = body.slice(first).join('\n');
        if (code.trim() !== '') {
          blocks.push({ file, line: lineOf(first), kind: 'tsdoc', code, marker: marker ? { type: marker[1], arg: marker[2] } : null });
        }
      }
      i = j - 1;
    }
  }
  return blocks;
}

function markdownBlocks(file) {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  return fencedBlocks(lines, (i) => i + 1, file, 'markdown');
}

/** The example programs, with their leading comment dropped for the same-as comparison. */
function examplePrograms() {
  const dir = join(ROOT, EXAMPLES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort()
    .map((n) => {
      const file = `${EXAMPLES_DIR}/${n}`;
      const code = readFileSync(join(ROOT, file), 'utf8');
      return { file, line: 1, kind: 'program', code, marker: null };
    });
}

function bodyWithoutLeadingComment(code) {
  return code.replace(/^\s*\/\*[\s\S]*?\*\/\s*/, '').replace(/^(\s*\/\/.*\n)+/, '').trim();
}

// -------------------------------------------------------------- TS setup ---

function compilerOptions() {
  const cfgPath = join(ROOT, EXAMPLES_TSCONFIG);
  const parsed = ts.getParsedCommandLineOfConfigFile(cfgPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error(`cannot read ${EXAMPLES_TSCONFIG}`);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, incremental: false };
}

/** tsconfig's `paths` must send the entries' specifiers to the same sources as docs-config's ENTRY_POINTS. */
function checkPaths(options) {
  for (const [spec, src] of Object.entries(ENTRY_POINTS)) {
    const target = options.paths?.[spec]?.[0];
    const abs = target === undefined ? undefined : resolve(options.pathsBasePath ?? ROOT, target);
    if (abs !== join(ROOT, src)) {
      fail(EXAMPLES_TSCONFIG, `compilerOptions.paths["${spec}"] must be ["./${src}"] (scripts/docs-config.mjs ENTRY_POINTS), so that examples importing '${spec}' run against the source; got ${JSON.stringify(options.paths?.[spec])}`);
    }
  }
}

/** Export names of a module file: name -> isValue. */
function exportsOf(program, checker, file) {
  const sf = program.getSourceFile(join(ROOT, file));
  const out = new Map();
  const sym = sf && checker.getSymbolAtLocation(sf);
  if (!sym) return out;
  for (const e of checker.getExportsOfModule(sym)) {
    if (e.name === 'default') continue;
    const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    out.set(e.name, (target.flags & ts.SymbolFlags.Value) !== 0);
  }
  return out;
}

/** Names an example declares at its top level (they shadow nothing: they must not be imported). */
function topLevelNames(sf) {
  const names = new Set();
  const bind = (n) => {
    if (!n) return;
    if (ts.isIdentifier(n)) names.add(n.text);
    else if (ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) n.elements.forEach((el) => ts.isBindingElement(el) && bind(el.name));
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) st.declarationList.declarations.forEach((d) => bind(d.name));
    else if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) bind(st.name);
    else if (ts.isImportDeclaration(st) && st.importClause) {
      const ic = st.importClause;
      bind(ic.name);
      if (ic.namedBindings && ts.isNamespaceImport(ic.namedBindings)) bind(ic.namedBindings.name);
      if (ic.namedBindings && ts.isNamedImports(ic.namedBindings)) ic.namedBindings.elements.forEach((el) => bind(el.name));
    }
  }
  return names;
}

function usedIdentifiers(sf) {
  const used = new Set();
  const visit = (n) => {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isMemberName = p && ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n) || (ts.isPropertyAssignment(p) && p.name === n));
      if (!isMemberName) used.add(n.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return used;
}

// ------------------------------------------------------------------- main ---

function main() {
  const t0 = Date.now();
  const options = compilerOptions();
  checkPaths(options);

  const tsdocFiles = TSDOC_ROOTS.flatMap((p) => walkTs(p));
  const blocks = [...tsdocFiles.flatMap(tsdocBlocks), ...MARKDOWN_FILES.flatMap(markdownBlocks)];
  const programs = examplePrograms();

  // same-as: the block must be the program (the program is checked instead).
  const checked = [];
  for (const b of blocks) {
    const where = `${b.file}:${b.line}`;
    if (b.marker?.type === 'same-as') {
      const p = programs.find((x) => x.file === b.marker.arg);
      if (!p) fail(where, `<!-- same-as: ${b.marker.arg} --> names no program in ${EXAMPLES_DIR}/`);
      else if (bodyWithoutLeadingComment(p.code) !== b.code.trim()) {
        const a = bodyWithoutLeadingComment(p.code).split('\n');
        const c = b.code.trim().split('\n');
        let k = 0;
        while (k < a.length && k < c.length && a[k] === c[k]) k++;
        fail(`${b.file}:${b.line + k}`, `this block differs from ${b.marker.arg} (after its leading comment) from this line on:\n    block:   ${c[k] ?? '(end)'}\n    program: ${a[k] ?? '(end)'}`);
      }
      continue;
    }
    if (b.marker?.type === 'not-checked') {
      if (!b.marker.arg) fail(where, '<!-- not-checked: --> needs a reason');
      continue;
    }
    if (b.marker?.type === 'no-run' && !b.marker.arg) fail(where, '<!-- no-run: --> needs a reason');
    checked.push(b);
  }
  checked.push(...programs);

  // Names an example may use without importing them.
  const contextFile = CONTEXT;
  const ownFiles = [...new Set(checked.filter((b) => b.kind === 'tsdoc').map((b) => b.file))];
  const baseRoots = [...Object.values(ENTRY_POINTS), contextFile, ...ownFiles].map((f) => join(ROOT, f));
  const host = ts.createCompilerHost(options);
  const base = ts.createProgram(baseRoots, options, host);
  const checker = base.getTypeChecker();
  const providers = [
    ...Object.keys(ENTRY_POINTS).map((spec) => ({ spec, names: exportsOf(base, checker, ENTRY_POINTS[spec]) })),
  ];
  const contextNames = exportsOf(base, checker, contextFile);

  // Write the examples.
  const outDir = join(ROOT, '.doc-examples', String(process.pid));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const generated = [];
  checked.forEach((b, i) => {
    if (b.kind === 'program') {
      // A program is checked and run where it is, as the user runs it (its imports are its own).
      generated.push({ ...b, path: join(ROOT, b.file), header: 0, cwd: join(outDir, `${String(i).padStart(3, '0')}-program.cwd`), run: true });
      return;
    }
    const slug = b.file.replace(/[^\w]+/g, '_').slice(-40);
    const path = join(outDir, `${String(i).padStart(3, '0')}-${slug}-L${b.line}.ts`);
    const sf = ts.createSourceFile(path, b.code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const declared = topLevelNames(sf);
    const used = usedIdentifiers(sf);
    const imports = [];
    const taken = new Set(declared);
    const importFrom = (spec, names) => {
      const list = [];
      for (const [name, isValue] of names) {
        if (!used.has(name) || taken.has(name)) continue;
        taken.add(name);
        list.push(isValue ? name : `type ${name}`);
      }
      if (list.length > 0) imports.push(`import { ${list.join(', ')} } from '${spec}';`);
    };
    for (const p of providers) importFrom(p.spec, p.names);
    if (b.kind === 'tsdoc') {
      const own = exportsOf(base, checker, b.file);
      importFrom(relSpec(outDir, b.file), own);
    }
    importFrom(relSpec(outDir, contextFile), contextNames);
    // One header line, so example line k is file line k + 1.
    const text = `${imports.join(' ')}\n${b.code}\nexport {};\n`;
    writeFileSync(path, text);
    generated.push({ ...b, path, header: 1, cwd: `${path}.cwd`, run: b.marker?.type !== 'no-run' });
  });

  // Type-check (only the examples' own diagnostics: the library's are `npm run typecheck`'s).
  const program = ts.createProgram(
    generated.map((g) => g.path),
    options,
    host,
    base,
  );
  let compileFailed = new Set();
  for (const g of generated) {
    const sf = program.getSourceFile(g.path);
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diags) {
      const { line } = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0 };
      const inHeader = line < g.header;
      const srcLine = inHeader ? g.line : g.line + line - g.header;
      fail(`${g.file}:${srcLine}`, `does not compile: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}${inHeader ? ' (in the imports the checker added)' : ''}`);
      compileFailed.add(g.path);
    }
  }
  const tCompile = Date.now();

  // Run the ones that compile, in one Node process.
  const toRun = generated.filter((g) => g.run && !compileFailed.has(g.path));
  const manifest = join(outDir, 'manifest.json');
  const resultsPath = join(outDir, 'results.json');
  writeFileSync(manifest, JSON.stringify({ results: resultsPath, examples: toRun.map((g) => ({ path: g.path, cwd: g.cwd })) }));
  let results = [];
  if (toRun.length > 0) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, RUNNER), manifest], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
    });
    if (existsSync(resultsPath)) results = JSON.parse(readFileSync(resultsPath, 'utf8'));
    if (r.status !== 0 || results.length !== toRun.length) {
      const last = toRun[results.length] ?? toRun[toRun.length - 1];
      fail(`${last.file}:${last.line}`, `the example runner stopped (status ${r.status}, signal ${r.signal}${r.error ? `, ${r.error.message}` : ''}) while running this example\n${(r.stderr ?? '').slice(-4000)}`);
    }
  }
  results.forEach((res, i) => {
    const g = toRun[i];
    if (verbose && res.output) console.log(`--- ${g.file}:${g.line}\n${res.output}`);
    if (res.ok) return;
    let line = g.line;
    const m = res.stack?.match(new RegExp(`${escapeRe(g.path)}:(\\d+):\\d+`));
    if (m) line = g.line + Number(m[1]) - 1 - g.header;
    fail(`${g.file}:${line}`, `fails when run: ${res.error}${res.output ? `\n    output:\n${indent(res.output)}` : ''}`);
  });
  const tRun = Date.now();

  if (!keep) rmSync(outDir, { recursive: true, force: true });
  const empty = join(ROOT, '.doc-examples');
  if (!keep && existsSync(empty) && readdirSync(empty).length === 0) rmSync(empty, { recursive: true, force: true });

  checkReferences(programs);

  const marked = blocks.filter((b) => b.marker && b.marker.type !== 'same-as');
  console.log(
    `check-examples: ${generated.length} examples (${blocks.filter((b) => b.kind === 'tsdoc').length} TSDoc, ${blocks.filter((b) => b.kind === 'markdown').length} Markdown, ${programs.length} programs), ` +
      `${toRun.length} run; ${marked.length} marked (${marked.map((b) => `${b.file}:${b.line} ${b.marker.type}`).join(', ') || 'none'}); ` +
      `compile ${((tCompile - t0) / 1000).toFixed(1)} s, run ${((tRun - tCompile) / 1000).toFixed(1)} s`,
  );
  if (failures.length > 0) {
    console.error(`\n${failures.length} problem(s):\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exit(1);
  }
}

function relSpec(fromDir, file) {
  let r = relative(fromDir, join(ROOT, file)).split(sep).join('/').replace(/\.ts$/, '.js');
  if (!r.startsWith('.')) r = `./${r}`;
  return r;
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function indent(s) {
  return s
    .trimEnd()
    .split('\n')
    .slice(-20)
    .map((l) => `      ${l}`)
    .join('\n');
}

// ------------------------------------------------------------- references ---

function checkReferences(programs) {
  const pkg = JSON.parse(readFileSync(join(ROOT, LIBRARY_PACKAGE_JSON), 'utf8'));
  const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const scripts = { ...(rootPkg.scripts ?? {}), ...(pkg.scripts ?? {}) };
  const pkgDir = dirname(join(ROOT, LIBRARY_PACKAGE_JSON));
  const files = (pkg.files ?? []).map((f) => f.replace(/\/$/, ''));
  const shipped = (file) => {
    const r = relative(pkgDir, join(ROOT, file)).split(sep).join('/');
    return files.some((f) => r === f || r.startsWith(`${f}/`));
  };
  for (const p of programs) {
    if (!shipped(p.file)) fail(LIBRARY_PACKAGE_JSON, `"files" does not include ${p.file}, which the README points users to; add "${relative(pkgDir, join(ROOT, EXAMPLES_DIR)).split(sep).join('/')}"`);
  }

  for (const md of MARKDOWN_FILES) {
    const lines = readFileSync(join(ROOT, md), 'utf8').split('\n');
    const base = dirname(join(ROOT, md));
    lines.forEach((text, i) => {
      const where = `${md}:${i + 1}`;
      for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1];
        if (/^[a-z][\w+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const path = decodeURIComponent(target.split('#')[0]);
        if (!existsSync(resolve(base, path))) fail(where, `link to ${target}: no such file`);
      }
      for (const m of text.matchAll(/\bnpm run ([\w:.-]+)/g)) {
        if (!(m[1] in scripts)) fail(where, `\`npm run ${m[1]}\`: package.json has no script "${m[1]}"`);
      }
      for (const m of text.matchAll(/\b(?:node|npx tsx|tsx|python3)\s+((?:\.\/)?(?:scripts|examples|bench|experiments)\/[\w./-]+\.(?:m?js|ts|py))/g)) {
        if (!existsSync(join(ROOT, m[1]))) fail(where, `\`${m[0]}\`: no such file`);
      }
      for (const m of text.matchAll(/(?<![\w/.-])(examples\/[\w./-]+\.ts)\b/g)) {
        if (!existsSync(join(ROOT, m[1]))) fail(where, `${m[1]}: no such example program`);
      }
    });
  }
}

main();
