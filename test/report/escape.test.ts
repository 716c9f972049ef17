import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, jsonForScript, scriptSafe } from '../../packages/cli/src/report/escape.js';

test('escapeHtml: the five special characters become references', () => {
  assert.equal(escapeHtml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
  assert.equal(escapeHtml('plain text 123'), 'plain text 123');
});

test('escapeHtml: output never contains < > " \' or a bare & (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const out = escapeHtml(s);
      assert.ok(!/[<>"']/.test(out));
      assert.ok(!/&(?!(amp|lt|gt|quot|#39);)/.test(out));
    }),
    { seed: 7, numRuns: 500 },
  );
});

test('jsonForScript: round-trips through JSON.parse and never contains </script or <!-- (property)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, s) => {
      const value = { v, s, tricky: `</script><!-- ${s} \u2028\u2029 </SCRIPT>` };
      const out = jsonForScript(value);
      assert.ok(!/<\/script/i.test(out));
      assert.ok(!out.includes('<!--'));
      assert.ok(!/[\u2028\u2029<>&]/.test(out));
      assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(value)));
    }),
    { seed: 11, numRuns: 300 },
  );
});

test('jsonForScript: rejects undefined with a message', () => {
  assert.throws(() => jsonForScript(undefined), /value must be JSON-serialisable, got undefined/);
});

test('scriptSafe: escapes closing script tags and comment openers, keeping the JS meaning', () => {
  const js = `var a = "</script>"; var b = '<!--'; var c = /<\\/SCRIPT/;`;
  const out = scriptSafe(js);
  assert.ok(!/<\/script/i.test(out));
  assert.ok(!out.includes('<!--'));
  // The escaped source evaluates to the same strings.
  const f = new Function(`${out}; return [a, b, c.source];`) as () => string[];
  assert.deepEqual(f(), ['</script>', '<!--', '<\\/SCRIPT']);
});
