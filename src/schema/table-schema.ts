import { unscopedDataLakeError } from '../private/errors';
import { nameProblem } from '../private/names';

/**
 * A column of a table: its name, Glue/Athena type and an optional comment.
 */
export interface Column {
  /**
   * Column name: lowercase letters, digits and underscores (what Athena accepts unquoted, and
   * the form the JSON SerDe matches record keys in).
   */
  readonly name: string;

  /** The Glue/Athena data type. */
  readonly type: ColumnType;

  /**
   * Description shown in the Glue console and `DESCRIBE` output.
   *
   * @default - no comment
   */
  readonly comment?: string;
}

/**
 * A Glue/Athena column data type, rendered as the Hive DDL string Glue stores
 * (`decimal(10,2)`, `array<string>`, `struct<id:bigint,name:string>`).
 *
 * @see https://docs.aws.amazon.com/athena/latest/ug/data-types.html
 */
export class ColumnType {
  /** Variable-length character data, no length limit. */
  public static readonly STRING = new ColumnType('string');
  /** 64-bit signed integer. */
  public static readonly BIGINT = new ColumnType('bigint');
  /** 32-bit signed integer. */
  public static readonly INT = new ColumnType('int');
  /** 16-bit signed integer. */
  public static readonly SMALLINT = new ColumnType('smallint');
  /** 8-bit signed integer. */
  public static readonly TINYINT = new ColumnType('tinyint');
  /** 64-bit floating point. */
  public static readonly DOUBLE = new ColumnType('double');
  /** 32-bit floating point. */
  public static readonly FLOAT = new ColumnType('float');
  /** true or false. */
  public static readonly BOOLEAN = new ColumnType('boolean');
  /** A calendar date (YYYY-MM-DD). */
  public static readonly DATE = new ColumnType('date');
  /** A date and time of day, without time zone. */
  public static readonly TIMESTAMP = new ColumnType('timestamp');
  /** Raw bytes. */
  public static readonly BINARY = new ColumnType('binary');

  /**
   * Exact decimal number.
   *
   * @param precision total digits, 1 to 38
   * @param scale digits after the decimal point, 0 to `precision`
   */
  public static decimal(precision: number, scale: number): ColumnType {
    const problems: string[] = [];
    if (!Number.isInteger(precision) || precision < 1 || precision > 38) {
      problems.push(`precision must be a whole number from 1 to 38, got ${precision}: e.g. ColumnType.decimal(18, 2)`);
    }
    if (!Number.isInteger(scale) || scale < 0 || (Number.isInteger(precision) && scale > precision)) {
      problems.push(`scale must be a whole number from 0 to the precision (${precision}), got ${scale}: e.g. ColumnType.decimal(${Math.max(precision, 1)}, 0)`);
    }
    if (problems.length > 0) throw unscopedDataLakeError('ColumnType.decimal', ...problems);
    return new ColumnType(`decimal(${precision},${scale})`);
  }

  /**
   * Variable-length character data with a maximum length.
   *
   * @param length 1 to 65535
   */
  public static varchar(length: number): ColumnType {
    if (!Number.isInteger(length) || length < 1 || length > 65535) {
      throw unscopedDataLakeError('ColumnType.varchar', `length must be a whole number from 1 to 65535, got ${length}: or use ColumnType.STRING for no limit`);
    }
    return new ColumnType(`varchar(${length})`);
  }

  /**
   * Fixed-length character data: the Glue type `char(n)`.
   *
   * Named `fixedChar` rather than `char` so that it reads the same in every language: `char` is
   * a Java keyword, which jsii would rename.
   *
   * @param length 1 to 255
   */
  public static fixedChar(length: number): ColumnType {
    if (!Number.isInteger(length) || length < 1 || length > 255) {
      throw unscopedDataLakeError('ColumnType.fixedChar', `length must be a whole number from 1 to 255, got ${length}: or use ColumnType.varchar(n) for longer values`);
    }
    return new ColumnType(`char(${length})`);
  }

  /**
   * Fixed-length character data: the Glue type `char(n)`.
   *
   * @param length 1 to 255
   * @deprecated use fixedChar: `char` is a Java keyword, so Java sees this method as `doChar`
   */
  public static char(length: number): ColumnType {
    return ColumnType.fixedChar(length);
  }

  /** An array of elements of one type. */
  public static array(elementType: ColumnType): ColumnType {
    return new ColumnType(`array<${elementType.inputString}>`, false);
  }

  /**
   * A map from keys of a primitive type to values of any type.
   */
  public static map(keyType: ColumnType, valueType: ColumnType): ColumnType {
    if (!keyType.isPrimitive) {
      throw unscopedDataLakeError('ColumnType.map', `keyType must be a primitive type, got '${keyType.inputString}': use e.g. ColumnType.STRING as the key`);
    }
    return new ColumnType(`map<${keyType.inputString},${valueType.inputString}>`, false);
  }

  /**
   * A structure of named fields.
   *
   * @param fields at least one; names follow the column name rules and are unique
   */
  public static struct(fields: Column[]): ColumnType {
    const problems: string[] = [];
    if (fields.length === 0) {
      problems.push('fields must hold at least one field, got none: a struct needs at least one field');
    }
    problems.push(...columnProblems(fields, 'field'));
    if (problems.length > 0) throw unscopedDataLakeError('ColumnType.struct', ...problems);
    const body = fields.map((f) => `${f.name}:${f.type.inputString}`).join(',');
    return new ColumnType(`struct<${body}>`, false);
  }

  /**
   * A type given as a Glue type string, for types not modelled here. Not validated.
   */
  public static fromString(inputString: string): ColumnType {
    return new ColumnType(inputString, !/[<>]/.test(inputString));
  }

  /** The type as Glue stores it, e.g. `array<struct<id:bigint>>`. */
  public readonly inputString: string;

  /** Whether this is a primitive type (not an array, map or struct). */
  public readonly isPrimitive: boolean;

  private constructor(inputString: string, isPrimitive = true) {
    this.inputString = inputString;
    this.isPrimitive = isPrimitive;
  }

  public toString(): string {
    return this.inputString;
  }
}

/** Problems with a list of columns or struct fields: names and duplicates. */
function columnProblems(columns: Column[], what: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of columns) {
    const p = nameProblem(`${what} name`, c.name);
    if (p) problems.push(p);
    if (seen.has(c.name)) {
      problems.push(`${what} names must be unique, got '${c.name}' twice: rename or remove one of them`);
    }
    seen.add(c.name);
  }
  return problems;
}

/**
 * The columns of a table: declared once, used by the Glue table, the Firehose Parquet
 * conversion and QuickSight.
 *
 * @example
 * const schema = new TableSchema([
 *   { name: 'event_id', type: ColumnType.STRING },
 *   { name: 'amount', type: ColumnType.decimal(12, 2), comment: 'order total in EUR' },
 *   { name: 'tags', type: ColumnType.array(ColumnType.STRING) },
 * ]);
 */
export class TableSchema {
  /** The columns, in order. */
  public readonly columns: Column[];

  /**
   * @param columns at least one column; names are unique and follow Athena's rules
   */
  public constructor(columns: Column[]) {
    this.columns = [...columns];
  }

  /**
   * Every problem with the schema used with the given partition keys: empty columns, names
   * Athena cannot use, duplicates, and columns that clash with a partition key.
   */
  public validate(partitionKeys: string[]): string[] {
    const problems: string[] = [];
    if (this.columns.length === 0) {
      problems.push('schema must have at least one column, got none: declare the columns, or leave schema unset to let the crawler infer them');
    }
    problems.push(...columnProblems(this.columns, 'column'));
    for (const c of this.columns) {
      if (partitionKeys.includes(c.name)) {
        problems.push(`column '${c.name}' clashes with the partition key of the same name: rename the column, or rename the key in the PartitionLayout`);
      }
    }
    return problems;
  }
}
