import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AthenaQuery, AthenaQueryLayer, ColumnType, CrawledCatalog, PartitionedParquetLake, PartitionLayout, TableSchema } from '../../src';
import { newStack } from '../support/stack';

// The saved queries, executed by a real engine (DuckDB) over Parquet files laid out as Firehose
// writes them: `<table>/year=yyyy/month=MM/day=dd/hour=HH/`, columns of the schema's types.
// The one rewrite: the Glue table reference becomes DuckDB's reader of those folders (partition
// values as strings, as Glue declares them), and, to test fixed instants (across a year boundary
// too), `current_timestamp` becomes a TIMESTAMPTZ literal.

const SCHEMA = new TableSchema([
  { name: 'event_id', type: ColumnType.STRING },
  { name: 'user_id', type: ColumnType.BIGINT },
  { name: 'amount', type: ColumnType.decimal(10, 2) },
  { name: 'event_time', type: ColumnType.TIMESTAMP },
  { name: 'select', type: ColumnType.BOOLEAN }, // a reserved word: every identifier must be quoted
]);

interface Partition {
  readonly at: Date; // the instant whose period the partition holds
  readonly rows: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

function partitionPath(layout: PartitionLayout, at: Date): string {
  const values = [String(at.getUTCFullYear()), pad(at.getUTCMonth() + 1), pad(at.getUTCDate()), pad(at.getUTCHours())];
  return layout.partitionKeys.map((k, i) => `${k}=${values[i]}`).join('/');
}

function queriesFor(layout: PartitionLayout, schema?: TableSchema): { queries: AthenaQuery[]; template: Template; database: string } {
  const stack = newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', { layout });
  const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout, tableName: 'clicks', schema });
  const layer = new AthenaQueryLayer(stack, 'Queries', { tables: [catalog] });
  return { queries: layer.savedQueries, template: Template.fromStack(stack), database: catalog.databaseName };
}

let dir: string;
let db: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'athena-queries-'));
  db = await DuckDBInstance.create(':memory:');
  connection = await db.connect();
  await connection.run("SET TimeZone = 'UTC'");
});

afterAll(() => {
  connection?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes one Parquet file per partition, `rows` rows each, event ids `<partition path>#<n>`. */
async function writeTable(root: string, layout: PartitionLayout, partitions: Partition[]): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  for (const p of partitions) {
    const folder = join(root, partitionPath(layout, p.at));
    mkdirSync(folder, { recursive: true });
    const id = partitionPath(layout, p.at);
    await connection.run(
      `COPY (SELECT '${id}#' || i AS event_id, CAST(i AS BIGINT) AS user_id, CAST(i * 1.5 AS DECIMAL(10,2)) AS amount,
              TIMESTAMP '${p.at.toISOString().slice(0, 19).replace('T', ' ')}' AS event_time, (i % 2 = 0) AS "select"
            FROM range(${p.rows}) t(i))
       TO '${join(folder, 'part-0000.parquet')}' (FORMAT parquet, COMPRESSION snappy)`,
    );
  }
}

/** The query as DuckDB runs it over `root`, at the instant `now`. */
function forDuckDb(sql: string, database: string, root: string, now: Date): string {
  const table = `"${database}"."clicks"`;
  expect(sql).toContain(table);
  const reader = `read_parquet('${root}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`;
  return sql.split(table).join(reader).split('current_timestamp').join(`TIMESTAMPTZ '${now.toISOString()}'`);
}

async function rows(sql: string, parameters: string[] = []): Promise<Array<Record<string, unknown>>> {
  const prepared = await connection.prepare(sql);
  parameters.forEach((p, i) => prepared.bindVarchar(i + 1, p));
  const result = await prepared.runAndReadAll();
  return result.getRowObjectsJS() as Array<Record<string, unknown>>;
}

const hour = 3600_000;
const day = 24 * hour;

describe.each([
  ['hourly', PartitionLayout.hourly(), hour],
  ['daily', PartitionLayout.daily(), day],
  ['monthly', PartitionLayout.monthly(), 31 * day],
])('%s layout', (_name, layout, period) => {
  const { queries, template, database } = queriesFor(layout, SCHEMA);
  const latest = queries.find((q) => q.name === 'clicks (latest partition)')!;
  const starter = queries.find((q) => q.name === 'clicks (starter query)')!;
  const counts = queries.find((q) => q.name === 'clicks_rows_per_partition')!;

  test('the queries DuckDB runs are the ones the template saves', () => {
    const saved = [
      ...Object.values(template.findResources('AWS::Athena::NamedQuery')).map((r) => r.Properties.QueryString),
      ...Object.values(template.findResources('AWS::Athena::PreparedStatement')).map((r) => r.Properties.QueryStatement),
    ];
    expect(saved.sort()).toEqual([latest.sql, starter.sql, counts.sql].sort());
  });

  // Instants in the middle of a period, and just after a year began (the previous period is in
  // the previous year).
  test.each([
    ['mid-period', new Date('2026-12-03T14:20:00Z')],
    ['new year', new Date('2027-01-01T00:05:00Z')],
  ])('latest partition at %s: the current period\'s rows only, or the previous period\'s while the current one is empty', async (_when, now) => {
    const root = join(dir, `latest-${layout.granularity.name}`);
    const current = now;
    const previous = new Date(now.getTime() - (layout.granularity.name === 'MONTHLY' ? 20 * day : period));
    const older = new Date(now.getTime() - 3 * period);
    await writeTable(root, layout, [
      { at: older, rows: 5 },
      { at: previous, rows: 4 },
      { at: current, rows: 3 },
    ]);
    const got = await rows(forDuckDb(latest.sql, database, root, now));
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => String(r.event_id).split('#')[0]))).toEqual(new Set([partitionPath(layout, current)]));
    expect(Object.keys(got[0])).toEqual(['event_id', 'user_id', 'amount', 'event_time', 'select', ...layout.partitionKeys]);

    await writeTable(root, layout, [
      { at: older, rows: 5 },
      { at: previous, rows: 4 },
    ]);
    const buffering = await rows(forDuckDb(latest.sql, database, root, now));
    expect(buffering).toHaveLength(4);
    expect(new Set(buffering.map((r) => String(r.event_id).split('#')[0]))).toEqual(new Set([partitionPath(layout, previous)]));
  });

  test('starter query: every column of the window, partition keys last, nothing older', async () => {
    const now = new Date('2027-01-01T00:05:00Z');
    const root = join(dir, `starter-${layout.granularity.name}`);
    const inWindow = new Date(now.getTime() - 2 * period);
    const outside = new Date(now.getTime() - (layout.granularity.name === 'MONTHLY' ? 400 * day : layout.granularity.name === 'DAILY' ? 9 * day : 30 * hour));
    await writeTable(root, layout, [
      { at: outside, rows: 2 },
      { at: inWindow, rows: 2 },
      { at: now, rows: 1 },
    ]);
    const got = await rows(forDuckDb(starter.sql, database, root, now));
    expect(got.map((r) => String(r.event_id).split('#')[0])).toEqual([partitionPath(layout, inWindow), partitionPath(layout, inWindow), partitionPath(layout, now)]);
    expect(Object.keys(got[0])).toEqual(['event_id', 'user_id', 'amount', 'event_time', 'select', ...layout.partitionKeys]);
  });

  test('rows per partition: counts for the periods from the first to the last given, both included', async () => {
    const root = join(dir, `counts-${layout.granularity.name}`);
    const base = new Date('2026-11-28T10:30:00Z');
    const at = [0, 1, 2, 3].map((i) => new Date(base.getTime() + i * (layout.granularity.name === 'MONTHLY' ? 31 * day : period)));
    await writeTable(root, layout, at.map((a, i) => ({ at: a, rows: i + 1 })));
    const key = (d: Date) => partitionPath(layout, d).split('/').map((kv) => kv.split('=')[1]).join('');
    const [from, to] = [key(at[1]), key(at[2])];
    const got = await rows(forDuckDb(counts.sql, database, root, base), [from, to, from, to]);
    expect(got.map((r) => ({ partition: layout.partitionKeys.map((k) => r[k]).join(''), rows: Number(r.row_count) }))).toEqual([
      { partition: from, rows: 2 },
      { partition: to, rows: 3 },
    ]);
  });
});

test('schema-on-read: the starter query selects what the crawler found', async () => {
  const layout = PartitionLayout.hourly();
  const { queries, database } = queriesFor(layout);
  const starter = queries.find((q) => q.name === 'clicks (starter query)')!;
  const now = new Date('2026-12-03T14:20:00Z');
  const root = join(dir, 'schema-on-read');
  await writeTable(root, layout, [{ at: now, rows: 2 }]);
  const got = await rows(forDuckDb(starter.sql, database, root, now));
  expect(got).toHaveLength(2);
  // SELECT *: Athena lists the partition keys after the columns; DuckDB orders its Hive columns its own way.
  expect(new Set(Object.keys(got[0]))).toEqual(new Set(['event_id', 'user_id', 'amount', 'event_time', 'select', ...layout.partitionKeys]));
});
