import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Column, ColumnType, CrawledCatalog, IcebergOptions, PartitionLayout, PartitionedParquetLake, ServerlessDataLake, TableFormat, TableSchema } from '../../src';
import { newStack } from '../support/stack';

/**
 * The Iceberg schema and partition spec the library emits, checked by a real Iceberg
 * implementation: PyIceberg (requirements-dev.txt) creates each table from the synthesized
 * `IcebergTableInput` in a local SQL catalog, writes rows of every column type and reads them
 * back (test/iceberg/pyiceberg_check.py describes every check).
 *
 * The interpreter is `$PYICEBERG_PYTHON`; else the python of the venv `$MOTO_SERVER` is in (the
 * repository's venv, which runs outside the checkout, e.g. the peer-floor stage, name that way);
 * else `.venv/bin/python` of the repository.
 */
const PYTHON =
  process.env.PYICEBERG_PYTHON
  ?? (process.env.MOTO_SERVER ? path.join(path.dirname(process.env.MOTO_SERVER), 'python') : path.join(__dirname, '../../.venv/bin/python'));
const CHECK = path.join(__dirname, 'pyiceberg_check.py');

/** What the check script generates without explicit rows: five rows in each of three partitions. */
const GENERATED_PARTITIONS = 3;
const ROWS_PER_PARTITION = 5;

/** Every column type the library maps to Iceberg, each with a comment, and the Iceberg type it must become. */
const EVERY_TYPE: { column: Column; iceberg: string }[] = [
  { column: { name: 'event_id', type: ColumnType.STRING, comment: 'unique id of the event' }, iceberg: 'string' },
  { column: { name: 'sequence', type: ColumnType.BIGINT, comment: 'producer sequence number' }, iceberg: 'long' },
  { column: { name: 'quantity', type: ColumnType.INT, comment: 'items in the event' }, iceberg: 'int' },
  { column: { name: 'score', type: ColumnType.DOUBLE, comment: 'model score' }, iceberg: 'double' },
  { column: { name: 'ratio', type: ColumnType.FLOAT, comment: 'single precision ratio' }, iceberg: 'float' },
  { column: { name: 'is_test', type: ColumnType.BOOLEAN, comment: 'sent by a test client' }, iceberg: 'boolean' },
  { column: { name: 'event_date', type: ColumnType.DATE, comment: 'business date' }, iceberg: 'date' },
  { column: { name: 'event_time', type: ColumnType.TIMESTAMP, comment: 'when it happened (UTC)' }, iceberg: 'timestamp' },
  { column: { name: 'payload', type: ColumnType.BINARY, comment: 'raw bytes, ünïcödé comment' }, iceberg: 'binary' },
  { column: { name: 'price', type: ColumnType.decimal(10, 2), comment: 'unit price' }, iceberg: 'decimal(10,2)' },
  { column: { name: 'total', type: ColumnType.decimal(38, 10), comment: 'widest decimal' }, iceberg: 'decimal(38,10)' },
];

const EVENTS = new TableSchema([
  { name: 'event_id', type: ColumnType.STRING },
  { name: 'event_time', type: ColumnType.TIMESTAMP },
  { name: 'event_date', type: ColumnType.DATE },
  { name: 'amount', type: ColumnType.decimal(12, 2) },
  { name: 'note', type: ColumnType.STRING },
]);

interface Emitted {
  readonly stack: Stack;
  readonly tableName: string;
}

interface Case {
  readonly name: string;
  readonly emitted: Emitted;
  /** The rows to write, in the check script's JSON encoding; generated from the schema when left out. */
  readonly rows?: Record<string, unknown>[];
  readonly expectedRows: number;
  readonly expectedPartitions: number;
  /** The partition field the library must emit, as [source column, transform]. */
  readonly partition?: [string, string];
  readonly identifiers?: string[];
}

interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly rows_written: number;
  readonly rows_read: number;
  readonly partitions: number;
  readonly data_files: number;
  readonly errors: string[];
}

function catalogCase(schema: TableSchema, layout: PartitionLayout, iceberg: IcebergOptions): Emitted {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', { layout });
  new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'events', schema, tableFormat: TableFormat.iceberg(iceberg) });
  return { stack, tableName: 'events' };
}

function facadeCase(): Emitted {
  const stack = newStack();
  new ServerlessDataLake(stack, 'Orders', {
    tableName: 'orders',
    columns: [
      { name: 'order_id', type: ColumnType.STRING, comment: 'the order' },
      { name: 'amount', type: ColumnType.decimal(10, 2) },
      { name: 'ordered_at', type: ColumnType.TIMESTAMP },
      { name: 'customer', type: ColumnType.STRING },
    ],
    storage: { layout: PartitionLayout.daily() },
    catalog: { tableFormat: TableFormat.iceberg({ partitionColumn: 'ordered_at', uniqueKeys: ['order_id'] }) },
  });
  return { stack, tableName: 'orders' };
}

const CASES: Case[] = [
  {
    name: 'every type, daily on a TIMESTAMP',
    emitted: catalogCase(new TableSchema(EVERY_TYPE.map((t) => t.column)), PartitionLayout.daily(), { partitionColumn: 'event_time' }),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['event_time', 'day'],
  },
  {
    name: 'every type, unpartitioned',
    emitted: catalogCase(new TableSchema(EVERY_TYPE.map((t) => t.column)), PartitionLayout.hourly(), {}),
    expectedRows: ROWS_PER_PARTITION,
    expectedPartitions: 1,
  },
  {
    name: 'hourly on a TIMESTAMP',
    emitted: catalogCase(EVENTS, PartitionLayout.hourly(), { partitionColumn: 'event_time' }),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['event_time', 'hour'],
  },
  {
    name: 'daily on a DATE',
    emitted: catalogCase(EVENTS, PartitionLayout.daily(), { partitionColumn: 'event_date' }),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['event_date', 'day'],
  },
  {
    name: 'monthly on a TIMESTAMP',
    emitted: catalogCase(EVENTS, PartitionLayout.monthly(), { partitionColumn: 'event_time' }),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['event_time', 'month'],
  },
  {
    name: 'monthly on a DATE',
    emitted: catalogCase(EVENTS, PartitionLayout.monthly(), { partitionColumn: 'event_date' }),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['event_date', 'month'],
  },
  {
    name: 'one unique key, hourly',
    emitted: catalogCase(EVENTS, PartitionLayout.hourly(), { partitionColumn: 'event_time', uniqueKeys: ['event_id'] }),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['event_time', 'hour'],
    identifiers: ['event_id'],
  },
  {
    name: 'two unique keys of exact types other than STRING, unpartitioned',
    emitted: catalogCase(
      new TableSchema([
        { name: 'amount', type: ColumnType.decimal(12, 2) },
        { name: 'note', type: ColumnType.STRING },
        { name: 'account', type: ColumnType.INT },
        { name: 'booked_on', type: ColumnType.DATE },
      ]),
      PartitionLayout.daily(),
      { uniqueKeys: ['account', 'booked_on'] },
    ),
    expectedRows: ROWS_PER_PARTITION,
    expectedPartitions: 1,
    identifiers: ['account', 'booked_on'],
  },
  {
    // Rows as a producer would send them: keys beyond JavaScript's safe integers, two months.
    name: 'two unique keys, monthly, explicit rows',
    emitted: catalogCase(
      new TableSchema([
        { name: 'tenant', type: ColumnType.STRING },
        { name: 'seq', type: ColumnType.BIGINT },
        { name: 'event_time', type: ColumnType.TIMESTAMP },
        { name: 'amount', type: ColumnType.decimal(12, 2) },
        { name: 'payload', type: ColumnType.BINARY },
      ]),
      PartitionLayout.monthly(),
      { partitionColumn: 'event_time', uniqueKeys: ['tenant', 'seq'] },
    ),
    rows: [
      { tenant: 'acme', seq: '9007199254740993', event_time: '2024-01-31T23:59:59.999999', amount: '9999999999.99', payload: { hex: '00ff' } },
      { tenant: 'acme', seq: '-9223372036854775808', event_time: '2024-01-01T00:00:00', amount: '-0.01', payload: null },
      { tenant: 'zoë ✓', seq: 1, event_time: '2024-02-01T00:00:00.000001', amount: null, payload: { hex: '' } },
      { tenant: 'zoë ✓', seq: '9223372036854775807', event_time: '2024-02-29T12:00:00', amount: '0.00' },
    ],
    expectedRows: 4,
    expectedPartitions: 2,
    partition: ['event_time', 'month'],
    identifiers: ['tenant', 'seq'],
  },
  {
    name: 'ServerlessDataLake facade, daily with a unique key',
    emitted: facadeCase(),
    expectedRows: GENERATED_PARTITIONS * ROWS_PER_PARTITION,
    expectedPartitions: GENERATED_PARTITIONS,
    partition: ['ordered_at', 'day'],
    identifiers: ['order_id'],
  },
];

interface GlueTable {
  readonly DatabaseName: string;
  readonly Name: string;
  readonly OpenTableFormatInput: { IcebergInput: { MetadataOperation: string; Version: string; IcebergTableInput: Record<string, any> } };
}

function glueTable(emitted: Emitted): { table: GlueTable; resources: Record<string, any> } {
  const resources = Template.fromStack(emitted.stack).toJSON().Resources as Record<string, any>;
  const tables = Object.values(resources).filter((r) => r.Type === 'AWS::Glue::Table');
  expect(tables).toHaveLength(1);
  return { table: tables[0].Properties as GlueTable, resources };
}

/** A bucket's name in the resolved Location: a fixed name per bucket resource of the template. */
function bucketName(logicalId: string): string {
  return `lake-${logicalId.toLowerCase()}`;
}

/** The template's value with Ref to a bucket and Fn::Join resolved; anything else is unexpected here. */
function resolve(value: unknown, resources: Record<string, any>): unknown {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v.Ref !== undefined) {
    expect(resources[v.Ref]?.Type).toBe('AWS::S3::Bucket');
    return bucketName(v.Ref);
  }
  if (v['Fn::Join'] !== undefined) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolve(p, resources)).join(sep);
  }
  throw new Error(`unexpected CloudFormation value in the Iceberg table input: ${JSON.stringify(value)}`);
}

function idOf(input: Record<string, any>, column: string): number {
  const field = (input.Schema.Fields as { Id: number; Name: string }[]).find((f) => f.Name === column);
  expect(field, `field ${column}`).toBeDefined();
  return field!.Id;
}

const inputs = new Map<string, Record<string, any>>();
const results = new Map<string, CheckResult>();
let run: { status: number | null; stderr: string; stdout: string };
let dir: string;
/** Why the check could not run: every test fails with it (a missing venv fails, it does not skip). */
let setUpError: Error | undefined;

function runCheck(): void {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(
      `python not found at ${PYTHON}: create the repository's Python environment with `
      + '\'python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt\', or set PYICEBERG_PYTHON to a python with requirements-dev.txt installed',
    );
  }
  const cases = CASES.map((c) => {
    const { table, resources } = glueTable(c.emitted);
    const iceberg = table.OpenTableFormatInput.IcebergInput;
    const input = { ...iceberg.IcebergTableInput, Location: resolve(iceberg.IcebergTableInput.Location, resources) };
    inputs.set(c.name, input);
    return {
      name: c.name,
      formatVersion: iceberg.Version,
      database: table.DatabaseName,
      table: table.Name,
      icebergTableInput: input,
      ...(c.rows ? { rows: c.rows } : {}),
    };
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyiceberg-cases-'));
  const file = path.join(dir, 'cases.json');
  fs.writeFileSync(file, JSON.stringify(cases, undefined, 2));
  const spawned = spawnSync(PYTHON, [CHECK, file], { encoding: 'utf-8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  if (spawned.error) throw spawned.error;
  run = { status: spawned.status, stderr: spawned.stderr, stdout: spawned.stdout };
  for (const line of spawned.stdout.split('\n').filter((l) => l.trim() !== '')) {
    let result: CheckResult;
    try {
      result = JSON.parse(line);
    } catch {
      throw new Error(`the check printed a line that is not JSON: ${line}\nstderr:\n${spawned.stderr}`);
    }
    results.set(result.name, result);
  }
}

beforeAll(() => {
  try {
    runCheck();
  } catch (e) {
    setUpError = e as Error;
  }
}, 300_000);

function ran(): void {
  if (setUpError) throw setUpError;
}

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('PyIceberg creates, writes and reads every emitted Iceberg table', () => {
  test('the check ran every case and exited cleanly', () => {
    ran();
    expect([...results.keys()].sort()).toEqual(CASES.map((c) => c.name).sort());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    ran();
    const result = results.get(c.name);
    expect(result, `no result for ${c.name}: ${run.stderr}`).toBeDefined();
    expect(result!.errors).toEqual([]);
    expect(result!.ok).toBe(true);
    expect(result!.rows_written).toBe(c.expectedRows);
    expect(result!.rows_read).toBe(result!.rows_written);
    expect(result!.partitions).toBe(c.expectedPartitions);
    expect(result!.data_files).toBe(c.expectedPartitions);

    // What the check was given is what the library emits for the case.
    const input = inputs.get(c.name)!;
    expect(input.Location).toMatch(new RegExp(`^s3://lake-[a-z0-9]+/${c.emitted.tableName}$`));
    const fields = input.Schema.Fields as { Id: number; Name: string; Required: boolean }[];
    expect(fields.map((f) => f.Id)).toEqual(fields.map((_f, i) => i + 1));
    expect(fields.filter((f) => f.Required).map((f) => f.Name).sort()).toEqual([...(c.identifiers ?? [])].sort());
    if (c.identifiers) {
      expect(input.Schema.IdentifierFieldIds).toEqual(c.identifiers.map((k) => idOf(input, k)));
    } else {
      expect(input.Schema.IdentifierFieldIds).toBeUndefined();
    }
    if (c.partition) {
      const [column, transform] = c.partition;
      expect(input.PartitionSpec).toEqual({ SpecId: 0, Fields: [{ SourceId: idOf(input, column), FieldId: 1000, Name: `${column}_${transform}`, Transform: transform }] });
    } else {
      expect(input.PartitionSpec).toBeUndefined();
    }
  });

  test('every column type maps to its Iceberg type, with its comment as the doc', () => {
    ran();
    const input = inputs.get('every type, daily on a TIMESTAMP')!;
    expect(input.Schema).toEqual({
      Type: 'struct',
      SchemaId: 0,
      Fields: EVERY_TYPE.map((t, i) => ({ Id: i + 1, Name: t.column.name, Type: t.iceberg, Required: false, Doc: t.column.comment })),
    });
  });
});
