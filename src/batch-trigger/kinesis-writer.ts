// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { KinesisClient, PutRecordsCommand, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sendPutRecordsWithPrebuiltBody } from './put-records-body';

/**
 * Writes records to a Kinesis data stream with `PutRecords`, in batches bounded by the service's
 * limits, retrying only the entries that failed, and hands whatever still fails to the
 * dead-letter queue with enough context to replay it. Nothing here imports aws-cdk-lib.
 *
 * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */

/** At most 500 records per `PutRecords` call. */
export const MAX_BATCH_RECORDS = 500;
/** At most 5 MiB per `PutRecords` call, data and partition keys together. */
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/** At most 1 MiB per record, data and partition key together. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** SQS accepts messages of at most 256 KiB; each dead-letter message stays below this. */
export const MAX_DEAD_LETTER_MESSAGE_BYTES = 250 * 1024;

/** Where a record came from: enough to find it again. */
export interface RecordOrigin {
  readonly bucket: string;
  readonly key: string;
  /** Byte offset of the record in the object (of the decompressed stream when `gzip`). */
  readonly offset: number;
  /** Length in bytes of the record's span in the object. */
  readonly length: number;
  /** Whether the object is GZIP-compressed, so that offsets are of its decompressed bytes. */
  readonly gzip: boolean;
}

/** A record on its way to the stream. */
export interface PendingRecord extends RecordOrigin {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

/** What the producer counts, per invocation and over continuations. */
export interface ProducerCounts {
  /** Records recovered from objects (every one ends up put or dead-lettered). */
  read: number;
  /** Records Kinesis acknowledged. */
  put: number;
  /** Entries sent again. */
  retried: number;
  /** Records written to the dead-letter queue (retries exhausted or over the record limit). */
  deadLettered: number;
  /** Spans of objects that are not JSON values. */
  malformed: number;
  /** Records over the 1 MiB record limit (also counted in `deadLettered`). */
  oversized: number;
}

export function zeroCounts(): ProducerCounts {
  return { read: 0, put: 0, retried: 0, deadLettered: 0, malformed: 0, oversized: 0 };
}

/** Exponential backoff with full jitter between attempts of the failed entries. */
export interface RetryPolicy {
  /** Attempts per entry, the first included. */
  readonly maxAttempts: number;
  /** Upper bound of the first delay. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay. */
  readonly maxDelayMs: number;
}

/** Why records went to the dead-letter queue. */
export type DeadLetterReason = 'RETRIES_EXHAUSTED' | 'RECORD_TOO_LARGE';

/** The body of one dead-letter message (JSON). */
export interface DeadLetterMessage {
  readonly type: 'cdk-serverless-data-lake.BatchProducer.DeadLetter';
  readonly version: 1;
  readonly reason: DeadLetterReason;
  readonly streamName: string;
  /** Attempts made for these records (0 for records never sent). */
  readonly attempts: number;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly records: DeadLetterRecord[];
}

/** One record of a dead-letter message. */
export interface DeadLetterRecord extends RecordOrigin {
  readonly partitionKey?: string;
  /** The record's data, base64; absent when the record alone would not fit a message (read it at `offset`). */
  readonly data?: string;
}

export interface WriterOptions {
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly streamName: string;
  readonly deadLetterQueueUrl: string;
  readonly retry: RetryPolicy;
  readonly counts: ProducerCounts;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

/** Error names of whole-call failures worth another attempt; others (access, validation, missing stream) fail the invocation. */
const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'ThrottlingException',
  'Throttling',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Whether a failed `PutRecords` call may be retried as a whole. */
export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (e === null || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  if (e.name !== undefined && RETRYABLE_ERRORS.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  // No HTTP response at all: a network error (ECONNRESET, EPIPE, socket timeout).
  return typeof e.code === 'string' || e.name === 'Error' || e.name === 'AbortError';
}

/** `PutRecords` in bounded batches, with retries of failed entries and a dead-letter queue. */
export class KinesisWriter {
  private entries: PendingRecord[] = [];
  private bytes = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: (line: string) => void;

  public constructor(private readonly options: WriterOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.log = options.log ?? console.log;
    sendPutRecordsWithPrebuiltBody(options.kinesis);
  }

  /** Records waiting for the next call. */
  public get size(): number {
    return this.entries.length;
  }

  /** Whether the record fits into the current batch; when not, flush first. */
  public fits(record: PendingRecord): boolean {
    return this.entries.length < MAX_BATCH_RECORDS && this.bytes + recordBytes(record) <= MAX_BATCH_BYTES;
  }

  /** Adds a record that fits (see {@link fits}); records over the record limit must go to {@link deadLetter}. */
  public add(record: PendingRecord): void {
    this.entries.push(record);
    this.bytes += recordBytes(record);
  }

  /** Adds every record, flushing whenever a batch is full. */
  public async addAll(records: PendingRecord[]): Promise<void> {
    for (const record of records) {
      if (!this.fits(record)) await this.flush();
      this.add(record);
    }
  }

  /**
   * Sends the batch. Entries that fail (per-entry `ErrorCode`, or the whole call with a retryable
   * error such as `ProvisionedThroughputExceededException`) are sent again, alone, after a delay
   * drawn uniformly from `[0, min(maxDelay, baseDelay × 2^(attempt−1)))` (full jitter); after
   * `maxAttempts` they go to the dead-letter queue. A non-retryable error (access denied, no such
   * stream, bad request) is thrown: it is a configuration error, and Lambda's retries and failure
   * destination keep the invocation.
   */
  public async flush(): Promise<void> {
    let batch = this.entries;
    this.entries = [];
    this.bytes = 0;
    const { counts, retry, kinesis, streamName } = this.options;
    let attempt = 0;
    while (batch.length > 0) {
      attempt++;
      let failed: PendingRecord[];
      let errorCode: string | undefined;
      let errorMessage: string | undefined;
      try {
        const out = await kinesis.send(new PutRecordsCommand({
          StreamName: streamName,
          Records: batch.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
        }));
        if (!out.FailedRecordCount) {
          counts.put += batch.length;
          return;
        }
        failed = [];
        const results: PutRecordsResultEntry[] = out.Records ?? [];
        for (let i = 0; i < batch.length; i++) {
          const r = results[i];
          if (r === undefined || r.ErrorCode !== undefined || r.SequenceNumber === undefined) {
            failed.push(batch[i]);
            errorCode = r?.ErrorCode ?? 'MissingResultEntry';
            errorMessage = r?.ErrorMessage;
          }
        }
        counts.put += batch.length - failed.length;
      } catch (err) {
        if (!isRetryable(err)) throw err;
        failed = batch;
        errorCode = (err as Error).name;
        errorMessage = (err as Error).message;
      }
      if (attempt >= retry.maxAttempts) {
        await this.deadLetter(failed, 'RETRIES_EXHAUSTED', attempt, errorCode, errorMessage);
        return;
      }
      counts.retried += failed.length;
      const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(this.random() * ceiling);
      batch = failed;
    }
  }

  /**
   * Writes records to the dead-letter queue, as few messages as fit 256 KiB each, with their
   * origin and, when it fits, their data: a record of a message can be put back as it is.
   */
  public async deadLetter(
    records: Array<PendingRecord | RecordOrigin>,
    reason: DeadLetterReason,
    attempts: number,
    errorCode?: string,
    errorMessage?: string,
  ): Promise<void> {
    if (records.length === 0) return;
    const { streamName, sqs, deadLetterQueueUrl, counts } = this.options;
    const header = { type: 'cdk-serverless-data-lake.BatchProducer.DeadLetter', version: 1, reason, streamName, attempts, errorCode, errorMessage, records: [] };
    const headerBytes = Buffer.byteLength(JSON.stringify(header));
    let group: DeadLetterRecord[] = [];
    let groupBytes = headerBytes;
    const send = async () => {
      if (group.length === 0) return;
      const message: DeadLetterMessage = { ...header, type: 'cdk-serverless-data-lake.BatchProducer.DeadLetter', version: 1, records: group };
      await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: JSON.stringify(message) }));
      counts.deadLettered += group.length;
      group = [];
      groupBytes = headerBytes;
    };
    for (const r of records) {
      const origin: RecordOrigin = { bucket: r.bucket, key: r.key, offset: r.offset, length: r.length, gzip: r.gzip };
      const pending = 'data' in r ? r : undefined;
      let entry: DeadLetterRecord = pending ? { ...origin, partitionKey: pending.partitionKey, data: Buffer.from(pending.data).toString('base64') } : origin;
      let bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (headerBytes + bytes > MAX_DEAD_LETTER_MESSAGE_BYTES) {
        entry = pending ? { ...origin, partitionKey: pending.partitionKey } : origin;
        bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
      }
      if (groupBytes + bytes > MAX_DEAD_LETTER_MESSAGE_BYTES) await send();
      group.push(entry);
      groupBytes += bytes;
    }
    await send();
    this.log(JSON.stringify({ level: 'ERROR', message: 'records dead-lettered', reason, records: records.length, attempts, errorCode, errorMessage, streamName }));
  }
}

/** Bytes a record counts against the limits: its data and its partition key (UTF-8). */
export function recordBytes(record: { data: Uint8Array; partitionKey: string }): number {
  const key = record.partitionKey;
  // Partition keys are mostly ASCII (UUIDs, ids): their length is their byte length.
  let ascii = true;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return record.data.length + (ascii ? key.length : Buffer.byteLength(key));
}
