import { AthenaQuery } from './athena-query';
import { PartitionGranularity, PartitionLayout } from '../layout/partition-layout';
import { TableSchema } from '../schema/table-schema';

/** A SQL identifier, always double-quoted (Athena DML quoting), with embedded quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const PERIOD_UNIT: Record<string, string> = { HOURLY: 'HOUR', DAILY: 'DAY', MONTHLY: 'MONTH' };
const PERIOD_WORD: Record<string, string> = { HOURLY: 'hour', DAILY: 'day', MONTHLY: 'month' };
/** How far back the starter query looks, per granularity: a day of hours, a week of days, a year of months. */
const TEMPLATE_WINDOW: Record<string, { amount: number; unit: string; words: string }> = {
  HOURLY: { amount: 24, unit: 'HOUR', words: 'last 24 hours' },
  DAILY: { amount: 7, unit: 'DAY', words: 'last 7 days' },
  MONTHLY: { amount: 12, unit: 'MONTH', words: 'last 12 months' },
};
// year(), month(), day() and hour() of a timestamp, in the order of the layout's keys.
const KEY_FUNCTIONS = ['year', 'month', 'day', 'hour'];

/**
 * The value a partition key has for the period containing `instant` (a SQL timestamp
 * expression), formatted as Firehose writes it: `yyyy`, then zero-padded `MM`, `dd`, `HH`.
 */
function keyValueAt(depth: number, instant: string): string {
  const part = `CAST(${KEY_FUNCTIONS[depth]}(${instant}) AS varchar)`;
  return depth === 0 ? part : `lpad(${part}, 2, '0')`;
}

/** `"year" = ... AND "month" = ...`: the partition of the period containing `instant`. */
function partitionAt(layout: PartitionLayout, instant: string): string {
  return layout.partitionKeys.map((key, depth) => `${quoteIdentifier(key)} = ${keyValueAt(depth, instant)}`).join(' AND ');
}

/** `concat("year", "month", ...)`: the partition's sortable key, e.g. `2026120314`. */
function partitionSortKey(layout: PartitionLayout): string {
  const keys = layout.partitionKeys.map(quoteIdentifier);
  return keys.length === 1 ? keys[0] : `concat(${keys.join(', ')})`;
}

/** `concat(<year at instant>, <month at instant>, ...)`. */
function sortKeyAt(layout: PartitionLayout, instant: string): string {
  const values = layout.partitionKeys.map((_k, depth) => keyValueAt(depth, instant));
  return values.length === 1 ? values[0] : `concat(${values.join(', ')})`;
}

/** The maximum length of a named query's name (CloudFormation `AWS::Athena::NamedQuery.Name`). */
const NAMED_QUERY_NAME_MAX = 128;
/** The maximum length of a prepared statement's name (`AWS::Athena::PreparedStatement.StatementName`). */
export const STATEMENT_NAME_MAX = 256;

function namedQueryName(tableName: string, what: string): string {
  const suffix = ` (${what})`;
  return `${tableName.slice(0, NAMED_QUERY_NAME_MAX - suffix.length)}${suffix}`;
}

/** The name of a table's prepared statement: `<table>_<what>`. */
export function statementName(tableName: string, what: string): string {
  return `${tableName}_${what}`;
}

/**
 * The statements the query layer saves for one table. Every statement filters on the layout's
 * partition keys with values Athena knows when it plans the query (constants, the query's own
 * `current_timestamp`, or `EXECUTE` parameters), so it reads only the partitions it names, with
 * partition projection as with registered partitions.
 *
 * Times are the query's `current_timestamp`: in UTC in Athena, the time zone Firehose partitions
 * by unless its delivery stream sets another.
 */
export function tableQueries(databaseName: string, tableName: string, layout: PartitionLayout, schema?: TableSchema): AthenaQuery[] {
  const table = `${quoteIdentifier(databaseName)}.${quoteIdentifier(tableName)}`;
  const granularity = layout.granularity.name;
  const unit = PERIOD_UNIT[granularity];
  const period = PERIOD_WORD[granularity];
  const now = 'current_timestamp';
  const previous = `current_timestamp - INTERVAL '1' ${unit}`;
  const keys = layout.partitionKeys.map(quoteIdentifier);
  const sortKey = partitionSortKey(layout);
  const year = quoteIdentifier(layout.partitionKeys[0]);
  // With a schema, its columns then the partition keys; schema-on-read, whatever the crawler found.
  const selectList = schema ? [...schema.columns.map((c) => quoteIdentifier(c.name)), ...keys] : ['*'];
  const selectColumns = selectList.map((c) => `  ${c}`).join(',\n');

  const latest: AthenaQuery = {
    name: namedQueryName(tableName, 'latest partition'),
    description: `The newest rows of ${tableName}: up to 100 rows of the latest ${period}'s partition that has data, the current ${period} or the one before it (UTC)`,
    sql: [
      `-- Up to 100 rows of the latest ${period}'s partition of ${tableName} that has data: the current ${period}, or the`,
      '-- previous one while Firehose is still buffering the current one. Reads those two partitions only.',
      'WITH recent AS (',
      '  SELECT *',
      `  FROM ${table}`,
      `  WHERE (${partitionAt(layout, now)})`,
      `     OR (${partitionAt(layout, previous)})`,
      ')',
      'SELECT',
      selectColumns,
      'FROM recent',
      `WHERE ${sortKey} = (SELECT max(${sortKey}) FROM recent)`,
      'LIMIT 100',
    ].join('\n'),
  };

  const window = TEMPLATE_WINDOW[granularity];
  const since = `current_timestamp - INTERVAL '${window.amount}' ${window.unit}`;
  const template: AthenaQuery = {
    name: namedQueryName(tableName, 'starter query'),
    description: `A starting point for queries on ${tableName}: every column of the ${window.words}; change the columns and conditions, keep the partition filter`,
    sql: [
      `-- Every column of ${tableName} in the ${window.words} (UTC). Change the columns and add conditions; keep the`,
      `-- filter on ${layout.partitionKeys.join(', ')}: it is what lets Athena read only these partitions.`,
      'SELECT',
      selectColumns,
      `FROM ${table}`,
      `WHERE ${year} >= ${keyValueAt(0, since)}`,
      `  AND ${sortKey} >= ${sortKeyAt(layout, since)}`,
      `ORDER BY ${keys.join(', ')}`,
      'LIMIT 1000',
    ].join('\n'),
  };

  const digits = layout.granularity === PartitionGranularity.HOURLY ? 'yyyyMMddHH' : layout.granularity === PartitionGranularity.DAILY ? 'yyyyMMdd' : 'yyyyMM';
  const example = { HOURLY: ['2026120100', '2026120323'], DAILY: ['20261201', '20261231'], MONTHLY: ['202601', '202612'] }[granularity]!;
  const counts: AthenaQuery = {
    name: statementName(tableName, 'rows_per_partition'),
    description:
      `Rows per partition of ${tableName} from one ${period} to another, both included, each given as ${digits}: ` +
      `EXECUTE ${statementName(tableName, 'rows_per_partition')} USING ${[...example, ...example].map(literal).join(', ')}`,
    parameters: [`first ${period} (${digits})`, `last ${period} (${digits})`, `first ${period} again`, `last ${period} again`],
    sql: [
      `SELECT ${keys.join(', ')}, count(*) AS "row_count"`,
      `FROM ${table}`,
      `WHERE ${year} BETWEEN substr(?, 1, 4) AND substr(?, 1, 4)`,
      `  AND ${sortKey} BETWEEN ? AND ?`,
      `GROUP BY ${keys.join(', ')}`,
      `ORDER BY ${keys.join(', ')}`,
    ].join('\n'),
  };
  return [latest, template, counts];
}

/**
 * The statements the query layer saves for an Iceberg table: the newest rows, a time-travel
 * query and the table's snapshots (three named queries). Iceberg prunes files by the partition
 * column itself (hidden partitioning), so the newest rows are found by filtering on it; without a
 * partition column, by a plain LIMIT.
 *
 * @see https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-time-travel-and-version-travel-queries.html
 * @see https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-table-metadata.html
 */
export function icebergTableQueries(
  databaseName: string,
  tableName: string,
  layout: PartitionLayout,
  schema: TableSchema,
  partitionColumn?: string,
): AthenaQuery[] {
  const table = `${quoteIdentifier(databaseName)}.${quoteIdentifier(tableName)}`;
  const granularity = layout.granularity.name;
  const unit = PERIOD_UNIT[granularity];
  const period = PERIOD_WORD[granularity];
  const selectColumns = schema.columns.map((c) => `  ${quoteIdentifier(c.name)}`).join(',\n');

  const latest: AthenaQuery = partitionColumn
    ? {
      name: namedQueryName(tableName, 'latest rows'),
      description: `The newest rows of ${tableName}: up to 100 rows whose ${partitionColumn} is in the current or the previous ${period} (UTC), newest first`,
      sql: [
        `-- Up to 100 rows of ${tableName} whose ${partitionColumn} is in the current or the previous ${period} (UTC), newest first.`,
        `-- The filter on ${partitionColumn} lets Iceberg skip the files of other ${period}s (the table is partitioned by ${period}(${partitionColumn})).`,
        'SELECT',
        selectColumns,
        `FROM ${table}`,
        `WHERE ${quoteIdentifier(partitionColumn)} >= date_trunc('${period}', current_timestamp - INTERVAL '1' ${unit})`,
        `ORDER BY ${quoteIdentifier(partitionColumn)} DESC`,
        'LIMIT 100',
      ].join('\n'),
    }
    : {
      name: namedQueryName(tableName, 'latest rows'),
      description: `Up to 100 rows of ${tableName} (an unpartitioned Iceberg table: add a filter on a column to read less)`,
      sql: [`-- Up to 100 rows of ${tableName}. The table is unpartitioned: filters on any column let Iceberg skip files by their column statistics.`, 'SELECT', selectColumns, `FROM ${table}`, 'LIMIT 100'].join('\n'),
    };

  const travel: AthenaQuery = {
    name: namedQueryName(tableName, 'time travel'),
    description: `${tableName} as it was an hour ago (Iceberg time travel): change the interval, or use FOR VERSION AS OF with a snapshot id from the snapshots query`,
    sql: [
      `-- ${tableName} as it was an hour ago. Time travel reaches back as far as the table keeps snapshots`,
      '-- (the retention optimizer expires older ones). For one snapshot: FOR VERSION AS OF <snapshot_id>.',
      'SELECT',
      selectColumns,
      `FROM ${table} FOR TIMESTAMP AS OF (current_timestamp - INTERVAL '1' HOUR)`,
      'LIMIT 100',
    ].join('\n'),
  };

  const snapshots: AthenaQuery = {
    name: namedQueryName(tableName, 'snapshots'),
    description: `The snapshots of ${tableName}, newest first: one per Firehose commit or optimizer run, with the snapshot ids time travel takes`,
    sql: [
      `-- The snapshots of ${tableName}, newest first: Firehose commits appends (or overwrites, for upserts), the optimizers replace files.`,
      'SELECT committed_at, snapshot_id, parent_id, operation, summary',
      `FROM ${quoteIdentifier(databaseName)}.${quoteIdentifier(`${tableName}$snapshots`)}`,
      'ORDER BY committed_at DESC',
      'LIMIT 100',
    ].join('\n'),
  };
  return [latest, travel, snapshots];
}
