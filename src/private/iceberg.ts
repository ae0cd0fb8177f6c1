import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { PartitionLayout } from '../layout/partition-layout';
import { IcebergOptions } from '../schema/table-format';
import { Column, TableSchema } from '../schema/table-schema';

/** An Iceberg field as the Glue `IcebergTableInput` takes it. */
export interface IcebergField {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly doc?: string;
}

/** An Iceberg partition field as the Glue `IcebergTableInput` takes it. */
export interface IcebergPartitionField {
  readonly sourceId: number;
  readonly fieldId: number;
  readonly name: string;
  readonly transform: string;
}

/** The Iceberg schema and partition spec of a table, in Glue's `IcebergTableInput` terms. */
export interface IcebergTableDefinition {
  readonly fields: IcebergField[];
  readonly identifierFieldIds: number[];
  readonly partitionFields: IcebergPartitionField[];
}

/** Iceberg's first partition field id (the spec reserves 1000 and up for partition fields). */
const FIRST_PARTITION_FIELD_ID = 1000;
const TRANSFORMS: Record<string, string> = { HOURLY: 'hour', DAILY: 'day', MONTHLY: 'month' };
const PRIMITIVES: Record<string, string> = {
  string: 'string',
  bigint: 'long',
  int: 'int',
  double: 'double',
  float: 'float',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  binary: 'binary',
};
const UNSUPPORTED: Record<string, string> = {
  tinyint: 'Iceberg has no 8-bit integer: use ColumnType.INT',
  smallint: 'Iceberg has no 16-bit integer: use ColumnType.INT',
};

/**
 * The Iceberg type of a column type, or the reason it has none.
 */
export function icebergType(type: string): { type?: string; problem?: string } {
  const t = type.trim().toLowerCase();
  if (PRIMITIVES[t]) return { type: PRIMITIVES[t] };
  if (UNSUPPORTED[t]) return { problem: UNSUPPORTED[t] };
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return { type: `decimal(${decimal[1]},${decimal[2]})` };
  if (/^(var)?char\(/.test(t)) return { problem: 'Iceberg has no length-limited strings: use ColumnType.STRING' };
  if (/^(array|map|struct)</.test(t)) {
    return {
      problem:
        'nested types are not offered for Iceberg yet: CloudFormation declares an Iceberg field type as a string (AWS::Glue::Table IcebergStructField.Type), and nested Iceberg types are JSON objects; store the value as ColumnType.STRING (JSON text), or use TableFormat.HIVE_PARQUET',
    };
  }
  return { problem: `'${type}' is not a type this library maps to Iceberg: use one of the ColumnType constants or ColumnType.decimal` };
}

/**
 * The Iceberg schema and partition spec of a table: field ids 1..n in column order, identifier
 * fields from the unique keys, and the layout's granularity as the transform of the partition
 * column, or every problem found.
 */
export function icebergTableDefinition(
  schema: TableSchema,
  layout: PartitionLayout,
  options: IcebergOptions,
): { definition?: IcebergTableDefinition; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map<string, { column: Column; id: number; type?: string }>();
  schema.columns.forEach((column, i) => {
    const mapped = icebergType(column.type.inputString);
    if (mapped.problem) problems.push(`column '${column.name}' has type ${column.type.inputString}, which Iceberg cannot store as declared: ${mapped.problem}`);
    byName.set(column.name, { column, id: i + 1, type: mapped.type });
  });

  const keys = options.uniqueKeys ?? [];
  if (options.uniqueKeys !== undefined && keys.length === 0) {
    problems.push('uniqueKeys must name at least one column, got none: name the columns that identify a row, or leave uniqueKeys out for an append-only table');
  }
  for (const key of keys) {
    const entry = byName.get(key);
    if (!entry) {
      problems.push(`uniqueKeys names '${key}', which is not a column of the schema (${schema.columns.map((c) => c.name).join(', ')}): name a declared column`);
    } else if (entry.type === 'float' || entry.type === 'double') {
      problems.push(`uniqueKeys names '${key}' of type ${entry.column.type.inputString}: Iceberg identifier fields cannot be floating point; use an exact type (STRING, BIGINT, DECIMAL)`);
    }
  }
  if (new Set(keys).size !== keys.length) problems.push(`uniqueKeys must not repeat a column, got ${keys.join(', ')}: name each key once`);

  const partitionFields: IcebergPartitionField[] = [];
  if (options.partitionColumn !== undefined) {
    const entry = byName.get(options.partitionColumn);
    const transform = TRANSFORMS[layout.granularity.name];
    if (!entry) {
      problems.push(
        `partitionColumn names '${options.partitionColumn}', which is not a column of the schema (${schema.columns.map((c) => c.name).join(', ')}): name a TIMESTAMP or DATE column`,
      );
    } else if (entry.type !== 'timestamp' && entry.type !== 'date') {
      problems.push(`partitionColumn '${options.partitionColumn}' has type ${entry.column.type.inputString}: Iceberg's time transforms need a TIMESTAMP or DATE column`);
    } else if (entry.type === 'date' && transform === 'hour') {
      problems.push(
        `partitionColumn '${options.partitionColumn}' is a DATE, which has no hours, got an hourly layout: use PartitionLayout.daily() or monthly(), or partition by a TIMESTAMP column`,
      );
    } else {
      partitionFields.push({ sourceId: entry.id, fieldId: FIRST_PARTITION_FIELD_ID, name: `${options.partitionColumn}_${transform}`, transform });
    }
  }

  for (const [name, value] of [
    ['snapshotRetentionPeriod', options.snapshotRetentionPeriod],
    ['orphanFileRetentionPeriod', options.orphanFileRetentionPeriod],
  ] as const) {
    if (value === undefined) continue;
    const days = value.toHours() / 24;
    if (!Number.isInteger(days) || days < 1) problems.push(`${name} must be a whole number of days, at least 1, got ${value.toHumanString()}: e.g. Duration.days(5)`);
  }
  const n = options.snapshotsToRetain;
  if (n !== undefined && !Token.isUnresolved(n) && (!Number.isInteger(n) || n < 1)) {
    problems.push(`snapshotsToRetain must be a whole number, at least 1, got ${n}: e.g. 1`);
  }
  if (options.snapshotRetention === false) {
    for (const name of ['snapshotRetentionPeriod', 'snapshotsToRetain'] as const) {
      if (options[name] !== undefined) problems.push(`${name} configures snapshot retention, got it with snapshotRetention: false: remove ${name}, or turn snapshotRetention on`);
    }
  }
  if (options.orphanFileDeletion === false && options.orphanFileRetentionPeriod !== undefined) {
    problems.push('orphanFileRetentionPeriod configures orphan file deletion, got it with orphanFileDeletion: false: remove orphanFileRetentionPeriod, or turn orphanFileDeletion on');
  }
  if (problems.length > 0) return { problems };

  const identifierFieldIds = keys.map((k) => byName.get(k)!.id);
  const fields: IcebergField[] = schema.columns.map((c, i) => ({
    id: i + 1,
    name: c.name,
    type: byName.get(c.name)!.type!,
    // Identifier fields must be required; every other column is optional (a record may omit it).
    required: identifierFieldIds.includes(i + 1),
    doc: c.comment,
  }));
  return { definition: { fields, identifierFieldIds, partitionFields }, problems };
}

/** The Iceberg tables this library declared, with their unique keys (identifier fields). */
const ICEBERG_TABLES = new WeakMap<IConstruct, { uniqueKeys: string[] }>();

/** Records that a Glue table is an Iceberg table the library declared. */
export function markIcebergTable(table: IConstruct, uniqueKeys: string[]): void {
  ICEBERG_TABLES.set(table, { uniqueKeys });
}

/** The Iceberg facts of a table this library declared, or undefined. */
export function declaredIcebergTable(table: IConstruct): { uniqueKeys: string[] } | undefined {
  return ICEBERG_TABLES.get(table);
}
