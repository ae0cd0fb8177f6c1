// Benchmark of the bundled newline-transform Firehose processor.
//
// Usage: npx projen bundle && node bench/newline-handler/run.mjs [--no-check]   (or: npx projen bench)
// See README.md in this folder for what each column means and the targets checked.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUNDLE = resolve(HERE, '../../assets/newline-transform-firehose/newline-transform.lambda/index.js');

const CHECK = !process.argv.includes('--no-check');

/** Record sizes (decoded payload bytes); each batch holds about BATCH_BYTES of payload. */
const SIZES = [200, 1024, 64 * 1024, 100 * 1024];
const BATCH_BYTES = 1024 * 1024;

/**
 * Targets. The whole invocation is compared with the new-string reference, the cheapest handler
 * that returns a new string per record: every transform returns new data, and V8's
 * JSON.stringify copies each new string once, which the floor (records returned unchanged) never
 * pays. So no transform can reach the floor at large records; the ratio to the floor is printed
 * as information.
 */
const HANDLER_NS_PER_RECORD_MAX = 100;
const INVOCATION_RATIO_TO_NEW_STRING_MAX = 1.02;

/**
 * Sampling. A handler-only sample is a few milliseconds of back-to-back calls. An invocation
 * sample is at least 8 invocations and 40 ms, so that it contains the young-generation
 * collections its own allocations cause: a variant that allocates more pays for it, as it does
 * in a warm Lambda execution environment. Invocations are measured in several fresh V8 isolates
 * (worker threads, one after the other) because V8's adaptive decisions, such as pretenuring the
 * objects of an allocation site, are taken once per isolate and can shift one variant by 10–20 %
 * for the life of the process; pooling the rounds of several isolates keeps one such decision
 * from deciding the median.
 */
const WARMUP_MS = 250;
const HANDLER_SAMPLE = { ms: 4, minIterations: 1 };
const HANDLER_ROUNDS = 31;
const INVOCATION_SAMPLE = { ms: 40, minIterations: 8 };
const INVOCATION_ISOLATES = 3;
const INVOCATION_ROUNDS_PER_ISOLATE = 7;

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

if (!existsSync(BUNDLE)) {
  console.error(`bundled handler not found: ${BUNDLE}\nrun \`npx projen bundle\` first`);
  process.exit(2);
}
const { handler: bundledHandler } = createRequire(import.meta.url)(BUNDLE);
if (typeof bundledHandler !== 'function') {
  console.error(`${BUNDLE} exports no handler function`);
  process.exit(2);
}

/** A full collection between samples, so that no sample pays for another's garbage. */
let collect = () => {};
let gcBetweenSamples = false;
try {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc');
  gcBetweenSamples = typeof collect === 'function';
} catch {
  // Without gc(), samples alternate between variants, which spreads collections evenly.
}

const NEWLINE = Buffer.from('\n');

/** Decode the whole payload, append `\n` unless present, encode the whole result. */
const naiveHandler = async (event) => ({
  records: event.records.map((r) => {
    const buf = Buffer.from(r.data, 'base64');
    const out = buf.at(-1) === 0x0a ? buf : Buffer.concat([buf, NEWLINE]);
    return { recordId: r.recordId, result: 'Ok', data: out.toString('base64') };
  }),
});

/** Returns every record unchanged: the cost of the invocation without any transform. */
const identityHandler = async (event) => ({
  records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
});

/**
 * Appends the base64 of `\n` to every record without looking at it: not a correct transform
 * (padded payloads give invalid base64), but the simplest handler that returns a new string per
 * record, with the loop of the bundled one. V8's JSON.stringify copies each such string once
 * into a new flat string; this reference shows what that copy costs on the running Node.js.
 */
const newStringHandler = async (event) => {
  const records = event.records;
  const out = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    out[i] = { recordId: record.recordId, result: 'Ok', data: record.data + 'Cg==' };
  }
  return { records: out };
};

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same data. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['page_view', 'add_to_cart', 'checkout', 'search', 'login', 'refund', 'signup', 'click'];

/** A JSON object of exactly `length` bytes, shaped like an application event. */
function jsonPayload(rnd, length, i) {
  const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const head = {
    event_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    event_type: WORDS[i % WORDS.length],
    occurred_at: new Date(Date.UTC(2026, 10, 27, 5, 12, 33) + i * 37).toISOString(),
    user_id: Math.floor(rnd() * 1e9),
    amount: Math.round(rnd() * 100000) / 100,
    country: 'DE',
  };
  const prefix = `${JSON.stringify(head).slice(0, -1)},"attributes":"`;
  const suffix = '"}';
  const fill = length - prefix.length - suffix.length;
  if (fill < 0) {
    throw new Error(`payload length ${length} is too small`);
  }
  let body = '';
  while (body.length < fill) {
    body += `${WORDS[Math.floor(rnd() * WORDS.length)]} `;
  }
  return Buffer.from(prefix + body.slice(0, fill) + suffix);
}

/** A Firehose transformation event for a Kinesis source with about BATCH_BYTES of payload. */
function firehoseEvent(size) {
  const rnd = random(size);
  const count = Math.max(1, Math.round(BATCH_BYTES / size));
  const arrival = Date.UTC(2026, 10, 27, 5, 12, 33);
  const records = [];
  for (let i = 0; i < count; i++) {
    // Lengths size-1, size, size+1 in turn: every base64 padding case, averaging `size`.
    const payload = jsonPayload(rnd, size + (i % 3) - 1, i);
    const sequenceNumber = (49546986683135544286507457936321625675700192471156785154n + BigInt(i) * 1_000_003n).toString();
    records.push({
      recordId: sequenceNumber,
      approximateArrivalTimestamp: arrival + i,
      data: payload.toString('base64'),
      kinesisRecordMetadata: {
        shardId: `shardId-00000000000${i % 4}`,
        partitionKey: `${(i * 7919).toString(16).padStart(8, '0')}-24f8-4b9d-a088-76e9947c317a`,
        approximateArrivalTimestamp: arrival + i,
        sequenceNumber,
        subsequenceNumber: '',
      },
    });
  }
  return {
    invocationId: '4b6e2a1c-2f1a-4c8e-9d36-1d3f0a6b7c21',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:111122223333:deliverystream/lake-delivery',
    sourceKinesisStreamArn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/lake-stream',
    region: 'eu-west-1',
    records,
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

let sink = 0;

/** Calls `fn` `iterations` times and returns the elapsed nanoseconds. */
async function timeIt(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < iterations; k++) {
    sink ^= await fn();
  }
  return Number(process.hrtime.bigint() - start);
}

/** Iterations of `fn` that take about `ms` (at least `minIterations`), after warming it up. */
async function calibrate(fn, { ms, minIterations }) {
  let iterations = minIterations;
  const warmUntil = Date.now() + WARMUP_MS;
  while (Date.now() < warmUntil) {
    await fn();
  }
  for (;;) {
    const ns = await timeIt(fn, iterations);
    if (ns >= ms * 1e6 || iterations >= 1 << 20) {
      return Math.max(minIterations, Math.round((iterations * ms * 1e6) / Math.max(ns, 1)));
    }
    iterations *= 2;
  }
}

/**
 * Samples every variant in alternation, rotating their order each round, and returns per
 * variant the per-unit times in nanoseconds in round order (so that the samples of one round,
 * taken back to back under the same machine load, can be compared pairwise).
 */
async function sampleAll(variants, sample, rounds, unitsPerCall) {
  const iterations = [];
  for (const v of variants) {
    iterations.push(await calibrate(v.fn, sample));
  }
  const times = variants.map(() => []);
  for (let s = 0; s < rounds; s++) {
    for (let j = 0; j < variants.length; j++) {
      const index = (s + j) % variants.length;
      collect();
      const ns = await timeIt(variants[index].fn, iterations[index]);
      times[index].push(ns / iterations[index] / unitsPerCall);
    }
  }
  return times;
}

const sorted = (values) => [...values].sort((a, b) => a - b);
const median = (values) => sorted(values)[Math.floor(values.length / 2)];
const p95 = (values) => sorted(values)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)];
/** Median over rounds of the ratio of two variants sampled in the same round. */
const pairedRatio = (a, b) => median(a.map((v, i) => v / b[i]));

/** The bundled handler must give, byte for byte, what the naive one gives. */
async function verify(event) {
  const got = await bundledHandler(event);
  const want = await naiveHandler(event);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error('bundled handler output differs from the naive handler output');
  }
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

const invoke = (h, eventJson) => async () => JSON.stringify(await h(JSON.parse(eventJson))).length;

/** Whole-invocation samples of every variant for one record size, in the current isolate. */
async function measureInvocations(size) {
  const eventJson = JSON.stringify(firehoseEvent(size));
  const [bundled, naive, floor, newString] = await sampleAll(
    [
      { fn: invoke(bundledHandler, eventJson) },
      { fn: invoke(naiveHandler, eventJson) },
      { fn: invoke(identityHandler, eventJson) },
      { fn: invoke(newStringHandler, eventJson) },
    ],
    INVOCATION_SAMPLE,
    INVOCATION_ROUNDS_PER_ISOLATE,
    1,
  );
  return { bundled, naive, floor, newString };
}

/** Runs {@link measureInvocations} in a fresh isolate. */
function measureInvocationsInWorker(size) {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { size } });
    worker.once('message', resolvePromise);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`measurement worker exited with code ${code}`)));
  });
}

if (!isMainThread) {
  parentPort.postMessage({ ...(await measureInvocations(workerData.size)), sink });
  process.exit(0);
}

const started = Date.now();
console.log(`node ${process.version} (v8 ${process.versions.v8}), ${process.platform}/${process.arch}`);
console.log(`bundle: ${relative(resolve(HERE, '../..'), BUNDLE)}`);
console.log(`gc between samples: ${gcBetweenSamples ? 'yes' : 'no'}`);
console.log('');

const rows = [];
for (const size of SIZES) {
  const event = firehoseEvent(size);
  const eventJson = JSON.stringify(event);
  const count = event.records.length;
  await verify(JSON.parse(eventJson));

  const parsed = JSON.parse(eventJson);
  const [handlerBundled, handlerNaive] = await sampleAll(
    [
      { fn: async () => (await bundledHandler(parsed)).records.length },
      { fn: async () => (await naiveHandler(parsed)).records.length },
    ],
    HANDLER_SAMPLE,
    HANDLER_ROUNDS,
    count,
  );

  const row = { size, count, eventBytes: eventJson.length, handlerBundled, handlerNaive, invokeBundled: [], invokeNaive: [], invokeFloor: [], invokeNewString: [] };
  for (let i = 0; i < INVOCATION_ISOLATES; i++) {
    const m = await measureInvocationsInWorker(size);
    row.invokeBundled.push(...m.bundled);
    row.invokeNaive.push(...m.naive);
    row.invokeFloor.push(...m.floor);
    row.invokeNewString.push(...m.newString);
    sink ^= m.sink;
  }
  rows.push(row);
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmtSize = (b) => (b >= 1024 ? `${b / 1024} KB` : `${b} B`);
const ns = (v) => (v >= 10000 ? `${(v / 1000).toFixed(1)}µs` : `${v.toFixed(1)}`);
const us = (v) => (v / 1000).toFixed(0);
const pair = (values, f) => `${f(median(values))} / ${f(p95(values))}`;
const ratio = (a, b) => `${pairedRatio(a, b).toFixed(3)}x`;

function table(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of body) {
    console.log(line(r));
  }
}

console.log('Handler only, ns per record (median / p95)');
table(
  ['record', 'records/batch', 'bundled', 'naive', 'naive/bundled'],
  rows.map((r) => [
    fmtSize(r.size),
    String(r.count),
    pair(r.handlerBundled, ns),
    pair(r.handlerNaive, ns),
    `${pairedRatio(r.handlerNaive, r.handlerBundled).toFixed(1)}x`,
  ]),
);
console.log('');
console.log('Whole invocation (JSON.parse → handler → JSON.stringify), µs per batch (median / p95)');
table(
  ['record', 'event bytes', 'floor', 'new-string', 'bundled', 'naive', 'bundled/new-string', 'target', 'bundled/floor', 'naive/floor', 'new-string/floor'],
  rows.map((r) => [
    fmtSize(r.size),
    String(r.eventBytes),
    pair(r.invokeFloor, us),
    pair(r.invokeNewString, us),
    pair(r.invokeBundled, us),
    pair(r.invokeNaive, us),
    ratio(r.invokeBundled, r.invokeNewString),
    `<= ${INVOCATION_RATIO_TO_NEW_STRING_MAX.toFixed(2)}x ${pairedRatio(r.invokeBundled, r.invokeNewString) <= INVOCATION_RATIO_TO_NEW_STRING_MAX ? 'met' : 'missed'}`,
    ratio(r.invokeBundled, r.invokeFloor),
    ratio(r.invokeNaive, r.invokeFloor),
    ratio(r.invokeNewString, r.invokeFloor),
  ]),
);
console.log('the /floor columns are information: the floor returns every record unchanged, which no handler that returns new data can do;');
console.log('new-string/floor is what returning one new string per record costs on this Node.js, whatever the handler');
console.log('');

const misses = [];
for (const r of rows) {
  const handlerNs = median(r.handlerBundled);
  if (handlerNs > HANDLER_NS_PER_RECORD_MAX) {
    misses.push(`${fmtSize(r.size)}: bundled handler ${handlerNs.toFixed(1)} ns/record > ${HANDLER_NS_PER_RECORD_MAX}`);
  }
  const invocationRatio = pairedRatio(r.invokeBundled, r.invokeNewString);
  if (invocationRatio > INVOCATION_RATIO_TO_NEW_STRING_MAX) {
    misses.push(`${fmtSize(r.size)}: bundled invocation ${invocationRatio.toFixed(3)}x new-string > ${INVOCATION_RATIO_TO_NEW_STRING_MAX}x`);
  }
}

console.log(`targets: handler-only bundled <= ${HANDLER_NS_PER_RECORD_MAX} ns/record at every size; `
  + `whole invocation bundled <= ${INVOCATION_RATIO_TO_NEW_STRING_MAX}x new-string at every size `
  + '(bundled/floor is information, not a target)');
console.log(misses.length === 0 ? 'all targets met' : `targets missed:\n  ${misses.join('\n  ')}`);
console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s (checksum ${sink})`);

if (CHECK && misses.length > 0) {
  process.exit(1);
}
