// jsroot_check.mjs - reads a rootfeed-written file with JSROOT (an independent reader) and
// compares every entry of every column with the expected values written by write_sample.
// Usage (from tests/js, so that node_modules resolves): node ../writer/jsroot_check.mjs
// FILE.root EXPECTED.json. Prints "N passed, N failed"; exit code 1 on any mismatch.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

// ES modules resolve packages next to the script, not the working directory: load JSROOT
// from $JSROOT_DIR or ./node_modules/jsroot of the directory the checker is run from.
const root = process.env.JSROOT_DIR || join(process.cwd(), 'node_modules', 'jsroot');
const load = m => import(pathToFileURL(join(root, 'modules', m)).href);
const { openFile } = await load('main.mjs');
const { TSelector, treeProcess } = await load('tree.mjs');
const { rntupleProcess } = await load('rntuple.mjs');

const [file, expectedPath] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const names = Object.keys(expected.columns);

function flatten(v, out) {
   if (v === null || v === undefined) return;
   if (typeof v === 'object' && typeof v.length === 'number') {
      for (const x of v) flatten(x, out);
   } else if (typeof v === 'object' && v !== null && 'fArray' in v) {
      flatten(v.fArray, out);
   } else out.push(v);
}

const got = {};
for (const n of names) got[n] = { counts: [], values: [] };

class Collect extends TSelector {
   constructor() {
      super();
      for (const n of names) this.addBranch(n);
   }
   Process() {
      for (const n of names) {
         const vals = [];
         flatten(this.tgtobj[n], vals);
         got[n].counts.push(vals.length);
         for (const x of vals) got[n].values.push(x);
      }
   }
}

function same(a, b, dtype) {
   if (dtype === 'float32') b = Math.fround(b);
   if (typeof a === 'boolean') a = a ? 1 : 0;
   if (typeof a === 'bigint') return a === BigInt(b);
   return Number(a) === Number(b) || (Number.isNaN(Number(a)) && Number.isNaN(Number(b)));
}

let passed = 0, failed = 0;
try {
   const f = await openFile(file);
   const obj = await f.readObject(expected.name);
   const sel = new Collect();
   if (obj._typename === 'ROOT::RNTuple')
      await rntupleProcess(obj, sel);
   else
      await treeProcess(obj, sel);
   for (const n of names) {
      const e = expected.columns[n], g = got[n];
      let bad = '';
      if (g.counts.length !== expected.entries)
         bad = `${g.counts.length} entries, expected ${expected.entries}`;
      else if (e.counts && g.counts.some((c, i) => c !== e.counts[i]))
         bad = `counts differ at entry ${g.counts.findIndex((c, i) => c !== e.counts[i])}`;
      else if (g.values.length !== e.values.length)
         bad = `${g.values.length} values, expected ${e.values.length}`;
      else {
         const i = g.values.findIndex((v, k) => !same(v, e.values[k], e.dtype));
         if (i >= 0) bad = `value ${i} is ${g.values[i]}, expected ${e.values[i]}`;
      }
      if (bad) { failed++; console.log(`FAIL ${file}: column ${n}: ${bad}`); } else passed++;
   }
} catch (err) {
   failed++;
   console.log(`FAIL ${file}: ${err?.stack ?? err}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
