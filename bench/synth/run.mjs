// Benchmark of synthesis: a stack of ServerlessDataLakes against a stack of bare aws-cdk-lib L2s.
//
// Usage: node bench/synth/run.mjs [--no-check]   (or: npx projen bench:synth)
// Needs the compiled library (lib/index.js). See README.md in this folder for what each figure
// means and the target checked.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const SELF = fileURLToPath(import.meta.url);
const CHECK = !process.argv.includes('--no-check');

/** Lake counts compared. */
const LAKES = [1, 10, 30];
/** Variants compared, in the order they are printed. */
const VARIANTS = ['facade', 'core', 'bare'];

/** Target (issue 10): the facade's synthesis time per lake at most this many times the bare L2 stack's. */
const TIME_RATIO_MAX = 1.5;

/**
 * Sampling. Every configuration (variant × lake count) runs in ROUNDS fresh `node` processes.
 * In each round, the facade and the bare stack of one lake count run back to back (which goes
 * first alternates from round to round, and so does the order of the lake counts), so that the
 * two sides of a ratio are measured under the same load of the machine; a ratio is the median
 * over rounds of the ratio of the two children of one round. Each child loads the modules,
 * synthesizes one fresh App (cold: what one `cdk synth` of that app pays; the child's peak RSS
 * is read right after it), then WARM_REPS[lakes] more fresh Apps, with a full garbage collection
 * before each, so that no repetition pays for the garbage of the one before.
 *
 * Time is the CPU time (user + system) of the child during the build and `app.synth()`. Wall
 * time is printed too; on an idle machine the two agree, but on a shared one wall time also
 * counts the time the child waited for a core, which can double it for seconds at a time.
 */
const ROUNDS = 3;
const WARM_REPS = { 1: 7, 10: 4, 30: 3 };

const STACK_ID = 'Bench';
const ENV = { account: '123456789012', region: 'eu-west-1' };

// ---------------------------------------------------------------------------------------------
// Child: one configuration, in a fresh process
// ---------------------------------------------------------------------------------------------

/** Builds the app of one configuration and returns what build and synthesis took. */
function synthOnce(modules, variant, lakes) {
  const { cdk, lib, kinesis, firehose, s3 } = modules;
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    // CDK's built-in CloudFormation validation off, as in the tests (it costs seconds per synth).
    const app = new cdk.App({ builtinCloudFormationValidation: false, outdir });
    const stack = new cdk.Stack(app, STACK_ID, { env: ENV });
    if (variant === 'facade' || variant === 'core') {
      // Schema-first lakes like the README's 'Clicks' one; lakes 2..n share with the first.
      // 'facade': defaults otherwise (monitoring on, saved queries on). 'core': the pipeline the
      // bare stack also has (stream, delivery, lake, catalog): monitoring and saved queries off.
      let first;
      for (let i = 0; i < lakes; i++) {
        const lake = new lib.ServerlessDataLake(stack, i === 0 ? 'Clicks' : `Clicks${i + 1}`, {
          tableName: i === 0 ? 'clicks' : `clicks_${i + 1}`,
          columns: [
            { name: 'event_id', type: lib.ColumnType.STRING },
            { name: 'user_id', type: lib.ColumnType.BIGINT },
            { name: 'amount', type: lib.ColumnType.decimal(10, 2) },
            { name: 'event_time', type: lib.ColumnType.TIMESTAMP },
          ],
          shareWith: first,
          ...(variant === 'core' ? { monitoring: false, savedQueries: false } : {}),
        });
        first ??= lake;
      }
    } else {
      // Per lake: a stream, a bucket and a delivery stream from the one into the other.
      for (let i = 0; i < lakes; i++) {
        const stream = new kinesis.Stream(stack, `Stream${i + 1}`);
        const bucket = new s3.Bucket(stack, `Bucket${i + 1}`);
        new firehose.DeliveryStream(stack, `Delivery${i + 1}`, {
          source: new firehose.KinesisStreamSource(stream),
          destination: new firehose.S3Bucket(bucket),
        });
      }
    }
    const built = performance.now();
    const assembly = app.synth();
    const done = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    const artifact = assembly.getStackByName(STACK_ID);
    const template = artifact.template;
    const bytes = statSync(artifact.templateFullPath).size;
    // The file is what CDK writes: JSON.stringify(template, undefined, 1).
    const expected = Buffer.byteLength(JSON.stringify(template, undefined, 1));
    if (bytes !== expected) {
      throw new Error(`template file is ${bytes} bytes, JSON.stringify(template, undefined, 1) is ${expected}`);
    }
    return {
      buildMs: built - start,
      synthMs: done - built,
      totalMs: done - start,
      cpuMs: (cpu.user + cpu.system) / 1000,
      bytes,
      resources: Object.keys(template.Resources ?? {}).length,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function child(variant, lakes) {
  const require = createRequire(join(ROOT, 'package.json'));
  const loadStart = performance.now();
  const modules = { cdk: require('aws-cdk-lib') };
  if (variant === 'facade' || variant === 'core') {
    modules.lib = require(join(ROOT, 'lib/index.js'));
    if (typeof modules.lib.ServerlessDataLake !== 'function') {
      throw new Error('lib/index.js exports no ServerlessDataLake (is lib/ being rebuilt?)');
    }
  } else {
    modules.kinesis = require('aws-cdk-lib/aws-kinesis');
    modules.firehose = require('aws-cdk-lib/aws-kinesisfirehose');
    modules.s3 = require('aws-cdk-lib/aws-s3');
  }
  const loadMs = performance.now() - loadStart;
  const rssLoadedKb = process.resourceUsage().maxRSS;

  const cold = synthOnce(modules, variant, lakes);
  const peakRssKb = process.resourceUsage().maxRSS;

  const warm = [];
  for (let i = 0; i < WARM_REPS[lakes]; i++) {
    globalThis.gc?.();
    warm.push(synthOnce(modules, variant, lakes));
  }
  process.stdout.write(`${JSON.stringify({ loadMs, rssLoadedKb, peakRssKb, cold, warm })}\n`);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  const [variant, lakes] = process.argv.slice(childIndex + 1, childIndex + 3);
  child(variant, Number(lakes));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: run every configuration in its own children, then report
// ---------------------------------------------------------------------------------------------

function runChild(variant, lakes) {
  const env = { ...process.env };
  // Nothing from a surrounding `cdk` invocation: no context, no output folder, no auto-synth.
  for (const name of Object.keys(env)) {
    if (name.startsWith('CDK_')) {
      delete env[name];
    }
  }
  const result = spawnSync(process.execPath, ['--expose-gc', SELF, '--child', variant, String(lakes)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) {
    console.error(`${variant} × ${lakes}: child exited with ${result.status ?? result.signal}\n${result.stderr}`);
    process.exit(2);
  }
  const r = JSON.parse(result.stdout.trim().split('\n').pop());
  return {
    ...r,
    warmCpuMs: median(r.warm.map((w) => w.cpuMs)),
    warmWallMs: median(r.warm.map((w) => w.totalMs)),
  };
}

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}
function median(values) {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const started = Date.now();
const cdkVersion = createRequire(join(ROOT, 'package.json'))('aws-cdk-lib/package.json').version;
console.log(`node ${process.version}, aws-cdk-lib ${cdkVersion}, ${process.platform}/${process.arch}, ${cpus().length} cores`);
console.log(`${ROUNDS} fresh processes per configuration, each: 1 cold synthesis, then ${LAKES.map((n) => WARM_REPS[n]).join(' / ')} warm ones `
  + `(${LAKES.join(' / ')} lakes; fresh App, full GC before each); CloudFormation validation off`);
console.log('');

/** runs[variant][lakes] = the children of that configuration, in round order. */
const runs = Object.fromEntries(VARIANTS.map((v) => [v, Object.fromEntries(LAKES.map((n) => [n, []]))]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < LAKES.length; k++) {
    const lakes = LAKES[(k + round) % LAKES.length];
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      runs[variant][lakes].push(runChild(variant, lakes));
    }
  }
}

const results = Object.fromEntries(VARIANTS.map((v) => [v, {}]));
for (const variant of VARIANTS) {
  for (const lakes of LAKES) {
    const rs = runs[variant][lakes];
    const samples = rs.flatMap((r) => [r.cold, ...r.warm]);
    const bytes = new Set(samples.map((w) => w.bytes));
    const resources = new Set(samples.map((w) => w.resources));
    if (bytes.size !== 1 || resources.size !== 1) {
      console.error(`${variant} × ${lakes}: templates differ between repetitions`);
      process.exit(2);
    }
    const warm = rs.flatMap((r) => r.warm);
    results[variant][lakes] = {
      resources: [...resources][0],
      bytes: [...bytes][0],
      loadMs: median(rs.map((r) => r.loadMs)),
      coldCpuMs: median(rs.map((r) => r.cold.cpuMs)),
      coldWallMs: median(rs.map((r) => r.cold.totalMs)),
      cpuMs: median(warm.map((w) => w.cpuMs)),
      wallMs: median(warm.map((w) => w.totalMs)),
      buildMs: median(warm.map((w) => w.buildMs)),
      synthMs: median(warm.map((w) => w.synthMs)),
      peakMb: median(rs.map((r) => r.peakRssKb)) / 1024,
      growthMb: median(rs.map((r) => r.peakRssKb - r.rssLoadedKb)) / 1024,
    };
  }
}

/** Median over rounds of variant ÷ bare, the children of a round taken back to back. */
const paired = (variant, lakes, f) => median(runs[variant][lakes].map((r, i) => f(r) / f(runs.bare[lakes][i])));

const ratiosOf = (variant) => LAKES.map((lakes) => ({
  lakes,
  cpu: paired(variant, lakes, (r) => r.warmCpuMs),
  wall: paired(variant, lakes, (r) => r.warmWallMs),
  coldCpu: paired(variant, lakes, (r) => r.cold.cpuMs),
  peak: paired(variant, lakes, (r) => r.peakRssKb),
  growth: paired(variant, lakes, (r) => r.peakRssKb - r.rssLoadedKb),
  bytes: results[variant][lakes].bytes / results.bare[lakes].bytes,
  resources: results[variant][lakes].resources / results.bare[lakes].resources,
}));
const ratios = ratiosOf('facade');
const coreRatios = ratiosOf('core');

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function table(header, body, leftColumns) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const left = (i) => i < leftColumns;
  const line = (cells) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of body) {
    console.log(line(r));
  }
}

const ms = (v) => v.toFixed(0);
const ms1 = (v) => v.toFixed(1);
const kib = (v) => (v / 1024).toFixed(1);
const x = (v) => `${v.toFixed(2)}x`;
const NAMES = { facade: 'ServerlessDataLake', core: 'ServerlessDataLake core', bare: 'bare L2s' };

console.log('Per configuration: medians; ms of CPU time unless "wall"; warm = build + app.synth() of a fresh App in a warm process');
table(
  ['stack', 'lakes', 'resources', 'res/lake', 'template KiB', 'KiB/lake', 'load (wall)', 'cold', 'cold (wall)', 'warm', 'warm (wall)', 'build + synth (wall)', 'warm/lake', 'peak RSS MiB', 'RSS growth MiB'],
  LAKES.flatMap((lakes) => VARIANTS.map((variant) => {
    const r = results[variant][lakes];
    return [
      NAMES[variant],
      String(lakes),
      String(r.resources),
      ms1(r.resources / lakes),
      kib(r.bytes),
      kib(r.bytes / lakes),
      ms(r.loadMs),
      ms(r.coldCpuMs),
      ms(r.coldWallMs),
      ms(r.cpuMs),
      ms(r.wallMs),
      `${ms(r.buildMs)} + ${ms(r.synthMs)}`,
      ms1(r.cpuMs / lakes),
      r.peakMb.toFixed(0),
      r.growthMb.toFixed(0),
    ];
  })),
  2,
);
console.log('');

console.log('ServerlessDataLake ÷ bare L2s, per lake (same lake count: per lake = per stack; time and memory: median of paired ratios)');
table(
  ['lakes', 'time (warm)', 'target', 'time (warm, wall)', 'time (cold)', 'peak RSS', 'RSS growth', 'template bytes', 'resources'],
  ratios.map((r) => [
    String(r.lakes),
    x(r.cpu),
    `<= ${TIME_RATIO_MAX.toFixed(2)}x ${r.cpu <= TIME_RATIO_MAX ? 'met' : 'missed'}`,
    x(r.wall),
    x(r.coldCpu),
    x(r.peak),
    x(r.growth),
    x(r.bytes),
    x(r.resources),
  ]),
  1,
);
console.log('');

console.log('ServerlessDataLake core (monitoring: false, savedQueries: false: what the bare stack also has) ÷ bare L2s, per lake (information)');
table(
  ['lakes', 'time (warm)', 'time (warm, wall)', 'time (cold)', 'peak RSS', 'template bytes', 'resources'],
  coreRatios.map((r) => [String(r.lakes), x(r.cpu), x(r.wall), x(r.coldCpu), x(r.peak), x(r.bytes), x(r.resources)]),
  1,
);
console.log('');

// The cost of one more lake, from the two largest lake counts: what a stack pays once cancels out.
const [lo, hi] = LAKES.slice(-2);
const marginal = (variant, key) => (results[variant][hi][key] - results[variant][lo][key]) / (hi - lo);
const mFacade = marginal('facade', 'cpuMs');
const mBare = marginal('bare', 'cpuMs');
console.log(`one more lake (${lo} → ${hi} lakes, warm, information): ${NAMES.facade} ${ms1(mFacade)} ms, `
  + `${ms1(marginal('facade', 'resources'))} resources, ${kib(marginal('facade', 'bytes'))} KiB; `
  + `${NAMES.bare} ${ms1(mBare)} ms, ${ms1(marginal('bare', 'resources'))} resources, ${kib(marginal('bare', 'bytes'))} KiB; `
  + `ratio ${x(mFacade / mBare)}`);
console.log('');

const misses = ratios.filter((r) => r.cpu > TIME_RATIO_MAX);
console.log(`target: ${NAMES.facade} synthesis time per lake <= ${TIME_RATIO_MAX}x the bare L2 stack's at ${LAKES.join(', ')} lakes `
  + '(warm, CPU time, with its defaults); wall and cold times, memory, template bytes, resources, the core variant and the marginal lake are information');
console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(misses.length === 0
  ? `target met: ${ratios.map((r) => `${x(r.cpu)} at ${r.lakes}`).join(', ')}`
  : `target missed: ${misses.map((r) => `${x(r.cpu)} at ${r.lakes} lake${r.lakes === 1 ? '' : 's'}`).join(', ')} > ${TIME_RATIO_MAX}x`);

if (CHECK && misses.length > 0) {
  process.exit(1);
}
