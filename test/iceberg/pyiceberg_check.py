#!/usr/bin/env python3
"""Checks Iceberg table definitions the library emits against a real Iceberg implementation.

    python test/iceberg/pyiceberg_check.py CASES.json

CASES.json holds a list of cases, each an object:

    name                the case's name, echoed in its result
    icebergTableInput   the resolved CloudFormation `IcebergTableInput` of an `AWS::Glue::Table`
                        (PascalCase keys as in the template: Location, Schema, PartitionSpec?,
                        Properties?), with Location an `s3://bucket/key` string
    formatVersion       optional: `IcebergInput.Version` of the template, which must be "2"
    database, table     optional: the Glue database and table names (the catalog's namespace and
                        table), "lake" and "table" when left out
    rows                optional: the rows to write, as JSON objects keyed by column name (long
                        and int as numbers or digit strings, double and float as numbers or
                        "NaN"/"Infinity"/"-Infinity", decimal as a string, date as YYYY-MM-DD,
                        timestamp as ISO 8601 without a zone, binary as {"hex": "..."}, a missing
                        key or null as null); without them, rows are generated from the schema:
                        five per partition across three partitions (one before the epoch), with
                        boundary values of every column type and nulls in every optional column

For each case the CloudFormation shape is converted to PyIceberg's Schema and PartitionSpec
(anything this script does not know fails the case: a key, a type string, a transform), a SQL
catalog (sqlite, file:// warehouse in a temporary directory) creates the table from them with
format version 2 at the emitted location (mapped to the temporary directory), the rows are
written with an append and read back with a scan, and the case checks:

- the table as loaded from a fresh catalog has the emitted schema and partition spec: field ids,
  names, types, required, docs, identifier field ids, partition field ids, names, transforms and
  source ids. Iceberg assigns a new table's ids itself (PyIceberg and Iceberg Java alike: fields
  1..n in declaration order, partition fields from 1000), so this also checks that the ids the
  template declares, and anything referring to them, are the ids the table ends up with;
- the emitted properties are the table's properties, and the format version is 2;
- every value read back equals the value written (floats bit for bit, decimals at their scale,
  timestamps to the microsecond), and the read schema has the columns' Arrow types;
- the data files are under <location>/data/, in `<partition name>=<value>` folders, each holding
  rows of one partition only, with the partition values the transform gives (computed here
  independently of PyIceberg), and the Parquet columns carry the emitted field ids;
- a scan filtered to one partition's range plans only that partition's files.

Prints one JSON line per case: {name, ok, rows_written, rows_read, partitions, data_files, errors}.
Exits 1 when any case fails, 2 on a malformed cases file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import struct
import sys
import tempfile
import traceback
from decimal import Decimal, getcontext
from typing import Any, Callable
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import And, GreaterThanOrEqual, LessThan
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import (
    BucketTransform,
    DayTransform,
    HourTransform,
    IdentityTransform,
    MonthTransform,
    Transform,
    TruncateTransform,
    VoidTransform,
    YearTransform,
)
from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    FixedType,
    FloatType,
    IcebergType,
    IntegerType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
    TimestamptzType,
    TimeType,
    UUIDType,
)


# Decimal arithmetic rounds to the context's precision (28 digits by default): Iceberg's go to 38.
getcontext().prec = 100


class CaseError(Exception):
    """A problem with what a case declares: the case fails with this message."""


# ---------------------------------------------------------------------------------------------
# CloudFormation IcebergTableInput -> PyIceberg
# ---------------------------------------------------------------------------------------------

# The primitive type strings of the Iceberg spec's JSON serialization that PyIceberg can write.
PRIMITIVE_TYPES: dict[str, IcebergType] = {
    'boolean': BooleanType(),
    'int': IntegerType(),
    'long': LongType(),
    'float': FloatType(),
    'double': DoubleType(),
    'date': DateType(),
    'time': TimeType(),
    'timestamp': TimestampType(),
    'timestamptz': TimestamptzType(),
    'string': StringType(),
    'uuid': UUIDType(),
    'binary': BinaryType(),
}
# As Iceberg Java's Types.fromPrimitiveString reads them (it allows spaces around the numbers);
# PyIceberg's own parser allows fewer (none before the comma), hence the normalized form below.
DECIMAL_TYPE = re.compile(r'decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)')
FIXED_TYPE = re.compile(r'fixed\[\s*(\d+)\s*\]')
BUCKET_TRANSFORM = re.compile(r'bucket\[(\d+)\]')
TRUNCATE_TRANSFORM = re.compile(r'truncate\[(\d+)\]')
TIME_TRANSFORMS: dict[str, Callable[[], Transform[Any, Any]]] = {
    'year': YearTransform,
    'month': MonthTransform,
    'day': DayTransform,
    'hour': HourTransform,
}


def parse_type(text: Any, where: str) -> IcebergType:
    """The Iceberg type of a field's type string: exactly the spec's lowercase spellings."""
    if not isinstance(text, str):
        raise CaseError(f'{where}: Type must be a string, got {text!r} (nested types are JSON objects, which this check does not take)')
    if text in PRIMITIVE_TYPES:
        return PRIMITIVE_TYPES[text]
    decimal = DECIMAL_TYPE.fullmatch(text)
    if decimal:
        precision, scale = int(decimal.group(1)), int(decimal.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise CaseError(f'{where}: {text!r} is not a valid Iceberg decimal (precision 1..38, scale at most the precision)')
        return DecimalType(precision, scale)
    fixed = FIXED_TYPE.fullmatch(text)
    if fixed:
        return FixedType(int(fixed.group(1)))
    raise CaseError(f'{where}: {text!r} is not an Iceberg primitive type string (e.g. long, decimal(10,2), timestamp)')


def parse_transform(text: Any, where: str) -> Transform[Any, Any]:
    """The Iceberg partition transform of a transform string of the spec."""
    if not isinstance(text, str):
        raise CaseError(f'{where}: Transform must be a string, got {text!r}')
    if text == 'identity':
        return IdentityTransform()
    if text == 'void':
        return VoidTransform()
    if text in TIME_TRANSFORMS:
        return TIME_TRANSFORMS[text]()
    bucket = BUCKET_TRANSFORM.fullmatch(text)
    if bucket:
        return BucketTransform(int(bucket.group(1)))
    truncate = TRUNCATE_TRANSFORM.fullmatch(text)
    if truncate:
        return TruncateTransform(int(truncate.group(1)))
    raise CaseError(f'{where}: {text!r} is not an Iceberg transform (identity, year, month, day, hour, bucket[N], truncate[W], void)')


def expect_keys(obj: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise CaseError(f'{where} must be an object, got {obj!r}')
    missing = required - obj.keys()
    unknown = obj.keys() - required - optional
    if missing:
        raise CaseError(f'{where} lacks {sorted(missing)}')
    if unknown:
        raise CaseError(f'{where} has keys this check does not know: {sorted(unknown)} (known: {sorted(required | optional)})')
    return obj


def expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    # bool is an int in Python: an integer field must not take true/false, nor a boolean 0/1.
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise CaseError(f'{where} must be {getattr(kind, "__name__", kind)}, got {value!r}')
    return value


def to_schema(cfn: Any) -> Schema:
    expect_keys(cfn, 'Schema', {'Type', 'Fields'}, {'SchemaId', 'IdentifierFieldIds'})
    if cfn['Type'] != 'struct':
        raise CaseError(f"Schema.Type must be 'struct', got {cfn['Type']!r}")
    schema_id = expect(cfn.get('SchemaId', 0), int, 'Schema.SchemaId')
    fields = []
    for i, f in enumerate(expect(cfn['Fields'], list, 'Schema.Fields')):
        where = f'Schema.Fields[{i}]'
        expect_keys(f, where, {'Id', 'Name', 'Type', 'Required'}, {'Doc'})
        fields.append(
            NestedField(
                field_id=expect(f['Id'], int, f'{where}.Id'),
                name=expect(f['Name'], str, f'{where}.Name'),
                field_type=parse_type(f['Type'], f'{where}.Type'),
                required=expect(f['Required'], bool, f'{where}.Required'),
                doc=expect(f['Doc'], str, f'{where}.Doc') if 'Doc' in f else None,
            ),
        )
    ids = [f.field_id for f in fields]
    if len(set(ids)) != len(ids):
        raise CaseError(f'Schema.Fields repeat a field id: {ids}')
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise CaseError(f'Schema.Fields repeat a name: {names}')
    declared = expect(cfn.get('IdentifierFieldIds', []), list, 'Schema.IdentifierFieldIds')
    identifiers = [expect(x, int, 'Schema.IdentifierFieldIds[]') for x in declared]
    if 'IdentifierFieldIds' in cfn and not identifiers:
        raise CaseError('Schema.IdentifierFieldIds is empty: leave it out instead')
    # PyIceberg validates identifier fields here (present, required, primitive, not floating point).
    return Schema(*fields, schema_id=schema_id, identifier_field_ids=identifiers)


def to_spec(cfn: Any, schema: Schema) -> PartitionSpec:
    expect_keys(cfn, 'PartitionSpec', {'Fields'}, {'SpecId'})
    spec_id = expect(cfn.get('SpecId', 0), int, 'PartitionSpec.SpecId')
    fields = []
    for i, f in enumerate(expect(cfn['Fields'], list, 'PartitionSpec.Fields')):
        where = f'PartitionSpec.Fields[{i}]'
        expect_keys(f, where, {'SourceId', 'FieldId', 'Name', 'Transform'}, set())
        source_id = expect(f['SourceId'], int, f'{where}.SourceId')
        transform = parse_transform(f['Transform'], f'{where}.Transform')
        source = schema._lazy_id_to_field.get(source_id)
        if source is None:
            raise CaseError(f'{where}.SourceId {source_id} is no field of the schema (ids {sorted(schema._lazy_id_to_field)})')
        if not transform.can_transform(source.field_type):
            raise CaseError(f'{where}: transform {transform} cannot apply to {source.name} of type {source.field_type}')
        fields.append(
            PartitionField(
                source_id=source_id,
                field_id=expect(f['FieldId'], int, f'{where}.FieldId'),
                transform=transform,
                name=expect(f['Name'], str, f'{where}.Name'),
            ),
        )
    if not fields:
        raise CaseError('PartitionSpec.Fields is empty: leave PartitionSpec out for an unpartitioned table')
    return PartitionSpec(*fields, spec_id=spec_id)


def local_location(location: Any, root: str) -> str:
    """The file:// location under root standing in for an s3://bucket/key location."""
    if not isinstance(location, str):
        raise CaseError(f'Location must be a resolved string, got {location!r}')
    url = urlparse(location)
    if url.scheme != 's3' or not url.netloc or not url.path.strip('/') or url.params or url.query or url.fragment:
        raise CaseError(f'Location must be s3://<bucket>/<key>, got {location!r}')
    if location.endswith('/'):
        raise CaseError(f'Location must not end with a slash (Iceberg appends /data and /metadata), got {location!r}')
    return f'file://{root}/s3/{url.netloc}{url.path}'


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------

EPOCH = dt.datetime(1970, 1, 1)
EPOCH_DATE = dt.date(1970, 1, 1)
PARTITIONS = 3
ROWS_PER_PARTITION = 5


def float32(x: float) -> float:
    return struct.unpack('<f', struct.pack('<f', x))[0]


def decimal_values(t: DecimalType) -> list[Decimal]:
    p, s = t.precision, t.scale
    unit = Decimal(1).scaleb(-s)
    largest = Decimal('9' * p).scaleb(-s)  # every digit of the precision
    mid = Decimal('-' + ('1234567890' * 4)[:p]).scaleb(-s)  # every digit, none of them 9
    return [largest, -largest, Decimal(0).scaleb(-s), unit, -unit, mid]


def boundary_values(t: IcebergType) -> list[Any]:
    """Values of a type a writer must keep as they are: extremes, signs, unusual content."""
    if isinstance(t, StringType):
        return [
            '',
            'plain ascii',
            'ünïcödé — ✓',
            '日本語のテキスト',
            'emoji 🚀🌍 and 𝄞',
            'quote " backslash \\ tab\t newline\n',
            'nul\u0000inside',
        ]
    if isinstance(t, LongType):
        return [-(2**63), 2**63 - 1, 0, -1, 9007199254740993, -42]
    if isinstance(t, IntegerType):
        return [-(2**31), 2**31 - 1, 0, -1, 42]
    if isinstance(t, DoubleType):
        return [-1.7976931348623157e308, 5e-324, -0.0, 0.1, -123.456, math.inf, -math.inf, math.nan]
    if isinstance(t, FloatType):
        return [float32(v) for v in (3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -0.0, 0.5, -2.25, 0.1, math.inf, math.nan)]
    if isinstance(t, BooleanType):
        return [True, False]
    if isinstance(t, DateType):
        return [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1969, 12, 31), EPOCH_DATE, dt.date(2024, 2, 29)]
    if isinstance(t, TimestampType):
        return [
            dt.datetime(1969, 12, 31, 23, 59, 59, 999999),
            dt.datetime(1970, 1, 1, 0, 0, 0, 1),
            dt.datetime(2024, 2, 29, 12, 34, 56, 789012),
            dt.datetime(1, 1, 1),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        ]
    if isinstance(t, BinaryType):
        return [b'', bytes(range(256)), b'\x00', b'\xff\xfe\xfd', 'ünï'.encode()]
    if isinstance(t, DecimalType):
        return decimal_values(t)
    raise CaseError(f'no generated values for type {t}: give the case rows')


def key_value(t: IcebergType, i: int) -> Any:
    """A non-null value of an identifier field, distinct for each row index i."""
    if isinstance(t, StringType):
        return f'key-{i:03d}-ü✓'
    if isinstance(t, LongType):
        return -(2**62) + i * 1_000_000_007
    if isinstance(t, IntegerType):
        return -(2**30) + i * 7919
    if isinstance(t, BooleanType):
        return i % 2 == 0
    if isinstance(t, DateType):
        return dt.date(1969, 12, 1) + dt.timedelta(days=i)
    if isinstance(t, TimestampType):
        return dt.datetime(1969, 12, 31, 23, 59, 59, 999990) + dt.timedelta(microseconds=i)
    if isinstance(t, BinaryType):
        return bytes([i % 256, 0, 255]) + str(i).encode()
    if isinstance(t, DecimalType):
        return (Decimal(i) - Decimal(50)).scaleb(-t.scale) if t.precision > 2 else Decimal(i % 10).scaleb(-t.scale)
    raise CaseError(f'no generated identifier values for type {t}: give the case rows')


# The partitions of generated rows: one before the epoch (negative transform values), then a
# leap day and the day after it, each period starting at the given instant.
def partition_value(transform: Transform[Any, Any], t: IcebergType, p: int, r: int) -> Any:
    starts = {
        'hour': [dt.datetime(1969, 12, 31, 23), dt.datetime(2024, 2, 29, 23), dt.datetime(2024, 3, 1, 0)],
        'day': [dt.datetime(1969, 12, 31), dt.datetime(2024, 2, 29), dt.datetime(2024, 3, 1)],
        'month': [dt.datetime(1969, 12, 1), dt.datetime(2024, 2, 1), dt.datetime(2024, 3, 1)],
        'year': [dt.datetime(1969, 1, 1), dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1)],
        'identity': [dt.datetime(1969, 12, 31, 12), dt.datetime(2024, 2, 29, 12), dt.datetime(2024, 3, 1, 12)],
    }
    name = str(transform)
    if name not in starts or not isinstance(t, (DateType, TimestampType)):
        raise CaseError(f'no generated partition values for {transform} on {t}: give the case rows')
    start = starts[name][p]
    if isinstance(t, DateType):
        if name == 'hour':
            raise CaseError('an hour transform on a date column is not valid Iceberg')
        # identity and day: every row on the day; month and year: rows on different days.
        return start.date() + dt.timedelta(days=0 if name in ('identity', 'day') else r * 6)
    within = {
        'hour': dt.timedelta(minutes=13 * r, seconds=r),
        'day': dt.timedelta(hours=5 * r, minutes=r),
        'month': dt.timedelta(days=6 * r, hours=r),
        'year': dt.timedelta(days=70 * r),
    }
    offset = dt.timedelta(0) if name == 'identity' else within[name] + dt.timedelta(microseconds=r * 111_111 + 1)
    return start + offset


def generate_rows(schema: Schema, spec: PartitionSpec) -> list[dict[str, Any]]:
    if len(spec.fields) > 1:
        raise CaseError('rows are generated for one partition field at most: give the case rows')
    part = spec.fields[0] if spec.fields else None
    part_name = schema.find_column_name(part.source_id) if part else None
    identifiers = set(schema.identifier_field_ids)
    values = {f.name: boundary_values(f.field_type) for f in schema.fields if f.field_id not in identifiers and f.name != part_name}
    used = {name: 0 for name in values}
    optional = [f for f in schema.fields if not f.required and f.name != part_name]
    partitions = PARTITIONS if part else 1
    rows = []
    # Partition varies fastest, so the writer has to split one Arrow table across partitions.
    for r in range(ROWS_PER_PARTITION):
        for p in range(partitions):
            i = len(rows)
            row: dict[str, Any] = {}
            for c, f in enumerate(schema.fields):
                if f.name == part_name:
                    row[f.name] = partition_value(part.transform, f.field_type, p, r)
                elif f.field_id in identifiers:
                    row[f.name] = key_value(f.field_type, i)
                elif not f.required and (r == ROWS_PER_PARTITION - 1 or c % (ROWS_PER_PARTITION - 1) == r):
                    # Each optional column is null in one row of each partition, and the last row
                    # of each partition is null in every optional column.
                    row[f.name] = None
                else:
                    row[f.name] = values[f.name][used[f.name] % len(values[f.name])]
                    used[f.name] += 1
            rows.append(row)
    if optional and not any(all(row[f.name] is None for f in optional) for row in rows):
        raise AssertionError('generated rows lack an all-null row')
    return rows


def json_number(value: Any, where: str) -> float:
    special = {'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf}
    if isinstance(value, str) and value in special:
        return special[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CaseError(f'{where}: expected a number or NaN/Infinity/-Infinity, got {value!r}')
    return float(value)


def json_integer(value: Any, where: str, bits: int) -> int:
    if isinstance(value, str) and re.fullmatch(r'-?\d+', value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CaseError(f'{where}: expected an integer, got {value!r}')
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise CaseError(f'{where}: {value} does not fit {bits} bits')
    return value


def from_json(value: Any, t: IcebergType, where: str) -> Any:
    if value is None:
        return None
    if isinstance(t, StringType):
        return expect(value, str, where)
    if isinstance(t, LongType):
        return json_integer(value, where, 64)
    if isinstance(t, IntegerType):
        return json_integer(value, where, 32)
    if isinstance(t, DoubleType):
        return json_number(value, where)
    if isinstance(t, FloatType):
        return float32(json_number(value, where))
    if isinstance(t, BooleanType):
        return expect(value, bool, where)
    if isinstance(t, DateType):
        return dt.date.fromisoformat(expect(value, str, where))
    if isinstance(t, TimestampType):
        parsed = dt.datetime.fromisoformat(expect(value, str, where))
        if parsed.tzinfo is not None:
            raise CaseError(f'{where}: a timestamp (without zone) takes no offset, got {value!r}')
        return parsed
    if isinstance(t, BinaryType):
        return bytes.fromhex(expect_keys(value, where, {'hex'}, set())['hex'])
    if isinstance(t, DecimalType):
        d = Decimal(expect(value, str, where))
        exponent = d.as_tuple().exponent
        if not isinstance(exponent, int) or -exponent > t.scale:
            raise CaseError(f'{where}: {value!r} has more digits after the point than the scale {t.scale}')
        d = d.quantize(Decimal(1).scaleb(-t.scale))
        if len(d.as_tuple().digits) > t.precision:
            raise CaseError(f'{where}: {value!r} has more digits than the precision {t.precision}')
        return d
    raise CaseError(f'{where}: rows of type {t} are not supported by this check')


def rows_from_json(rows: Any, schema: Schema) -> list[dict[str, Any]]:
    out = []
    names = {f.name for f in schema.fields}
    for i, row in enumerate(expect(rows, list, 'rows')):
        expect(row, dict, f'rows[{i}]')
        unknown = row.keys() - names
        if unknown:
            raise CaseError(f'rows[{i}] names columns the schema lacks: {sorted(unknown)}')
        out.append({f.name: from_json(row.get(f.name), f.field_type, f'rows[{i}].{f.name}') for f in schema.fields})
    if not out:
        raise CaseError('rows is empty: give at least one row, or leave rows out to generate them')
    return out


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------


def same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return struct.pack('<d', a) == struct.pack('<d', b)  # keeps -0.0 apart from 0.0
    if type(a) is not type(b):
        return False
    if isinstance(a, Decimal):
        return a == b and a.as_tuple().exponent == b.as_tuple().exponent
    return bool(a == b)


def sort_key(row: dict[str, Any], names: list[str]) -> tuple[Any, ...]:
    return tuple((row[n] is None, type(row[n]).__name__, repr(row[n])) for n in names)


def human(transform: Transform[Any, Any], value: Any) -> str:
    """The partition folder value Iceberg writes for a transform's result, computed here."""
    name = str(transform)
    if name == 'hour':
        t = EPOCH + dt.timedelta(hours=value)
        return f'{t:%Y-%m-%d-%H}'
    if name == 'day':
        return (EPOCH_DATE + dt.timedelta(days=value)).isoformat()
    if name == 'month':
        return f'{1970 + value // 12:04d}-{value % 12 + 1:02d}'
    if name == 'year':
        return f'{1970 + value:04d}'
    raise CaseError(f'no folder naming for {transform} in this check')


def transformed(transform: Transform[Any, Any], value: Any) -> Any:
    """The spec's transform of a source value, computed independently of PyIceberg (floor semantics before the epoch)."""
    name = str(transform)
    if value is None or name == 'identity':
        return value
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    if name == 'hour':
        return (moment - EPOCH) // dt.timedelta(hours=1)
    if name == 'day':
        return (moment - EPOCH) // dt.timedelta(days=1)
    if name == 'month':
        return (moment.year - 1970) * 12 + moment.month - 1
    if name == 'year':
        return moment.year - 1970
    raise CaseError(f'no independent computation of {transform} in this check')


def local_path(uri: str) -> str:
    url = urlparse(uri)
    if url.scheme != 'file':
        raise AssertionError(f'expected a file:// path, got {uri}')
    return unquote(url.path)


# ---------------------------------------------------------------------------------------------
# A case
# ---------------------------------------------------------------------------------------------


def check_definition(loaded: Any, schema: Schema, spec: PartitionSpec, properties: dict[str, str], location: str, errors: list[str]) -> None:
    if loaded.metadata.format_version != 2:
        errors.append(f'format version {loaded.metadata.format_version}, emitted 2')
    if loaded.location() != location:
        errors.append(f'location {loaded.location()}, emitted (mapped) {location}')
    got = loaded.schema()
    want = [(f.field_id, f.name, str(f.field_type), f.required, f.doc) for f in schema.fields]
    have = [(f.field_id, f.name, str(f.field_type), f.required, f.doc) for f in got.fields]
    if have != want:
        errors.append(f'schema fields (id, name, type, required, doc) as loaded {have}, emitted {want}')
    if list(got.identifier_field_ids) != list(schema.identifier_field_ids):
        errors.append(f'identifier field ids as loaded {got.identifier_field_ids}, emitted {schema.identifier_field_ids}')
    if got.schema_id != schema.schema_id:
        errors.append(f'schema id as loaded {got.schema_id}, emitted {schema.schema_id}')
    got_spec = loaded.spec()
    want_fields = [(f.source_id, f.field_id, f.name, str(f.transform)) for f in spec.fields]
    have_fields = [(f.source_id, f.field_id, f.name, str(f.transform)) for f in got_spec.fields]
    if have_fields != want_fields:
        errors.append(f'partition fields (source id, field id, name, transform) as loaded {have_fields}, emitted {want_fields}')
    if got_spec.spec_id != spec.spec_id:
        errors.append(f'partition spec id as loaded {got_spec.spec_id}, emitted {spec.spec_id}')
    for k, v in properties.items():
        if loaded.properties.get(k) != v:
            errors.append(f'table property {k}: as loaded {loaded.properties.get(k)!r}, emitted {v!r}')


def check_files(loaded: Any, schema: Schema, spec: PartitionSpec, location: str, errors: list[str]) -> tuple[int, int]:
    """Checks the data files' layout and contents; returns (data files, partitions)."""
    tasks = list(loaded.scan().plan_files())
    partitions = set()
    for task in tasks:
        f = task.file
        path = local_path(f.file_path)
        if not f.file_path.startswith(f'{location}/data/'):
            errors.append(f'data file {f.file_path} is not under {location}/data/')
        values = tuple(f.partition[i] for i in range(len(spec.fields)))
        partitions.add(values)
        parquet = pq.read_table(path)
        for pf, value in zip(spec.fields, values, strict=True):
            folder = f'{pf.name}={human(pf.transform, value)}' if str(pf.transform) != 'identity' else f'{pf.name}='
            if f'/{folder}' not in f.file_path:
                errors.append(f'data file {f.file_path} of partition {pf.name}={value} is not in a {folder} folder')
            source = schema.find_column_name(pf.source_id)
            seen = {transformed(pf.transform, v) for v in parquet.column(source).to_pylist()}
            if seen != {value}:
                errors.append(
                    f'data file {f.file_path} of partition {pf.name}={value} holds rows whose {pf.transform}({source}) are {sorted(seen, key=repr)}',
                )
        ids = {col.name: int(col.metadata[b'PARQUET:field_id']) for col in parquet.schema if col.metadata and b'PARQUET:field_id' in col.metadata}
        want = {field.name: field.field_id for field in schema.fields}
        if ids != want:
            errors.append(f'data file {f.file_path} has Parquet field ids {ids}, emitted {want}')
    return len(tasks), len(partitions)


def check_pruning(loaded: Any, schema: Schema, spec: PartitionSpec, rows: list[dict[str, Any]], errors: list[str]) -> None:
    """A scan for one partition's range of the source column plans only that partition's files."""
    if len(spec.fields) != 1 or str(spec.fields[0].transform) not in TIME_TRANSFORMS:
        return
    pf = spec.fields[0]
    source = schema.find_column_name(pf.source_id)
    values = [row[source] for row in rows if row[source] is not None]
    last = max(transformed(pf.transform, v) for v in values)
    inside = [v for v in values if transformed(pf.transform, v) == last]
    low, high = min(inside), max(inside)
    high_exclusive = high + (dt.timedelta(microseconds=1) if isinstance(high, dt.datetime) else dt.timedelta(days=1))
    scan = loaded.scan(row_filter=And(GreaterThanOrEqual(source, low.isoformat()), LessThan(source, high_exclusive.isoformat())))
    planned = {task.file.partition[0] for task in scan.plan_files()}
    if planned != {last}:
        errors.append(f'a scan of {source} in [{low}, {high_exclusive}) planned partitions {sorted(planned)}, expected only {last}')
    count = scan.to_arrow().num_rows
    if count != len(inside):
        errors.append(f'a scan of {source} in [{low}, {high_exclusive}) read {count} rows, expected {len(inside)}')


def run_case(case: Any) -> dict[str, Any]:
    name = case.get('name') if isinstance(case, dict) else None
    result: dict[str, Any] = {'name': name, 'ok': False, 'rows_written': 0, 'rows_read': 0, 'partitions': 0, 'data_files': 0, 'errors': []}
    errors: list[str] = result['errors']
    try:
        expect_keys(case, 'a case', {'name', 'icebergTableInput'}, {'rows', 'formatVersion', 'database', 'table'})
        expect(name, str, 'name')
        if 'formatVersion' in case and case['formatVersion'] != '2':
            raise CaseError(f"formatVersion must be '2' (Firehose writes only to format version 2 tables), got {case['formatVersion']!r}")
        cfn = expect_keys(case['icebergTableInput'], 'icebergTableInput', {'Location', 'Schema'}, {'PartitionSpec', 'Properties'})
        schema = to_schema(cfn['Schema'])
        spec = to_spec(cfn['PartitionSpec'], schema) if 'PartitionSpec' in cfn else PartitionSpec(spec_id=0)
        properties = expect(cfn.get('Properties', {}), dict, 'Properties')
        for k, v in properties.items():
            expect(v, str, f'Properties.{k}')
        database = expect(case.get('database', 'lake'), str, 'database')
        table_name = expect(case.get('table', 'table'), str, 'table')

        with tempfile.TemporaryDirectory(prefix='pyiceberg-check-') as root:
            location = local_location(cfn['Location'], root)
            settings = {'uri': f'sqlite:///{root}/catalog.db', 'warehouse': f'file://{root}/warehouse'}
            catalog = SqlCatalog('check', **settings)
            catalog.create_namespace(database)
            catalog.create_table(
                (database, table_name), schema=schema, location=location, partition_spec=spec, properties={**properties, 'format-version': '2'},
            )
            # A second catalog on the same database: what was persisted, not what is cached.
            loaded = SqlCatalog('check', **settings).load_table((database, table_name))
            check_definition(loaded, schema, spec, properties, location, errors)

            rows = rows_from_json(case['rows'], schema) if 'rows' in case else generate_rows(schema, spec)
            arrow_schema = loaded.schema().as_arrow()
            loaded.append(pa.Table.from_pylist(rows, schema=arrow_schema))
            result['rows_written'] = len(rows)

            table = SqlCatalog('check', **settings).load_table((database, table_name))
            read = table.scan().to_arrow()
            result['rows_read'] = read.num_rows
            names = [f.name for f in schema.fields]
            if read.column_names != names:
                errors.append(f'read columns {read.column_names}, emitted {names}')
            for want_field in arrow_schema:
                got_type = read.schema.field(want_field.name).type if want_field.name in read.column_names else None
                normalized = {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}
                if normalized.get(got_type, got_type) != normalized.get(want_field.type, want_field.type):
                    errors.append(f'column {want_field.name} read as {got_type}, written as {want_field.type}')
            got_rows = sorted(read.to_pylist(), key=lambda r: sort_key(r, names))
            want_rows = sorted(rows, key=lambda r: sort_key(r, names))
            if len(got_rows) != len(want_rows):
                errors.append(f'read {len(got_rows)} rows, wrote {len(want_rows)}')
            for i, (want, got) in enumerate(zip(want_rows, got_rows)):
                for n in names:
                    if not same_value(want[n], got.get(n)):
                        errors.append(f'row {i} column {n}: wrote {want[n]!r}, read {got.get(n)!r}')
            for n in names:
                nulls = sum(1 for r in rows if r[n] is None)
                if schema.find_field(n).required and nulls:
                    errors.append(f'required column {n} was written with {nulls} nulls')

            result['data_files'], result['partitions'] = check_files(table, schema, spec, location, errors)
            if not spec.fields and result['partitions'] != 1:
                errors.append(f'an unpartitioned table has {result["partitions"]} partitions, expected 1')
            metadata_files = os.listdir(os.path.join(local_path(location), 'metadata'))
            if not any(f.endswith('.metadata.json') for f in metadata_files):
                errors.append(f'no metadata file under {location}/metadata/: {metadata_files}')
            check_pruning(table, schema, spec, rows, errors)
    except CaseError as e:
        errors.append(str(e))
    except Exception as e:  # PyIceberg's own rejections: report them, with where they came from
        frames = traceback.extract_tb(e.__traceback__)
        errors.append(f'{type(e).__name__}: {e} (at {frames[-1].filename.rsplit("/", 1)[-1]}:{frames[-1].lineno})')
    result['ok'] = not errors
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f'usage: {os.path.basename(argv[0])} CASES.json', file=sys.stderr)
        return 2
    with open(argv[1], encoding='utf-8') as f:
        cases = json.load(f)
    if not isinstance(cases, list) or not cases:
        print(f'{argv[1]} must hold a non-empty list of cases', file=sys.stderr)
        return 2
    failed = 0
    for case in cases:
        result = run_case(case)
        failed += not result['ok']
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
