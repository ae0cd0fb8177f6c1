// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { BatchCreatePartitionCommand, GetTableCommand, GlueClient, PartitionInput, StorageDescriptor } from '@aws-sdk/client-glue';
import type { EventBridgeEvent, S3Event, S3EventRecord, S3ObjectCreatedNotificationEvent, SQSEvent } from 'aws-lambda';

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
  /** The object key, URL-decoded. */
  readonly key: string;
}

/** What one call of {@link registerPartitions} did. */
export interface RegistrationResult {
  /** Partitions created by this call. */
  readonly registered: number;
  /** Partitions that were already in the catalog (Glue `AlreadyExistsException`). */
  readonly alreadyExisted: number;
  /** `s3://bucket/key` of every object that names no partition of the table. */
  readonly ignored: string[];
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
 * The objects named by an event, with keys URL-decoded.
 *
 * Accepts an EventBridge `Object Created` event from S3 (keys are not URL-encoded), an S3
 * event notification (keys are URL-encoded, `+` is a space), and an SQS event whose bodies
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
    return [{ bucket, key }];
  }
  throw unsupported(message, what);
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
 * Registers the partitions of the given objects, idempotently.
 *
 * Objects of another bucket or outside the layout are skipped and listed in `ignored`.
 * Partitions are deduplicated, given the table's storage descriptor (read once per execution
 * environment) with their own location, and created with `BatchCreatePartition` in batches of
 * at most 100. Entries that already exist count as `alreadyExisted`. Any other entry error or
 * failed call is thrown after every batch was tried, naming each failed partition and its
 * Glue error, so Lambda retries the event and then hands it to its failure destination.
 * Throttling is retried by the SDK client's retry strategy.
 */
export async function registerPartitions(
  glue: GlueClient,
  config: RegistrarConfig,
  objects: S3ObjectRef[],
  log: LogLine = console.log,
): Promise<RegistrationResult> {
  const table = `${config.databaseName}.${config.tableName}`;
  const ignored: string[] = [];
  const partitions = new Map<string, string[]>();

  for (const object of objects) {
    const uri = `s3://${object.bucket}/${object.key}`;
    const values = object.bucket === config.bucketName ? parsePartition(config, object.key) : undefined;
    if (values === undefined) {
      ignored.push(uri);
      const reason = object.bucket === config.bucketName
        ? `outside the partition layout ${config.dataPrefix}${config.partitionKeys.map((k) => `${k}=…/`).join('')}<file>`
        : `another bucket than ${config.bucketName}`;
      writeLog(log, 'WARN', 'object ignored', { table, object: uri, reason });
      continue;
    }
    partitions.set(JSON.stringify(values), values);
  }

  if (partitions.size === 0) {
    writeLog(log, 'INFO', 'no partitions to register', { table, objects: objects.length, ignored: ignored.length });
    return { registered: 0, alreadyExisted: 0, ignored };
  }

  const { storageDescriptor } = await readTable(glue, config);
  const inputs: PartitionInput[] = [...partitions.values()].map((values) => ({
    Values: values,
    StorageDescriptor: { ...storageDescriptor, Location: partitionLocation(config, values) },
  }));

  let registered = 0;
  let alreadyExisted = 0;
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
    let existed = 0;
    for (const error of errors) {
      const code = error.ErrorDetail?.ErrorCode ?? 'UnknownError';
      if (code === ALREADY_EXISTS) {
        existed += 1;
      } else {
        failures.push({ values: error.PartitionValues ?? [], code, message: error.ErrorDetail?.ErrorMessage ?? '' });
      }
    }
    alreadyExisted += existed;
    registered += batch.length - errors.length;
  }

  if (failures.length > 0) {
    writeLog(log, 'ERROR', 'partition registration failed', { table, registered, alreadyExisted, failures });
    const listed = failures.slice(0, MAX_FAILURES_IN_MESSAGE).map((f) => `\n  - [${f.values.join(', ')}] ${f.code}: ${f.message}`).join('');
    const more = failures.length > MAX_FAILURES_IN_MESSAGE ? `\n  … and ${failures.length - MAX_FAILURES_IN_MESSAGE} more` : '';
    throw new Error(`failed to register ${failures.length} of ${inputs.length} partition(s) of ${table}:${listed}${more}`);
  }

  writeLog(log, 'INFO', 'partitions registered', { table, registered, alreadyExisted, ignored: ignored.length });
  return { registered, alreadyExisted, ignored };
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
