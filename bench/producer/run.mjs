// Benchmark of the bundled batch producer (BatchTrigger) against one PutRecord per record.
//
// Usage: npx projen bundle && node bench/producer/run.mjs [--no-check]   (or: npx projen bench:producer)
// See README.md in this folder for what each figure means and the targets checked.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BUNDLE = resolve(ROOT, 'assets/batch-trigger/producer.lambda/index.js');
const MOTO = process.env.MOTO_SERVER ?? resolve(ROOT, '.venv/bin/moto_server');
const CHECK = !process.argv.includes('--no-check');
const require = createRequire(import.meta.url);

/** Targets (issue 8). */
const MIN_SPEEDUP = 10;
const MAX_CPU_US_PER_1KB_RECORD = 15;
/** Peak memory may grow at most this much from the smallest to the largest object. */
const MAX_PEAK_GROWTH_RATIO = 1.5;

const SMALL_RECORDS = 10_000;
const LARGE_SIZES_MIB = (process.env.BENCH_LARGE_MIB ?? '32,128,512').split(',').map(Number);
const LARGE_RECORD_BYTES = 4096;

for (const [what, path] of [['bundled producer', BUNDLE], ['moto_server', MOTO]]) {
  if (!existsSync(path)) {
    console.error(`${what} not found: ${path}\n${what === 'moto_server' ? 'create .venv (see requirements-dev.txt) or set MOTO_SERVER' : 'run `npx projen bundle` first'}`);
    process.exit(2);
  }
}

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** A child process bound to 127.0.0.1, stopped by PID. */
async function startChild(name, command, args, ready) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 20_000);
    const check = (d) => {
      out += String(d);
      if (ready(out)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${out}`)));
  });
  return { stop: () => new Promise((r) => { child.once('exit', r); process.kill(child.pid, 'SIGTERM'); }) };
}

const kinesisPort = await freePort();
const motoPort = await freePort();
const kinesalite = await startChild('kinesalite', process.execPath, ['--max-old-space-size=8192', '-e',
  `require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }).listen(${kinesisPort}, '127.0.0.1', () => console.log('listening'))`],
(o) => o.includes('listening'));
const moto = await startChild('moto_server', MOTO, ['-H', '127.0.0.1', '-p', String(motoPort)], (o) => o.includes('Running on'));

const REGION = 'eu-west-1';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
Object.assign(process.env, {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${kinesisPort}`,
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${motoPort}`,
  AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${motoPort}`,
  AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${motoPort}`,
  AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
});

const { KinesisClient, CreateStreamCommand, DescribeStreamCommand, PutRecordCommand } = require('@aws-sdk/client-kinesis');
const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
const { SQSClient, CreateQueueCommand } = require('@aws-sdk/client-sqs');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const kinesis = new KinesisClient({ region: REGION, credentials, requestHandler: new NodeHttpHandler() });
const s3 = new S3Client({ region: REGION, credentials, forcePathStyle: true });
const sqs = new SQSClient({ region: REGION, credentials });

async function stream(name) {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 4 }));
  for (;;) {
    const d = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    if (d.StreamDescription.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

await s3.send(new CreateBucketCommand({ Bucket: 'bench', CreateBucketConfiguration: { LocationConstraint: REGION } }));
const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'bench-dlq' }))).QueueUrl;
await stream('bench-single');
await stream('bench-bundled');

Object.assign(process.env, {
  STREAM_NAME: 'bench-bundled',
  DEAD_LETTER_QUEUE_URL: queueUrl,
  READABLE: JSON.stringify([{ bucket: 'bench', prefix: 'landing/' }]),
  CONTINUE_BEFORE_MS: '0',
});
const { handler } = require(BUNDLE);
const context = { functionName: 'bench', invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:bench`, getRemainingTimeInMillis: () => 900_000 };

/** A 1 KB-ish JSON event. */
function recordOf(i, bytes) {
  const head = JSON.stringify({ event_id: `e-${i}`, event_type: 'page_view', user_id: `u${i % 1000}`, at: 1795000000000 + i, pad: '' });
  return head.replace('"pad":""', `"pad":"${'p'.repeat(Math.max(0, bytes - head.length))}"`);
}

function ndjson(n, bytes) {
  return Array.from({ length: n }, (_, i) => recordOf(i, bytes)).join('\n') + '\n';
}

/**
 * Runs fn, sampling RSS and heap+external; returns wall time, CPU and peaks above the start.
 * With `collect`, a full garbage collection first, so that peaks are of this run's memory alone.
 * Only the large-object runs, which measure memory and come last, collect: a forced full
 * collection (`gc()`) makes every later run of the process slower (on Node.js 20, 1 KB records
 * cost 15–21 µs of CPU before one and 25–35 µs after it), which no Lambda function ever calls.
 */
async function measure(fn, collect = false) {
  if (collect) globalThis.gc?.();
  const m0 = process.memoryUsage();
  let peakRss = 0;
  let peakHeap = 0;
  // process.memoryUsage() reads /proc and walks the heap: sampled every 25 ms, it costs under 1 % of the CPU measured.
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss - m0.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external - m0.heapUsed - m0.external);
  }, 25);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  return { value, wall, cpuUs: cpu.user + cpu.system, peakRss, peakHeap };
}

const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const rows = [];
const failures = [];

// -------------------------------------------------------------------------------------------
// 1 KB records: one PutRecord per record vs the bundled producer, the same object.
// -------------------------------------------------------------------------------------------
const small = ndjson(SMALL_RECORDS, 1024);
await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'landing/small.json', Body: small }));

// Warm-up, the same for both: the first SDK call of a process loads and compiles the client's
// modules and resolves credentials, and the first pass over an object compiles the hot code: a
// one-time cost of a Lambda execution environment, not a per-record one. Each variant first runs
// once on an object of its own, unmeasured; the first measured run of the bundled producer is
// printed apart ("first run"), since a fresh environment pays for it once.
await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'landing/warm-up.json', Body: ndjson(SMALL_RECORDS, 1024) }));
await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'landing/warm-up-single.json', Body: ndjson(1000, 1024) }));

/** The naive producer: stream the object, split it into lines, one PutRecord per line. */
async function singlePut(key) {
  const body = (await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: key }))).Body;
  let rest = '';
  let n = 0;
  for await (const chunk of body) {
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (line === '') continue;
      await kinesis.send(new PutRecordCommand({ StreamName: 'bench-single', Data: Buffer.from(line), PartitionKey: `k${n++}` }));
    }
  }
  return n;
}
const coldBundled = await measure(() => handler({ bucket: 'bench', keys: ['landing/warm-up.json'] }, context));
await singlePut('landing/warm-up-single.json');

// Rounds of one single-put run and BUNDLED_RUNS bundled runs on the same object; the throughput
// ratio of each round is paired (same load of the machine), the figures are medians.
const ROUNDS = 3;
const BUNDLED_RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const singles = [];
const bundleds = [];
const ratios = [];
for (let round = 0; round < ROUNDS; round++) {
  const single = await measure(() => singlePut('landing/small.json'));
  if (single.value !== SMALL_RECORDS) throw new Error(`records put: single ${single.value}`);
  singles.push(single);
  const runs = [];
  for (let k = 0; k < BUNDLED_RUNS; k++) {
    const bundled = await measure(() => handler({ bucket: 'bench', keys: ['landing/small.json'] }, context));
    if (bundled.value.put !== SMALL_RECORDS) throw new Error(`records put: bundled ${bundled.value.put}`);
    runs.push(bundled);
  }
  bundleds.push(...runs);
  ratios.push(single.wall / median(runs.map((r) => r.wall)));
}
const summary = (runs) => ({ wall: median(runs.map((r) => r.wall)), cpuUs: median(runs.map((r) => r.cpuUs)), peakRss: Math.max(...runs.map((r) => r.peakRss)), peakHeap: Math.max(...runs.map((r) => r.peakHeap)) });
const single = summary(singles);
const bundled = summary(bundleds);

for (const [name, r, runs] of [['one PutRecord per record', single, `median of ${ROUNDS}`], ['bundled producer (PutRecords)', bundled, `median of ${ROUNDS * BUNDLED_RUNS}`], ['bundled producer, first run', coldBundled, 'first run in the process']]) {
  rows.push({ variant: name, object: `${SMALL_RECORDS} × 1 KB`, runs, 'records/s': Math.round(SMALL_RECORDS / r.wall), 'client CPU µs/record': (r.cpuUs / SMALL_RECORDS).toFixed(1), 'peak RSS +': mib(r.peakRss), 'peak heap+ext +': mib(r.peakHeap) });
}
const speedup = median(ratios);
const cpuPerRecord = bundled.cpuUs / SMALL_RECORDS;
const cpuRange = bundleds.map((r) => r.cpuUs / SMALL_RECORDS);
if (speedup < MIN_SPEEDUP) failures.push(`throughput ${speedup.toFixed(1)}x single-put, target ≥ ${MIN_SPEEDUP}x`);
if (cpuPerRecord > MAX_CPU_US_PER_1KB_RECORD) failures.push(`client CPU ${cpuPerRecord.toFixed(1)} µs per 1 KB record, target ≤ ${MAX_CPU_US_PER_1KB_RECORD}`);

// -------------------------------------------------------------------------------------------
// Where a 1 KB record's client CPU goes: each unavoidable step of a producer measured alone, on
// the same object and stream, beside the SDK's PutRecords and a hand-signed one. Information:
// their sum is the floor any producer that reads S3, checks each record and calls PutRecords
// pays here, whatever its code.
// -------------------------------------------------------------------------------------------
const http = require('node:http');
const { createHash, createHmac } = require('node:crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { PutRecordsCommand } = require('@aws-sdk/client-kinesis');
const lines = small.split('\n').filter(Boolean).map((l) => Buffer.from(l));
const sha256 = class { constructor(k) { this.h = k ? createHmac('sha256', k) : createHash('sha256'); } update(d) { this.h.update(d); } async digest() { return new Uint8Array(this.h.digest()); } };
const signer = new SignatureV4({ credentials, region: REGION, service: 'kinesis', sha256 });
const agent = new http.Agent({ keepAlive: true });
const target = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords', 'host': `127.0.0.1:${kinesisPort}` };
const batches = [];
for (let i = 0; i < lines.length; i += 500) batches.push(lines.slice(i, i + 500));
// The producer's own body writer (src/batch-trigger/put-records-body.ts), built here with
// esbuild (the SDK left external) so that the floor's body step is exactly what the producer does.
const bodyModule = resolve(mkdtempSync(resolve(tmpdir(), 'bench-producer-')), 'put-records-body.js');
require('esbuild').buildSync({ entryPoints: [resolve(ROOT, 'src/batch-trigger/put-records-body.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bodyModule, external: ['@aws-sdk/*'], logLevel: 'error' });
const producerBody = require(bodyModule).putRecordsBody;
const putRecordsBody = (batch) => producerBody({ StreamName: 'bench-bundled', Records: batch.map((Data, i) => ({ Data, PartitionKey: `k${i}` })) });
function post(body, headers) {
  return new Promise((ok, fail) => {
    const req = http.request({ method: 'POST', hostname: '127.0.0.1', port: kinesisPort, path: '/', headers, agent }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => ok(Buffer.concat(parts)));
    });
    req.on('error', fail);
    req.end(body);
  });
}
async function signedPut(batch) {
  const body = putRecordsBody(batch);
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: kinesisPort, path: '/', headers: { ...target }, body });
  const out = JSON.parse((await post(body, { ...signed.headers, 'content-length': body.length })).toString('utf8'));
  if (out.FailedRecordCount) throw new Error(`hand-signed PutRecords: ${out.FailedRecordCount} failed`);
}
const prebuilt = batches.map(putRecordsBody);
const presigned = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: kinesisPort, path: '/', headers: { ...target }, body: prebuilt[0] });
const steps = [
  ['S3 GetObject, body streamed (SDK)', async () => { for await (const _ of (await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'landing/small.json' }))).Body); }, true],
  ['decode and JSON.parse each record', async () => { for (const l of lines) JSON.parse(l.toString('utf8')); }, true],
  ['build the PutRecords bodies (the producer\'s putRecordsBody)', async () => { for (const b of batches) putRecordsBody(b); }, true],
  ['SHA-256 of the bodies (SigV4 payload hash)', async () => { for (const b of prebuilt) createHash('sha256').update(b).digest(); }, true],
  ['HTTP POST of the prebuilt bodies, response read', async () => { for (const b of prebuilt) await post(b, { ...presigned.headers, 'content-length': b.length }); }, true],
  ['PutRecords, hand-serialized and hand-signed', async () => { for (const b of batches) await signedPut(b); }, false],
  ['PutRecords, SDK', async () => { for (const b of batches) await kinesis.send(new PutRecordsCommand({ StreamName: 'bench-bundled', Records: b.map((d, j) => ({ Data: d, PartitionKey: `k${j}` })) })); }, false],
];
const floorRows = [];
let floor = 0;
for (const [step, fn, part] of steps) {
  await fn();
  const runs = [];
  for (let k = 0; k < 3; k++) runs.push((await measure(fn)).cpuUs / SMALL_RECORDS);
  const us = runs.sort((a, b) => a - b)[1];
  if (part) floor += us;
  floorRows.push({ step, 'client CPU µs/record (median of 3)': us.toFixed(1), 'part of the floor': part ? 'yes' : 'no' });
}

// -------------------------------------------------------------------------------------------
// Large objects (GZIP, as the raw backup is): peak memory must not grow with the object.
// -------------------------------------------------------------------------------------------
const peaks = [];
for (const size of LARGE_SIZES_MIB) {
  const n = Math.floor((size * 2 ** 20) / (LARGE_RECORD_BYTES + 1));
  const key = `landing/large-${size}.json.gz`;
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: gzipSync(ndjson(n, LARGE_RECORD_BYTES)) }));
  const r = await measure(() => handler({ bucket: 'bench', keys: [key] }, context), true);
  if (r.value.put !== n) throw new Error(`large ${size} MiB: put ${r.value.put} of ${n}`);
  // The producer's own memory: V8 heap and the buffers outside it. RSS also holds pages the
  // allocator has not returned yet and the SDK's pools, which do not grow with the object.
  peaks.push(r.peakHeap);
  rows.push({ variant: 'bundled producer (PutRecords)', object: `${size} MiB gzip NDJSON`, runs: 'one', 'records/s': Math.round(n / r.wall), 'client CPU µs/record': (r.cpuUs / n).toFixed(1), 'peak RSS +': mib(r.peakRss), 'peak heap+ext +': mib(r.peakHeap) });
}
const growth = Math.max(...peaks) / Math.max(1, peaks[0]);
if (growth > MAX_PEAK_GROWTH_RATIO && Math.max(...peaks) > 64 * 2 ** 20) {
  failures.push(`peak heap+external grew ${growth.toFixed(2)}x from ${LARGE_SIZES_MIB[0]} MiB to ${LARGE_SIZES_MIB.at(-1)} MiB objects, target ≤ ${MAX_PEAK_GROWTH_RATIO}x`);
}

console.log(`\nBatch producer benchmark (kinesalite ${require('kinesalite/package.json').version}, moto S3, Node.js ${process.versions.node}, one run, side by side)\n`);
console.table(rows);
console.log(`\nthroughput: bundled ${speedup.toFixed(1)}x one PutRecord per record (median of ${ROUNDS} paired rounds: ${ratios.map((x) => x.toFixed(1)).join(', ')}; target ≥ ${MIN_SPEEDUP}x)`);
console.log(`client CPU: ${cpuPerRecord.toFixed(1)} µs per 1 KB record (median of ${cpuRange.length} runs, ${Math.min(...cpuRange).toFixed(1)}–${Math.max(...cpuRange).toFixed(1)}; target ≤ ${MAX_CPU_US_PER_1KB_RECORD} µs); first run in the process ${(coldBundled.cpuUs / SMALL_RECORDS).toFixed(1)} µs`);
console.log('\nWhere a 1 KB record\'s client CPU goes (each step alone, same object and stream):');
console.table(floorRows);
console.log(`floor (S3 read + check + body + hash + HTTP): ${floor.toFixed(1)} µs per 1 KB record, against the ${MAX_CPU_US_PER_1KB_RECORD} µs target`);
console.log(`peak heap+external from ${LARGE_SIZES_MIB[0]} MiB to ${LARGE_SIZES_MIB.at(-1)} MiB objects: ${peaks.map(mib).join(' → ')} (target: independent of the object's size)`);

kinesis.destroy();
s3.destroy();
sqs.destroy();
await Promise.all([kinesalite.stop(), moto.stop()]);
rmSync(dirname(bodyModule), { recursive: true, force: true });
if (failures.length > 0) {
  console.log(`\nMISSED:\n  - ${failures.join('\n  - ')}`);
  if (CHECK) process.exit(1);
} else {
  console.log('\nall targets met');
}
