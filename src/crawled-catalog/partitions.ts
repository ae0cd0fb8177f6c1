// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { BatchCreatePartitionCommand, GetTableCommand, GlueClient, PartitionInput, StorageDescriptor } from '@aws-sdk/client-glue';
import type { EventBridgeEvent, S3Event, S3EventRecord, S3ObjectCreatedNotificationEvent, SQSEvent } from 'aws-lambda';
import { REGISTRAR_DIMENSIONS, REGISTRAR_METRICS, REGISTRAR_NAMESPACE } from './registrar-metrics';

/**
 * Event-driven partition registration for the Glue Data Catalog.
 *
 * When Firehose writes an object into the lake, its key is parsed against the partition
 * layout and the partition is created with `BatchCreatePartition`, so Athena sees it without
 * waiting for a crawler. Everything here is pure or takes its Glue client as an argument;
 * `partition-registrar.lambda.ts` is the thin entry that reads the environment.
 */

/** Where partitions are registered and how object keys map to partition values. */
export interface RegistrarConfig {
  /** Glue database of the table. */
  readonly databaseName: string;
  /** Glue table whose partitions are registered. */
  readonly tableName: string;
  /** The lake bucket; objects of any other bucket are ignored. */
  readonly bucketName: string;
  /** Key prefix of the table's data, e.g. `events/`; empty or ending with `/`. */
  readonly dataPrefix: string;
  /** Partition keys in layout order, e.g. `['year', 'month', 'day', 'hour']`. */
  readonly partitionKeys: string[];
  /** Catalog that holds the database; the caller's account catalog when absent. */
  readonly catalogId?: string;
}

/** An object named by an event. */
export interface S3ObjectRef {
  readonly bucket: string;
  /** The object key: URL-decoded for an S3 notification, as given for an EventBridge event. */
  readonly key: string;
  /**
   * Other readings of the key, tried in order when `key` does not parse: an EventBridge key
   * URL-decoded (`+` a space, `%3D` an `=`), as AWS's own Powertools reads it.
   */
  readonly alternativeKeys?: string[];
}

/** What one call of {@link registerPartitions} did. */
export interface RegistrationResult {
  /** Partitions created by this call. */
  readonly registered: number;
  /** Partitions that were already in the catalog (Glue `AlreadyExistsException`). */
  readonly alreadyExisted: number;
  /**
   * `s3://bucket/key` of every object that is not data of the table: another bucket, a key
   * outside the table's data prefix, a folder key or a folder marker.
   */
  readonly ignored: string[];
}

/**
 * Raised when objects under the table's data prefix have keys that do not parse against the
 * layout: the partitions of every other object are registered first, then the invocation fails,
 * so Lambda retries it and finally hands it to its failure destination.
 */
export class UnparsableObjectsError extends Error {
  public constructor(public readonly table: string, public readonly objects: string[], public readonly result: RegistrationResult) {
    super(
      `${objects.length} object(s) under the data prefix of ${table} have keys that do not parse against the partition layout, so their partitions cannot be registered: `
      + `${objects.slice(0, MAX_FAILURES_IN_MESSAGE).join(', ')}${objects.length > MAX_FAILURES_IN_MESSAGE ? ` … and ${objects.length - MAX_FAILURES_IN_MESSAGE} more` : ''}`
      + ` (registered ${result.registered}, already existed ${result.alreadyExisted}); the writer and the layout disagree: write keys as the layout's dataPrefix() gives them`,
    );
    this.name = 'UnparsableObjectsError';
  }
}

/** Receives one JSON log line. */
export type LogLine = (line: string) => void;

/** The events the registrar is subscribed to. */
export type RegistrarEvent = S3ObjectCreatedNotificationEvent | S3Event | SQSEvent;

/** `BatchCreatePartition` accepts at most 100 entries in `PartitionInputList`. */
export const MAX_PARTITIONS_PER_BATCH = 100;

/** Error code Glue gives an entry whose partition is already in the catalog. */
const ALREADY_EXISTS = 'AlreadyExistsException';

/** Hadoop-style folder markers (`<folder>_$folder$`) are not data files. */
const FOLDER_MARKER_SUFFIX = '_$folder$';

/** At most this many failures are spelled out in an error message; the log line has them all. */
const MAX_FAILURES_IN_MESSAGE = 20;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/**
 * Reads the registrar configuration from Lambda environment variables.
 *
 * `DATABASE_NAME`, `TABLE_NAME`, `BUCKET_NAME`, `DATA_PREFIX` (empty for the bucket root; a
 * missing trailing `/` is added), `PARTITION_KEYS` (comma-separated, in layout order) and the
 * optional `CATALOG_ID`. Every problem is collected and reported in one error.
 */
export function registrarConfigFromEnvironment(env: Record<string, string | undefined>): RegistrarConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim() ?? '';
    if (value === '') {
      problems.push(`${name} must be set to a non-empty value, got ${JSON.stringify(env[name] ?? null)}`);
    }
    return value;
  };

  const databaseName = required('DATABASE_NAME');
  const tableName = required('TABLE_NAME');
  const bucketName = required('BUCKET_NAME');

  let dataPrefix = env.DATA_PREFIX?.trim() ?? '';
  if (env.DATA_PREFIX === undefined) {
    problems.push('DATA_PREFIX must be set (empty for the bucket root), got null');
  } else if (dataPrefix.startsWith('/')) {
    problems.push(`DATA_PREFIX must not start with '/', got '${dataPrefix}'`);
  }
  if (dataPrefix !== '' && !dataPrefix.endsWith('/')) {
    dataPrefix = `${dataPrefix}/`;
  }

  const rawKeys = required('PARTITION_KEYS');
  const partitionKeys = rawKeys === '' ? [] : rawKeys.split(',').map((k) => k.trim());
  const badKeys = partitionKeys.filter((k) => k === '' || k.includes('/') || k.includes('='));
  if (badKeys.length > 0) {
    problems.push(`PARTITION_KEYS must be comma-separated names without '/' or '=', got '${rawKeys}'`);
  }
  const duplicates = partitionKeys.filter((k, i) => partitionKeys.indexOf(k) !== i);
  if (duplicates.length > 0) {
    problems.push(`PARTITION_KEYS must not repeat a key, got '${rawKeys}' (repeated: ${[...new Set(duplicates)].join(', ')})`);
  }

  if (problems.length > 0) {
    throw new Error(`partition registrar configuration is invalid: ${problems.map((p) => `\n  - ${p}`).join('')}`);
  }

  const catalogId = env.CATALOG_ID?.trim();
  return {
    databaseName,
    tableName,
    bucketName,
    dataPrefix,
    partitionKeys,
    ...(catalogId ? { catalogId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Keys and locations
// ---------------------------------------------------------------------------------------------

/**
 * The partition values an object key belongs to, or `undefined` when the key is not a data
 * file of the layout.
 *
 * A match is the data prefix, then exactly the layout's keys in order as `key=value/`, then a
 * non-empty file name without `/`: `events/year=2026/month=11/day=27/hour=05/f.parquet` gives
 * `['2026', '11', '27', '05']`. Values are non-empty and contain neither `/` nor `=`. Folder
 * keys (ending in `/`) and Hadoop `_$folder$` markers are not data files.
 */
export function parsePartition(config: RegistrarConfig, key: string): string[] | undefined {
  if (!key.startsWith(config.dataPrefix)) {
    return undefined;
  }
  const segments = key.slice(config.dataPrefix.length).split('/');
  if (segments.length !== config.partitionKeys.length + 1) {
    return undefined;
  }
  const fileName = segments[segments.length - 1];
  if (fileName === '' || fileName.endsWith(FOLDER_MARKER_SUFFIX)) {
    return undefined;
  }
  const values: string[] = [];
  for (const [i, name] of config.partitionKeys.entries()) {
    const segment = segments[i];
    if (!segment.startsWith(`${name}=`)) {
      return undefined;
    }
    const value = segment.slice(name.length + 1);
    if (value === '' || value.includes('=')) {
      return undefined;
    }
    values.push(value);
  }
  return values;
}

/** The S3 location of a partition: `s3://<bucket>/<dataPrefix>year=2026/month=11/…/`. */
export function partitionLocation(config: RegistrarConfig, values: string[]): string {
  const path = config.partitionKeys.map((name, i) => `${name}=${values[i]}/`).join('');
  return `s3://${config.bucketName}/${config.dataPrefix}${path}`;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * The objects named by an event.
 *
 * Accepts an EventBridge `Object Created` event from S3 (its key is taken as given, with the
 * URL-decoded reading as an alternative: S3 documents no encoding for it, and AWS's Powertools
 * decodes it, so both are accepted), an S3 event notification (keys are URL-encoded, `+` is a
 * space: decoded), and an SQS event whose bodies
 * are either of those. S3 test events (`s3:TestEvent`) and S3 records of other event types
 * (e.g. `ObjectRemoved:*`) name no new object and give nothing. Any other shape throws, so
 * the event goes to Lambda's retries and then its failure destination.
 */
export function objectKeysFromEvent(event: RegistrarEvent): S3ObjectRef[] {
  if (isRecord(event) && Array.isArray(event.Records) && event.Records.every((r) => isRecord(r) && r.eventSource === 'aws:sqs')) {
    return (event as SQSEvent).Records.flatMap((record) => {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        throw new Error(`SQS message ${record.messageId} has a body that is not JSON: ${truncate(record.body)}`);
      }
      return objectsFromMessage(body, `SQS message ${record.messageId}`);
    });
  }
  return objectsFromMessage(event, 'event');
}

/** An S3 event notification, an S3 test event, or an EventBridge event from S3. */
function objectsFromMessage(message: unknown, what: string): S3ObjectRef[] {
  if (!isRecord(message)) {
    throw unsupported(message, what);
  }
  // S3 sends a test event when a notification configuration is saved; it has no Records.
  if (message.Event === 's3:TestEvent') {
    return [];
  }
  if (Array.isArray(message.Records) && message.Records.every((r) => isRecord(r) && r.eventSource === 'aws:s3')) {
    return (message.Records as S3EventRecord[])
      .filter((r) => typeof r.eventName === 'string' && r.eventName.startsWith('ObjectCreated:'))
      .map((r) => ({ bucket: r.s3.bucket.name, key: decodeS3NotificationKey(r.s3.object.key) }));
  }
  if (message.source === 'aws.s3' && isRecord(message.detail)) {
    const e = message as unknown as EventBridgeEvent<string, Partial<S3ObjectCreatedNotificationEvent['detail']>>;
    if (e['detail-type'] !== 'Object Created') {
      return [];
    }
    const bucket = e.detail.bucket?.name;
    const key = e.detail.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') {
      throw new Error(`${what} is an EventBridge 'Object Created' event without detail.bucket.name or detail.object.key: ${truncate(JSON.stringify(message))}`);
    }
    const decoded = tryDecodeKey(key);
    return [decoded !== undefined && decoded !== key ? { bucket, key, alternativeKeys: [decoded] } : { bucket, key }];
  }
  throw unsupported(message, what);
}

/** `key` URL-decoded (`+` a space), or `undefined` when it is not validly URL-encoded. */
function tryDecodeKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** S3 event notifications URL-encode the key and write a space as `+`. */
function decodeS3NotificationKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new Error(`object key '${key}' of an S3 event notification is not validly URL-encoded`);
  }
}

function unsupported(message: unknown, what: string): Error {
  return new Error(
    `${what} is not an S3 event notification, an EventBridge 'Object Created' event from S3 or an SQS batch of those, got ${truncate(JSON.stringify(message) ?? String(message))}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

interface TableShape {
  /** The table's storage descriptor without its location, shared by every partition. */
  readonly storageDescriptor: StorageDescriptor;
}

/** Tables read by `GetTable`, kept for the life of the execution environment. */
const tableCache = new Map<string, TableShape>();

/** Forgets every table read so far, as a cold start does. */
export function resetTableCache(): void {
  tableCache.clear();
}

/**
 * Registers the partitions of the given objects, idempotently, and publishes what it did as
 * metrics (see `registrar-metrics.ts`).
 *
 * Objects of another bucket, outside the table's data prefix, folder keys and folder markers are
 * not data of the table: skipped and listed in `ignored`. Each other object's key (or, failing
 * that, an alternative reading of it) must parse against the layout; partitions are deduplicated,
 * given the table's storage descriptor (read once per execution environment) with their own
 * location, and created with `BatchCreatePartition` in batches of at most 100. Entries that
 * already exist count as `alreadyExisted`. Any other entry error or failed call is thrown after
 * every batch was tried, naming each failed partition and its Glue error; a key under the data
 * prefix that parses in no reading is thrown as {@link UnparsableObjectsError} after the others
 * are registered. Either way Lambda retries the event and then hands it to its failure
 * destination. Throttling is retried by the SDK client's retry strategy.
 */
export async function registerPartitions(
  glue: GlueClient,
  config: RegistrarConfig,
  objects: S3ObjectRef[],
  log: LogLine = console.log,
  emitMetrics: LogLine = writeMetricsLine,
): Promise<RegistrationResult> {
  const table = `${config.databaseName}.${config.tableName}`;
  const ignored: string[] = [];
  const unparsable: string[] = [];
  const partitions = new Map<string, string[]>();
  const counts = { registered: 0, alreadyExisted: 0, failed: 0 };

  try {
    for (const object of objects) {
      const uri = `s3://${object.bucket}/${object.key}`;
      const outcome = classify(config, object);
      if (outcome.kind === 'partition') {
        partitions.set(JSON.stringify(outcome.values), outcome.values);
      } else if (outcome.kind === 'ignored') {
        ignored.push(uri);
        writeLog(log, 'WARN', 'object ignored', { table, object: uri, reason: outcome.reason });
      } else {
        unparsable.push(uri);
        writeLog(log, 'ERROR', 'object key does not parse', { table, object: uri, layout: layoutPattern(config) });
      }
    }

    if (partitions.size > 0) {
      await createPartitions(glue, config, [...partitions.values()], counts, log);
      writeLog(log, 'INFO', 'partitions registered', { table, registered: counts.registered, alreadyExisted: counts.alreadyExisted, ignored: ignored.length });
    } else if (unparsable.length === 0) {
      writeLog(log, 'INFO', 'no partitions to register', { table, objects: objects.length, ignored: ignored.length });
    }

    const result: RegistrationResult = { registered: counts.registered, alreadyExisted: counts.alreadyExisted, ignored };
    if (unparsable.length > 0) {
      throw new UnparsableObjectsError(table, unparsable, result);
    }
    return result;
  } finally {
    emitMetrics(metricsLine(config, {
      [REGISTRAR_METRICS.partitionsRegistered]: counts.registered,
      [REGISTRAR_METRICS.unparsableObjects]: unparsable.length,
      [REGISTRAR_METRICS.registrationFailures]: counts.failed,
      [REGISTRAR_METRICS.ignoredObjects]: ignored.length,
    }));
  }
}

type Outcome = { kind: 'partition'; values: string[] } | { kind: 'ignored'; reason: string } | { kind: 'unparsable' };

/** What an object is to the table: a partition's data, not the table's data, or a key that should parse and does not. */
function classify(config: RegistrarConfig, object: S3ObjectRef): Outcome {
  if (object.bucket !== config.bucketName) {
    return { kind: 'ignored', reason: `another bucket than ${config.bucketName}` };
  }
  const readings = [object.key, ...(object.alternativeKeys ?? [])];
  for (const key of readings) {
    const values = parsePartition(config, key);
    if (values !== undefined) {
      return { kind: 'partition', values };
    }
  }
  const underPrefix = readings.filter((key) => isUnderDataPrefix(config, key));
  if (underPrefix.length === 0) {
    return { kind: 'ignored', reason: `outside the table's data prefix '${config.dataPrefix}'` };
  }
  if (underPrefix.every((key) => key.endsWith('/') || key.endsWith(FOLDER_MARKER_SUFFIX))) {
    return { kind: 'ignored', reason: 'a folder key or folder marker, not a data file' };
  }
  return { kind: 'unparsable' };
}

/**
 * Whether a key is where the table's data lives. With the table at the bucket root (empty data
 * prefix) only keys that start with the first partition key (`year=`) are: raw backups and error
 * output live under prefixes of their own.
 */
function isUnderDataPrefix(config: RegistrarConfig, key: string): boolean {
  if (config.dataPrefix !== '') {
    return key.startsWith(config.dataPrefix) && key.length > config.dataPrefix.length;
  }
  return config.partitionKeys.length > 0 && key.startsWith(`${config.partitionKeys[0]}=`);
}

function layoutPattern(config: RegistrarConfig): string {
  return `${config.dataPrefix}${config.partitionKeys.map((k) => `${k}=…/`).join('')}<file>`;
}

/** Creates the partitions in batches, counting into `counts`; throws after every batch was tried if any failed. */
async function createPartitions(
  glue: GlueClient,
  config: RegistrarConfig,
  values: string[][],
  counts: { registered: number; alreadyExisted: number; failed: number },
  log: LogLine,
): Promise<void> {
  const table = `${config.databaseName}.${config.tableName}`;
  let storageDescriptor: StorageDescriptor;
  try {
    ({ storageDescriptor } = await readTable(glue, config));
  } catch (err) {
    counts.failed += values.length;
    throw err;
  }
  const inputs: PartitionInput[] = values.map((v) => ({
    Values: v,
    StorageDescriptor: { ...storageDescriptor, Location: partitionLocation(config, v) },
  }));

  const failures: PartitionFailure[] = [];
  for (let start = 0; start < inputs.length; start += MAX_PARTITIONS_PER_BATCH) {
    const batch = inputs.slice(start, start + MAX_PARTITIONS_PER_BATCH);
    let errors;
    try {
      const response = await glue.send(new BatchCreatePartitionCommand({
        ...(config.catalogId !== undefined ? { CatalogId: config.catalogId } : {}),
        DatabaseName: config.databaseName,
        TableName: config.tableName,
        PartitionInputList: batch,
      }));
      errors = response.Errors ?? [];
    } catch (err) {
      const { code, message } = describeError(err);
      failures.push(...batch.map((p) => ({ values: p.Values ?? [], code, message })));
      continue;
    }
    for (const error of errors) {
      const code = error.ErrorDetail?.ErrorCode ?? 'UnknownError';
      if (code === ALREADY_EXISTS) {
        counts.alreadyExisted += 1;
      } else {
        failures.push({ values: error.PartitionValues ?? [], code, message: error.ErrorDetail?.ErrorMessage ?? '' });
      }
    }
    counts.registered += batch.length - errors.length;
  }
  counts.failed += failures.length;

  if (failures.length > 0) {
    writeLog(log, 'ERROR', 'partition registration failed', { table, registered: counts.registered, alreadyExisted: counts.alreadyExisted, failures });
    const listed = failures.slice(0, MAX_FAILURES_IN_MESSAGE).map((f) => `\n  - [${f.values.join(', ')}] ${f.code}: ${f.message}`).join('');
    const more = failures.length > MAX_FAILURES_IN_MESSAGE ? `\n  … and ${failures.length - MAX_FAILURES_IN_MESSAGE} more` : '';
    throw new Error(`failed to register ${failures.length} of ${inputs.length} partition(s) of ${table}:${listed}${more}`);
  }
}

/**
 * One CloudWatch embedded-metric-format line: the counts as metrics of the namespace, with the
 * table's database and name as dimensions.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function metricsLine(config: RegistrarConfig, counts: Record<string, number>, now: number = Date.now()): string {
  const [database, table] = REGISTRAR_DIMENSIONS;
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [{
        Namespace: REGISTRAR_NAMESPACE,
        Dimensions: [[...REGISTRAR_DIMENSIONS]],
        Metrics: Object.keys(counts).map((Name) => ({ Name, Unit: 'Count' })),
      }],
    },
    [database]: config.databaseName,
    [table]: config.tableName,
    ...counts,
  });
}

/**
 * Writes a metrics line to stdout as it is: Lambda's `console.log` prefixes each line with a
 * timestamp, request ID and level, and CloudWatch only extracts metrics from a line that is
 * the JSON object alone.
 */
function writeMetricsLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface PartitionFailure {
  readonly values: string[];
  readonly code: string;
  readonly message: string;
}

/** Reads the table once per execution environment; a failed read is not cached. */
async function readTable(glue: GlueClient, config: RegistrarConfig): Promise<TableShape> {
  const cacheKey = JSON.stringify([config.catalogId ?? null, config.databaseName, config.tableName]);
  const cached = tableCache.get(cacheKey);
  if (cached) {
    return cached;
  }

  const table = `${config.databaseName}.${config.tableName}`;
  let response;
  try {
    response = await glue.send(new GetTableCommand({
      ...(config.catalogId !== undefined ? { CatalogId: config.catalogId } : {}),
      DatabaseName: config.databaseName,
      Name: config.tableName,
    }));
  } catch (err) {
    const { code, message } = describeError(err);
    throw new Error(`cannot read table ${table} to register its partitions: ${code}: ${message}`, { cause: err });
  }

  const descriptor = response.Table?.StorageDescriptor;
  if (descriptor === undefined) {
    throw new Error(`table ${table} has no storage descriptor, so its partitions cannot inherit one; define the table with columns, SerDe and formats`);
  }
  // Glue stores column names in lower case, so the comparison ignores case.
  const tableKeys = (response.Table?.PartitionKeys ?? []).map((c) => c.Name ?? '');
  if (tableKeys.join('/').toLowerCase() !== config.partitionKeys.join('/').toLowerCase()) {
    throw new Error(
      `table ${table} has partition keys [${tableKeys.join(', ')}] but the registrar parses [${config.partitionKeys.join(', ')}]; make the layout and the table agree`,
    );
  }

  // Each partition gets its own Location; the table's extra locations are not the partition's.
  const { Location: _location, AdditionalLocations: _additional, ...shared } = descriptor;
  const shape: TableShape = { storageDescriptor: shared };
  tableCache.set(cacheKey, shape);
  return shape;
}

function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof Error) {
    return { code: err.name, message: err.message };
  }
  return { code: 'UnknownError', message: String(err) };
}

function writeLog(log: LogLine, level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown>): void {
  log(JSON.stringify({ level, message, ...fields }));
}
