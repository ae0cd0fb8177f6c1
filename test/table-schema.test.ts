import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ColumnType, TableSchema } from '../src';

describe('ColumnType', () => {
  test.each([
    [ColumnType.STRING, 'string'],
    [ColumnType.BIGINT, 'bigint'],
    [ColumnType.INT, 'int'],
    [ColumnType.SMALLINT, 'smallint'],
    [ColumnType.TINYINT, 'tinyint'],
    [ColumnType.DOUBLE, 'double'],
    [ColumnType.FLOAT, 'float'],
    [ColumnType.BOOLEAN, 'boolean'],
    [ColumnType.DATE, 'date'],
    [ColumnType.TIMESTAMP, 'timestamp'],
    [ColumnType.BINARY, 'binary'],
  ])('%s renders as the Glue type %s', (type, glue) => {
    expect(type.inputString).toBe(glue);
    expect(type.isPrimitive).toBe(true);
    expect(`${type}`).toBe(glue);
  });

  test('parameterized and nested types render as Glue stores them', () => {
    expect(ColumnType.decimal(10, 2).inputString).toBe('decimal(10,2)');
    expect(ColumnType.decimal(38, 38).inputString).toBe('decimal(38,38)');
    expect(ColumnType.varchar(65535).inputString).toBe('varchar(65535)');
    expect(ColumnType.fixedChar(1).inputString).toBe('char(1)');
    expect(ColumnType.fixedChar(255).inputString).toBe('char(255)');
    const nested = ColumnType.struct([
      { name: 'id', type: ColumnType.BIGINT },
      { name: 'tags', type: ColumnType.array(ColumnType.STRING) },
      { name: 'attrs', type: ColumnType.map(ColumnType.STRING, ColumnType.struct([{ name: 'v', type: ColumnType.DOUBLE }])) },
    ]);
    expect(nested.inputString).toBe('struct<id:bigint,tags:array<string>,attrs:map<string,struct<v:double>>>');
    expect(nested.isPrimitive).toBe(false);
    expect(ColumnType.fromString('interval_day').inputString).toBe('interval_day');
    expect(ColumnType.fromString('array<int>').isPrimitive).toBe(false);
  });

  test.each([
    [0, 0, /precision must be a whole number from 1 to 38, got 0/],
    [39, 2, /precision must be a whole number from 1 to 38, got 39/],
    [10, 11, /scale must be a whole number from 0 to the precision \(10\), got 11/],
    [10, -1, /scale must be a whole number from 0 to the precision \(10\), got -1/],
    [10.5, 2, /precision must be a whole number/],
  ])('fails on decimal(%s, %s)', (p, s, message) => {
    expect(() => ColumnType.decimal(p, s)).toThrow(message);
    expect(() => ColumnType.decimal(p, s)).toThrow(/^ColumnType.decimal: /);
  });

  test('fails on varchar and fixedChar lengths out of range', () => {
    expect(() => ColumnType.varchar(0)).toThrow(/ColumnType.varchar: length must be a whole number from 1 to 65535, got 0/);
    expect(() => ColumnType.varchar(65536)).toThrow(/got 65536/);
    expect(() => ColumnType.fixedChar(256)).toThrow(/^ColumnType.fixedChar: length must be a whole number from 1 to 255, got 256: or use ColumnType.varchar\(n\)/);
  });

  test.each([0, 256, 2.5, -1, Number.NaN])('fails on fixedChar(%s)', (length) => {
    expect(() => ColumnType.fixedChar(length)).toThrow(new RegExp(`^ColumnType.fixedChar: length must be a whole number from 1 to 255, got ${length}:`));
  });

  describe('char (deprecated: Java sees it as doChar)', () => {
    test('renders as fixedChar does', () => {
      for (const length of [1, 2, 255]) {
        const type = ColumnType.char(length);
        expect(type.inputString).toBe(ColumnType.fixedChar(length).inputString);
        expect(type.inputString).toBe(`char(${length})`);
        expect(type.isPrimitive).toBe(true);
      }
    });

    test.each([0, 256, 2.5])('fails on char(%s) with the message of fixedChar', (length) => {
      expect(() => ColumnType.char(length)).toThrow(new RegExp(`^ColumnType.fixedChar: length must be a whole number from 1 to 255, got ${length}:`));
    });
  });

  test('fails on an empty struct, bad and duplicate field names', () => {
    expect(() => ColumnType.struct([])).toThrow(/ColumnType.struct: fields must hold at least one field, got none/);
    expect(() => ColumnType.struct([{ name: 'A', type: ColumnType.INT }])).toThrow(/field name must be .* got 'A'/);
    expect(() =>
      ColumnType.struct([
        { name: 'a', type: ColumnType.INT },
        { name: 'a', type: ColumnType.STRING },
      ]),
    ).toThrow(/field names must be unique, got 'a' twice/);
  });

  test('fails on a map keyed by a complex type', () => {
    expect(() => ColumnType.map(ColumnType.array(ColumnType.INT), ColumnType.INT)).toThrow(
      /ColumnType.map: keyType must be a primitive type, got 'array<int>'/,
    );
  });
});

describe('TableSchema', () => {
  test('keeps the columns in order', () => {
    const columns = [
      { name: 'b', type: ColumnType.STRING },
      { name: 'a', type: ColumnType.INT, comment: 'second' },
    ];
    const schema = new TableSchema(columns);
    expect(schema.columns).toEqual(columns);
    expect(schema.columns).not.toBe(columns);
    expect(schema.validate(['year'])).toEqual([]);
  });

  test('reports every problem: empty, names, duplicates, clashes with partition keys', () => {
    expect(new TableSchema([]).validate([])).toEqual([
      'schema must have at least one column, got none: declare the columns, or leave schema unset to let the crawler infer them',
    ]);
    const problems = new TableSchema([
      { name: 'Event Id', type: ColumnType.STRING },
      { name: 'x', type: ColumnType.STRING },
      { name: 'x', type: ColumnType.INT },
      { name: 'hour', type: ColumnType.INT },
    ]).validate(['year', 'month', 'day', 'hour']);
    expect(problems).toEqual([
      "column name must be 1 to 255 lowercase letters, digits or underscores (what Athena accepts), got 'Event Id': use e.g. 'event_id'",
      "column names must be unique, got 'x' twice: rename or remove one of them",
      "column 'hour' clashes with the partition key of the same name: rename the column, or rename the key in the PartitionLayout",
    ]);
  });

  test('property: any lowercase identifier is accepted, anything with another character is not', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_]{1,64}$/), fc.stringMatching(/^[a-z]{0,5}[A-Z .\-$]{1,3}[a-z]{0,5}$/), (good, bad) => {
        expect(new TableSchema([{ name: good, type: ColumnType.STRING }]).validate([])).toEqual([]);
        expect(new TableSchema([{ name: bad, type: ColumnType.STRING }]).validate([])).toHaveLength(1);
      }),
    );
  });
});
