import { randomUUID } from 'crypto';
import { pipeline, Readable } from 'stream';
import { createGunzip } from 'zlib';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import type { KinesisClient } from '@aws-sdk/client-kinesis';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { GetObjectCommand, GetObjectCommandInput, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import type { SQSClient } from '@aws-sdk/client-sqs';
import { JsonSplitter, SplitMode } from './json-splitter';
import { KinesisWriter, MAX_RECORD_BYTES, PendingRecord, ProducerCounts, RecordOrigin, RetryPolicy, recordBytes, zeroCounts } from './kinesis-writer';
import { PRODUCER_DIMENSION, PRODUCER_METRICS, PRODUCER_NAMESPACE } from './producer-metrics';
import { ReplayConfig, ReplayPayload, replayPrefixes, replayProblems } from './replay-prefixes';

/**
 * The bundled batch producer: reads S3 objects named by an event or a direct invoke, splits them
 * into JSON records in bounded memory, and puts them into a Kinesis data stream. Everything here
 * takes its clients as arguments; `producer.lambda.ts` is the thin entry that reads the
 * environment once and creates them.
 *
 * Accepted events:
 * - an S3 event notification (`Records[].s3`, keys URL-decoded), an EventBridge `Object Created`
 *   event from S3 (the key as given, then URL-decoded when no object has the given key), or an SQS
 *   batch of those;
 * - a direct invoke: `{ "bucket": "b", "keys": ["k1", "k2"] }`, `{ "bucket": "b", "prefix": "landing/" }`
 *   (optionally `"modifiedAfter"`/`"modifiedBefore"`, ISO 8601), or
 *   `{ "replay": { "table": "clicks", "from": "…", "to": "…", "source": "raw" | "errors" } }`;
 * - the scheduled payload `BatchTrigger` gives its rule: `{ "bucket", "prefix", "window": { "end": "<time>", "seconds": 300 } }`;
 * - a continuation `{ "continuation": { … } }`, which the producer sends itself.
 */

/** The configuration read from the environment at cold start. */
export interface ProducerConfig {
  readonly streamName: string;
  readonly deadLetterQueueUrl: string;
  /** Dot-separated path of the JSON field whose value is the partition key; random keys when absent. */
  readonly partitionKeyPath?: string[];
  readonly retry: RetryPolicy;
  /** Stop and continue in a new invocation when less than this remains. */
  readonly continueBeforeMs: number;
  /** A chain of continuations longer than this fails (a guard against a loop). */
  readonly maxContinuations: number;
  /** What the producer may read: direct invokes outside these are refused, events outside are ignored. */
  readonly readable: Array<{ bucket: string; prefix: string }>;
  readonly replay?: ReplayConfig;
}

/** The SDK clients the producer uses. */
export interface ProducerClients {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
}

/** The part of the Lambda context the producer uses. */
export interface ProducerContext {
  readonly invokedFunctionArn: string;
  readonly functionName?: string;
  getRemainingTimeInMillis(): number;
}

/** Something reported, not sent: a malformed span, an oversized record, a missing object. */
export interface ProducerProblem {
  readonly kind: 'malformed' | 'oversized' | 'missing' | 'ignored';
  readonly bucket: string;
  readonly key: string;
  readonly offset?: number;
  readonly length?: number;
  readonly reason: string;
}

/** What one invocation did. */
export interface ProducerResult extends ProducerCounts {
  /** Objects read to their end by this invocation. */
  readonly objects: number;
  /** Whether the work goes on in a continuation invocation. */
  readonly continued: boolean;
  /** Counts of the whole chain of invocations so far, this one included. */
  readonly totals: ProducerCounts;
  /** The first problems found by this invocation (all are logged). */
  readonly problems: ProducerProblem[];
}

/** Options for tests and benchmarks. */
export interface ProduceOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly log?: (line: string) => void;
  readonly emitMetrics?: (line: string) => void;
}

/** An object to read, or a prefix to list. */
export interface WorkItem {
  readonly bucket: string;
  /** The object key. */
  readonly key?: string;
  /** Object keys (a direct invoke), expanded into one item each. */
  readonly keys?: string[];
  /** Other readings of `key`, tried in order when no object has it. */
  readonly alternativeKeys?: string[];
  /** The prefix to list (instead of a key). */
  readonly prefix?: string;
  /** Only objects last modified at or after this instant (ISO 8601). */
  readonly modifiedAfter?: string;
  /** Only objects last modified before this instant (ISO 8601). */
  readonly modifiedBefore?: string;
}

/** What a chain of invocations works through. */
export interface Work {
  readonly items?: WorkItem[];
  readonly replay?: ReplayPayload;
  /** Whether the work came from an event (objects outside what is readable are then skipped, not refused). */
  readonly fromEvent?: boolean;
}

/** Where a stopped invocation left an object. */
export interface ObjectPosition {
  readonly bucket: string;
  readonly key: string;
  readonly etag?: string;
  /** Offset of the first byte not yet handled (of the decompressed stream when `gzip`). */
  readonly offset: number;
  readonly gzip: boolean;
  readonly mode?: SplitMode;
}

/** The payload of a continuation invoke. */
export interface Continuation {
  readonly work: Work;
  /** Index of the item in progress. */
  readonly item: number;
  /** Within a prefix, the last key read to its end. */
  readonly startAfter?: string;
  /** The object in progress. */
  readonly object?: ObjectPosition;
  readonly totals: ProducerCounts;
  /** Invocations of the chain so far. */
  readonly invocations: number;
}

/** A direct invoke names at most this many keys (the continuation payload must fit an asynchronous invoke). */
export const MAX_KEYS_PER_INVOKE = 100;
const MAX_PROBLEMS_IN_RESULT = 100;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/** Reads and validates the configuration; every problem is reported in one error. */
export function producerConfigFromEnvironment(env: Record<string, string | undefined>): ProducerConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim() ?? '';
    if (value === '') problems.push(`${name} must be set to a non-empty value, got ${JSON.stringify(env[name] ?? null)}`);
    return value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
      return fallback;
    }
    return n;
  };
  const json = <T>(name: string): T | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      problems.push(`${name} must be JSON, got '${raw.slice(0, 200)}'`);
      return undefined;
    }
  };

  const streamName = required('STREAM_NAME');
  const deadLetterQueueUrl = required('DEAD_LETTER_QUEUE_URL');
  const field = env.PARTITION_KEY_FIELD?.trim();
  const partitionKeyPath = field ? field.split('.') : undefined;
  if (partitionKeyPath?.some((p) => p === '')) problems.push(`PARTITION_KEY_FIELD must be a dot-separated path of field names, got '${field}'`);
  const retry: RetryPolicy = {
    maxAttempts: integer('MAX_ATTEMPTS', 10, 1, 100),
    baseDelayMs: integer('BACKOFF_BASE_MS', 100, 0, 60_000),
    maxDelayMs: integer('BACKOFF_MAX_MS', 5000, 0, 300_000),
  };
  const continueBeforeMs = integer('CONTINUE_BEFORE_MS', 60_000, 0, 900_000);
  const maxContinuations = integer('MAX_CONTINUATIONS', 1000, 1, 1_000_000);
  const readable = json<Array<{ bucket: string; prefix: string }>>('READABLE') ?? [];
  if (!Array.isArray(readable) || readable.some((r) => typeof r?.bucket !== 'string' || typeof r?.prefix !== 'string')) {
    problems.push('READABLE must be a JSON array of { "bucket": string, "prefix": string }');
  }
  const replay = json<ReplayConfig>('REPLAY');
  if (replay !== undefined && (typeof replay.bucket !== 'string' || typeof replay.timeZone !== 'string' || typeof replay.tables !== 'object')) {
    problems.push('REPLAY must be JSON { "bucket": string, "timeZone": string, "tables": { "<table>": { "raw": string, "errors": string } } }');
  }
  if (problems.length > 0) throw new Error(`batch producer configuration is invalid: ${problems.map((p) => `\n  - ${p}`).join('')}`);
  return { streamName, deadLetterQueueUrl, partitionKeyPath, retry, continueBeforeMs, maxContinuations, readable, replay };
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** The work an event names, or the continuation it carries. Throws on a shape it does not know. */
export function workFromEvent(event: unknown, config: ProducerConfig): { work: Work } | { continuation: Continuation } {
  if (!isRecord(event)) throw new Error(`the event is not an object: ${truncate(JSON.stringify(event) ?? String(event))}`);
  if (isRecord(event.continuation)) return { continuation: event.continuation as unknown as Continuation };
  if (isRecord(event.replay)) {
    if (!config.replay) throw new Error('replay needs the BatchTrigger\'s replay option (the lake bucket, layout and tables): none is configured');
    const problems = replayProblems(config.replay, event.replay);
    if (problems.length > 0) throw new Error(`the replay request is invalid: ${problems.map((p) => `\n  - ${p}`).join('')}`);
    const r = event.replay as Record<string, string>;
    return { work: { replay: { table: r.table, from: r.from, to: r.to, source: (r.source ?? 'raw') as ReplayPayload['source'] } } };
  }
  if (Array.isArray(event.Records) && event.Records.length > 0 && event.Records.every((r) => isRecord(r) && r.eventSource === 'aws:sqs')) {
    const items = (event.Records as Array<{ body: string; messageId: string }>).flatMap((record) => {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        throw new Error(`SQS message ${record.messageId} has a body that is not JSON: ${truncate(record.body)}`);
      }
      return s3EventItems(body, `SQS message ${record.messageId}`);
    });
    return { work: { items, fromEvent: true } };
  }
  if (event.Event === 's3:TestEvent' || Array.isArray(event.Records) || event.source === 'aws.s3') {
    return { work: { items: s3EventItems(event, 'event'), fromEvent: true } };
  }
  if (typeof event.bucket === 'string') return { work: { items: [directItem(event)] } };
  throw new Error(
    'the event is not an S3 event notification, an EventBridge \'Object Created\' event, an SQS batch of those, or a direct invoke '
    + `({ "bucket", "keys" | "prefix" } or { "replay": { "table", "from", "to" } }), got ${truncate(JSON.stringify(event))}`,
  );
}

function s3EventItems(message: unknown, what: string): WorkItem[] {
  if (!isRecord(message)) throw new Error(`${what} is not an object`);
  if (message.Event === 's3:TestEvent') return [];
  if (Array.isArray(message.Records)) {
    return (message.Records as Array<Record<string, unknown>>)
      .filter((r) => r.eventSource === 'aws:s3' && typeof r.eventName === 'string' && r.eventName.startsWith('ObjectCreated:'))
      .map((r) => {
        const s3 = r.s3 as { bucket: { name: string }; object: { key: string } };
        let key: string;
        try {
          key = decodeURIComponent(s3.object.key.replace(/\+/g, ' '));
        } catch {
          throw new Error(`object key '${s3.object.key}' of an S3 event notification is not validly URL-encoded`);
        }
        return { bucket: s3.bucket.name, key };
      });
  }
  if (message.source === 'aws.s3' && isRecord(message.detail)) {
    if (message['detail-type'] !== 'Object Created') return [];
    const detail = message.detail as { bucket?: { name?: unknown }; object?: { key?: unknown } };
    const bucket = detail.bucket?.name;
    const key = detail.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') {
      throw new Error(`${what} is an EventBridge 'Object Created' event without detail.bucket.name or detail.object.key`);
    }
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      decoded = undefined;
    }
    return [decoded !== undefined && decoded !== key ? { bucket, key, alternativeKeys: [decoded] } : { bucket, key }];
  }
  throw new Error(`${what} is not an S3 event notification or an EventBridge 'Object Created' event: ${truncate(JSON.stringify(message))}`);
}

function directItem(event: Record<string, unknown>): WorkItem {
  const bucket = event.bucket as string;
  const problems: string[] = [];
  const keys = event.keys;
  const prefix = event.prefix;
  if ((keys === undefined) === (prefix === undefined) && event.window === undefined) {
    problems.push('a direct invoke names either keys (an array of object keys) or prefix, got ' + (keys === undefined ? 'neither' : 'both'));
  }
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
      problems.push(`keys must be a non-empty array of object keys, got ${truncate(JSON.stringify(keys))}`);
    } else if (keys.length > MAX_KEYS_PER_INVOKE) {
      problems.push(`keys must name at most ${MAX_KEYS_PER_INVOKE} objects, got ${keys.length}: name their prefix instead, or invoke several times`);
    }
  }
  if (prefix !== undefined && typeof prefix !== 'string') problems.push(`prefix must be a string, got ${JSON.stringify(prefix)}`);
  let modifiedAfter = typeof event.modifiedAfter === 'string' ? event.modifiedAfter : undefined;
  let modifiedBefore = typeof event.modifiedBefore === 'string' ? event.modifiedBefore : undefined;
  if (isRecord(event.window)) {
    // The scheduled payload: objects modified in the window that ends at the run's scheduled time.
    const end = Date.parse(String(event.window.end));
    const seconds = Number(event.window.seconds);
    if (Number.isNaN(end) || !(seconds > 0)) {problems.push(`window must be { "end": ISO 8601, "seconds": > 0 }, got ${JSON.stringify(event.window)}`);} else {
      modifiedAfter = new Date(end - seconds * 1000).toISOString();
      modifiedBefore = new Date(end).toISOString();
    }
  }
  for (const [name, value] of [['modifiedAfter', modifiedAfter], ['modifiedBefore', modifiedBefore]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) problems.push(`${name} must be an ISO 8601 instant, got '${value}'`);
  }
  if (problems.length > 0) throw new Error(`the direct invoke is invalid: ${problems.map((p) => `\n  - ${p}`).join('')}`);
  if (Array.isArray(keys)) return { bucket, keys: keys as string[] };
  return { bucket, prefix: (prefix as string | undefined) ?? '', modifiedAfter, modifiedBefore };
}

/** The items of the work: explicit ones (keys expanded), or a replay's prefixes. */
export function itemsOf(work: Work, config: ProducerConfig): WorkItem[] {
  if (work.replay) {
    const replay = config.replay!;
    return replayPrefixes(replay, work.replay).map((prefix) => ({ bucket: replay.bucket, prefix }));
  }
  return (work.items ?? []).flatMap((item) => (item.keys ? item.keys.map((key) => ({ bucket: item.bucket, key })) : [item]));
}

// ---------------------------------------------------------------------------------------------
// Production
// ---------------------------------------------------------------------------------------------

/**
 * Reads the objects the event names, or continues a chain, and puts their records.
 *
 * Objects are read as streams: the body (and, when its first bytes are the GZIP magic `1f 8b`, a
 * gunzip stream) is consumed chunk by chunk, split into JSON values by {@link JsonSplitter}, and
 * batched by {@link KinesisWriter}; nothing holds more than one record, one batch and a few
 * chunks. Firehose error records (`rawData` with `attemptsMade` and an error code) are replaced
 * by their decoded `rawData`: the record as it first arrived.
 *
 * When less than `continueBeforeMs` remains, the producer flushes, then invokes itself
 * asynchronously with a {@link Continuation}: the work, the item, the last key read in a prefix,
 * and the object's offset. A plain object is resumed with a ranged GET from that offset; a GZIP
 * object cannot be entered in the middle, so it is read again from its start and the first
 * `offset` decompressed bytes are skipped (decompressed, not parsed, not sent). The ETag of the
 * first read is required (`If-Match`) so a changed object fails instead of mixing versions.
 */
export async function produce(
  clients: ProducerClients,
  config: ProducerConfig,
  event: unknown,
  context: ProducerContext,
  options: ProduceOptions = {},
): Promise<ProducerResult> {
  const log = options.log ?? console.log;
  const counts = zeroCounts();
  const problems: ProducerProblem[] = [];
  let objects = 0;
  let continued = false;
  let priorTotals = zeroCounts();
  try {
    const parsed = workFromEvent(event, config);
    const start: Continuation = 'continuation' in parsed
      ? parsed.continuation
      : { work: parsed.work, item: 0, totals: zeroCounts(), invocations: 0 };
    priorTotals = start.totals;
    if (start.invocations >= config.maxContinuations) {
      throw new Error(`the chain of continuations reached MAX_CONTINUATIONS (${config.maxContinuations}) without finishing: each invocation reads too little; raise the timeout or memory`);
    }
    const report = (p: ProducerProblem) => {
      if (problems.length < MAX_PROBLEMS_IN_RESULT) problems.push(p);
      log(JSON.stringify({ level: 'WARN', message: `record ${p.kind}`, ...p }));
    };
    const writer = new KinesisWriter({
      ...clients,
      streamName: config.streamName,
      deadLetterQueueUrl: config.deadLetterQueueUrl,
      retry: config.retry,
      counts,
      sleep: options.sleep,
      random: options.random,
      log,
    });
    const run = new Run(clients, config, context, writer, counts, report);
    const items = itemsOf(start.work, config);
    const stop = await run.work(start, items);
    objects = run.objects;
    await writer.flush();
    if (stop) {
      const work = start.work.replay ? start.work : { ...start.work, items: items.slice(stop.item) };
      const continuation: Continuation = {
        work,
        item: start.work.replay ? stop.item : 0,
        ...(stop.startAfter !== undefined ? { startAfter: stop.startAfter } : {}),
        ...(stop.object ? { object: stop.object } : {}),
        totals: add(priorTotals, counts),
        invocations: start.invocations + 1,
      };
      await clients.lambda.send(new InvokeCommand({
        // The unqualified function: what the role may invoke.
        FunctionName: context.functionName ?? functionNameOf(context.invokedFunctionArn),
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ continuation })),
      }));
      continued = true;
      log(JSON.stringify({ level: 'INFO', message: 'continuing in a new invocation', item: continuation.item, startAfter: continuation.startAfter, object: continuation.object, counts }));
    }
    const result: ProducerResult = { ...counts, objects, continued, totals: add(priorTotals, counts), problems };
    log(JSON.stringify({ level: 'INFO', message: continued ? 'invocation done, work continues' : 'work done', ...counts, objects, totals: result.totals }));
    return result;
  } finally {
    (options.emitMetrics ?? writeMetricsLine)(metricsLine(context.functionName ?? functionNameOf(context.invokedFunctionArn), counts));
  }
}

interface Stop {
  readonly item: number;
  readonly startAfter?: string;
  readonly object?: ObjectPosition;
}

class Run {
  public objects = 0;
  private progressed = false;

  public constructor(
    private readonly clients: ProducerClients,
    private readonly config: ProducerConfig,
    private readonly context: ProducerContext,
    private readonly writer: KinesisWriter,
    private readonly counts: ProducerCounts,
    private readonly report: (p: ProducerProblem) => void,
  ) {}

  /** Works through the items from the continuation's position; returns where it stopped, or undefined when done. */
  public async work(start: Continuation, items: WorkItem[]): Promise<Stop | undefined> {
    for (let i = start.item; i < items.length; i++) {
      const item = items[i];
      const resume = i === start.item ? start : undefined;
      if (!this.mayRead(item, start.work.fromEvent === true)) continue;
      if (item.key !== undefined) {
        if (!resume?.object && this.timeLow()) return { item: i };
        const stopped = await this.readObject(item.bucket, [item.key, ...(item.alternativeKeys ?? [])], resume?.object);
        if (stopped) return { item: i, object: stopped };
        continue;
      }
      const stop = await this.listPrefix(i, item, resume);
      if (stop) return stop;
    }
    return undefined;
  }

  private mayRead(item: WorkItem, fromEvent: boolean): boolean {
    const path = item.key ?? item.prefix ?? '';
    const ok = this.config.readable.some((r) => r.bucket === item.bucket && path.startsWith(r.prefix));
    if (ok) return true;
    const allowed = this.config.readable.map((r) => `s3://${r.bucket}/${r.prefix}`).join(', ') || 'nothing';
    if (fromEvent) {
      this.report({ kind: 'ignored', bucket: item.bucket, key: path, reason: `outside what this producer reads (${allowed})` });
      return false;
    }
    throw new Error(`s3://${item.bucket}/${path} is outside what this producer may read (${allowed}): name an object or prefix under one of them, or add it to the BatchTrigger's source`);
  }

  private async listPrefix(i: number, item: WorkItem, resume: Continuation | undefined): Promise<Stop | undefined> {
    const after = item.modifiedAfter !== undefined ? Date.parse(item.modifiedAfter) : -Infinity;
    const before = item.modifiedBefore !== undefined ? Date.parse(item.modifiedBefore) : Infinity;
    let startAfter = resume?.startAfter;
    let pending = resume?.object;
    if (pending) {
      const stopped = await this.readObject(item.bucket, [pending.key], pending);
      if (stopped) return { item: i, startAfter, object: stopped };
      startAfter = pending.key;
      pending = undefined;
    }
    let token: string | undefined;
    do {
      const page = await this.clients.s3.send(new ListObjectsV2Command({
        Bucket: item.bucket,
        Prefix: item.prefix,
        ...(token ? { ContinuationToken: token } : startAfter !== undefined ? { StartAfter: startAfter } : {}),
      }));
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/') || o.Size === 0) continue;
        const modified = o.LastModified?.getTime();
        if (modified !== undefined && (modified < after || modified >= before)) continue;
        if (this.timeLow()) return { item: i, startAfter };
        const stopped = await this.readObject(item.bucket, [o.Key], undefined);
        if (stopped) return { item: i, startAfter, object: stopped };
        startAfter = o.Key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return undefined;
  }

  private timeLow(): boolean {
    return this.progressed && this.context.getRemainingTimeInMillis() < this.config.continueBeforeMs;
  }

  /** Reads one object to its end, or until time runs low: returns where it stopped. */
  private async readObject(bucket: string, keys: string[], resume: ObjectPosition | undefined): Promise<ObjectPosition | undefined> {
    let response;
    let key = keys[0];
    for (const candidate of keys) {
      key = candidate;
      const input: GetObjectCommandInput = {
        Bucket: bucket,
        Key: candidate,
        ...(resume?.etag ? { IfMatch: resume.etag } : {}),
        ...(resume && !resume.gzip && resume.offset > 0 ? { Range: `bytes=${resume.offset}-` } : {}),
      };
      try {
        response = await this.clients.s3.send(new GetObjectCommand(input));
        break;
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'NoSuchKey' || name === 'NotFound') continue;
        if (name === 'PreconditionFailed') {
          throw new Error(`s3://${bucket}/${candidate} changed since its first part was read (ETag ${resume?.etag}): its records up to offset ${resume?.offset} were put; replay the object to put the rest`);
        }
        if (name === 'InvalidRange' && resume) return undefined;
        throw err;
      }
    }
    if (!response?.Body) {
      this.report({ kind: 'missing', bucket, key: keys.join(' | '), reason: 'no such object (deleted, or never written)' });
      return undefined;
    }
    const body = response.Body as Readable;
    const etag = resume?.etag ?? response.ETag;
    const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await source.next();
    if (first.done) {
      this.objects++;
      return undefined;
    }
    const gzip = resume ? resume.gzip : first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
    const startOffset = resume?.offset ?? 0;
    const chunks = gzip ? gunzipped(first.value, source) : plain(first.value, source);

    const pending: PendingRecord[] = [];
    const origin = (offset: number, length: number): RecordOrigin => ({ bucket, key, offset, length, gzip });
    const oversized: RecordOrigin[] = [];
    const splitter = new JsonSplitter({
      value: (offset, data, parsed) => {
        this.counts.read++;
        let payload: Uint8Array = data;
        let doc = parsed;
        if (isFirehoseErrorRecord(parsed)) {
          payload = Buffer.from(parsed.rawData, 'base64');
          doc = this.config.partitionKeyPath ? tryParse(payload) : undefined;
        }
        const partitionKey = this.partitionKeyOf(doc);
        const record: PendingRecord = { data: payload, partitionKey, bucket, key, offset, length: data.length, gzip };
        if (recordBytes(record) > MAX_RECORD_BYTES) {
          this.oversize(origin(offset, data.length), oversized);
          return;
        }
        pending.push(record);
      },
      malformed: (offset, length, reason) => {
        this.counts.malformed++;
        this.report({ kind: 'malformed', bucket, key, offset, length, reason });
      },
      oversized: (offset, length) => {
        this.counts.read++;
        this.oversize(origin(offset, length), oversized);
      },
    }, MAX_RECORD_BYTES, startOffset, resume?.mode);

    let skip = gzip ? startOffset : 0;
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        let chunk = next.value;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        splitter.push(chunk);
        await this.drain(pending, oversized);
        if (this.timeLow()) {
          await this.writer.flush();
          await chunks.return?.();
          body.destroy();
          return { bucket, key, etag, offset: splitter.boundary, gzip, mode: splitter.mode };
        }
        this.progressed = true;
      }
    } catch (err) {
      body.destroy();
      throw err;
    }
    splitter.end();
    await this.drain(pending, oversized);
    this.objects++;
    return undefined;
  }

  private oversize(origin: RecordOrigin, into: RecordOrigin[]): void {
    this.counts.oversized++;
    this.report({ kind: 'oversized', bucket: origin.bucket, key: origin.key, offset: origin.offset, length: origin.length, reason: `over the Kinesis record limit of ${MAX_RECORD_BYTES} bytes (data and partition key): dead-lettered by its position` });
    into.push(origin);
  }

  private async drain(pending: PendingRecord[], oversized: RecordOrigin[]): Promise<void> {
    if (pending.length > 0) {
      const records = pending.splice(0, pending.length);
      await this.writer.addAll(records);
    }
    if (oversized.length > 0) {
      await this.writer.deadLetter(oversized.splice(0, oversized.length), 'RECORD_TOO_LARGE', 0);
    }
  }

  private partitionKeyOf(doc: unknown): string {
    const path = this.config.partitionKeyPath;
    if (path) {
      let v: unknown = doc;
      for (const p of path) {
        if (v === null || typeof v !== 'object') {
          v = undefined;
          break;
        }
        v = (v as Record<string, unknown>)[p];
      }
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        const s = String(v);
        // Kinesis partition keys are 1 to 256 Unicode characters.
        if (s.length > 0 && s.length <= 256) return s;
      }
    }
    return randomUUID();
  }
}

/** The object's bytes, the first chunk already read. */
async function* plain(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/** The object's bytes decompressed (multi-member GZIP included), with backpressure. */
function gunzipped(first: Buffer, rest: AsyncIterator<Buffer>): AsyncIterator<Buffer> {
  const gunzip = createGunzip();
  pipeline(Readable.from(plain(first, rest), { objectMode: false }), gunzip, () => undefined);
  return gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
}

interface FirehoseErrorRecord {
  readonly rawData: string;
}

/** A record of Firehose's error output: processing or format-conversion failure, with the original record in `rawData`. */
export function isFirehoseErrorRecord(v: unknown): v is FirehoseErrorRecord {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.rawData === 'string' && typeof o.attemptsMade === 'number' && ('errorCode' in o || 'lastErrorCode' in o);
}

function tryParse(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
}

function add(a: ProducerCounts, b: ProducerCounts): ProducerCounts {
  return {
    read: a.read + b.read,
    put: a.put + b.put,
    retried: a.retried + b.retried,
    deadLettered: a.deadLettered + b.deadLettered,
    malformed: a.malformed + b.malformed,
    oversized: a.oversized + b.oversized,
  };
}

function functionNameOf(arn: string): string {
  return arn.split(':')[6] ?? arn;
}

/**
 * One CloudWatch embedded-metric-format line with this invocation's counts.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function metricsLine(functionName: string, counts: ProducerCounts, now: number = Date.now()): string {
  const values: Record<string, number> = {
    [PRODUCER_METRICS.recordsRead]: counts.read,
    [PRODUCER_METRICS.recordsPut]: counts.put,
    [PRODUCER_METRICS.recordsRetried]: counts.retried,
    [PRODUCER_METRICS.recordsDeadLettered]: counts.deadLettered,
    [PRODUCER_METRICS.malformedRecords]: counts.malformed,
    [PRODUCER_METRICS.oversizedRecords]: counts.oversized,
  };
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [{ Namespace: PRODUCER_NAMESPACE, Dimensions: [[PRODUCER_DIMENSION]], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) }],
    },
    [PRODUCER_DIMENSION]: functionName,
    ...values,
  });
}

/** Writes the metrics line alone on stdout: CloudWatch extracts metrics only from a line that is the JSON object. */
function writeMetricsLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
