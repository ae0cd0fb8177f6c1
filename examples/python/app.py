#!/usr/bin/env python3
"""The whole lake from Python: synthesizes four stacks and checks their templates.

A CDK app with no environment (no AWS account or credentials needed) that
- defines `StreamIngest` with its defaults in the stack `StreamIngestExample`,
- calls `ShardCalculator.calculate` so that a struct and an enum cross the jsii boundary,
- defines a whole lake in the stack `LakeExample` with every public construct and value object:
  two `StreamIngest`s (one per delivery: the orders stream sized by
  `StreamCapacity.from_throughput`, the raw events stream with its defaults),
  `PartitionedParquetLake` with `PartitionLayout.hourly()` and EventBridge delivery, a
  `TableSchema` of `Column`s built from `ColumnType` members and factories (`fixed_char`, and the
  deprecated `char` it replaces, which Java sees as `doChar`), three
  `CrawledCatalog`s (partition projection, `PartitionDiscovery.event_driven()`, and schema-on-read
  with `PartitionDiscovery.crawler(recrawl_policy=RecrawlPolicy.NEW_FOLDERS_ONLY)`), two
  `NewlineTransformFirehose`s (Parquet against the orders table with no processor, JSON lines
  with `NewlineStrategy.append_delimiter()`), each reading its own stream, and a role granted
  `grant_read` and `grant_write`; the defaults `IngestEncryption`, `LakeEncryption` and
  `CatalogDatabase` are passed explicitly,
- checks that the library rejects, with its error crossing the binding, what it no longer
  accepts: `NewlineStrategy.bundled_function()` together with a Parquet `table`,
  `table_description` without `schema` (in a scratch app that is never synthesized), and
  `ColumnType.fixed_char(256)`,
- defines the stack `ServerlessDataLakeExample` exactly as examples/typescript/stacks.ts does
  (same stack name, construct IDs and options): the schema-first `clicks` lake with its columns,
  monitoring with `LakeAlarmActions.new_topic()` and a batch trigger on
  `BatchTriggerSource.direct_invoke()`, the schema-on-read `raw_events` lake sharing it
  (`share_with`), a producer role granted `grant_write` on both and an analyst role granted
  `grant_query`, and the outputs ClicksStreamName, WorkGroupName and DatabaseName,
- defines the stack `IcebergExample` exactly as examples/typescript/stacks.ts does: the `events`
  lake with `CatalogOptions(table_format=TableFormat.iceberg(partition_column="event_time"))`,
  the `orders` lake sharing it with `TableFormat.iceberg(partition_column=..., unique_keys=[...],
  snapshot_retention_period=Duration.days(7))` and `DeliveryOptions(buffering_interval=...)`,
  and an analyst role granted `grant_query` on both,
- synthesizes into `examples/python/cdk.out` and checks the templates with `aws_cdk.assertions`:
  among others the Lambda functions (the library's partition registrar, and aws-cdk-lib's
  bucket-notification handler, through which the library turns on EventBridge delivery), the
  KMS-encrypted log groups named with the stack's unique suffix, and the Firehose roles' and the
  logs key's permissions,
- checks that the library's bundled Lambda handlers referenced by the cloud assembly (the
  partition registrar's; the batch producer's and the newline Lambda's) were shipped inside the
  wheel (each asset directory exists and contains `index.js`),
- checks CDK's validation report: no unacknowledged finding, and only the W7001 the library
  acknowledges itself on `LakeExample`, `ServerlessDataLakeExample` and `IcebergExample` (the
  Firehose CidrBlocks mapping, each stack's only one),
- checks that the `ServerlessDataLakeExample` and `IcebergExample` templates have the resource
  types, counts, logical IDs per type and outputs of the TypeScript example's
  (`cdk.out/<stack>.template.json` at the repository root, from `npm run example`; or under the
  directory `$TYPESCRIPT_ASSEMBLY`), and reports every difference, type by type,
- checks the Iceberg facts of its own `IcebergExample` template: each `AWS::Glue::Table` is an
  Iceberg table (`OpenTableFormatInput.IcebergInput.IcebergTableInput`) partitioned by `hour` of
  `event_time` / `updated_at`, with `IdentifierFieldIds` [1] (`order_id`) for orders only; three
  `AWS::Glue::TableOptimizer`s per table (compaction, retention with the orders table's 7 days,
  orphan file deletion); each delivery stream has an `IcebergDestinationConfiguration`, with
  `UniqueKeys` ['order_id'] and `AppendOnly` false for orders, `AppendOnly` true and no unique
  keys for events.

Prints one summary line per stack on success; raises (exit code 1) on any failed check.

Run from anywhere, once the wheel from `npx projen package:python` and requirements.txt are
installed in a virtual environment (see .ci/python-app.sh).
"""

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from aws_cdk.cloud_assembly_schema import FileAssetPackaging, Manifest
from aws_cdk.cx_api import AssetManifestArtifact, CloudAssembly

from cdk_serverless_data_lake import (
    BatchTriggerSource,
    CatalogOptions,
    Column,
    ColumnType,
    CatalogDatabase,
    CrawledCatalog,
    DeliveryOptions,
    IngestEncryption,
    LakeAlarmActions,
    LakeBatchTriggerOptions,
    LakeEncryption,
    LakeMonitoringOptions,
    NewlineStrategy,
    NewlineTransformFirehose,
    PartitionDiscovery,
    PartitionedParquetLake,
    PartitionGranularity,
    PartitionLayout,
    RecrawlPolicy,
    ServerlessDataLake,
    ShardCalculator,
    ShardLimit,
    StreamCapacity,
    StreamIngest,
    TableFormat,
    TableSchema,
)

OUTDIR = Path(__file__).resolve().parent / "cdk.out"
STACK_NAME = "StreamIngestExample"
STACK_DESCRIPTION = "cdk-serverless-data-lake example: StreamIngest with its defaults"
VALIDATE_AGAINST_DEFAULT_RULES = "@aws-cdk/core:validateAgainstDefaultRules"

# 2,500 records/s of 512 bytes, default 25% headroom:
#   records: 2,500 * 1.25 / 1,000        = 3.125 -> 4 shards  (decides)
#   bytes:   1.22 MiB/s * 1.25 / 1 MiB/s = 1.53  -> 2 shards
#   reads:   1.22 MiB/s * 1.25 / 2 MiB/s = 0.76  -> 1 shard (one polling consumer)
# With 1 KiB records the write-bytes figure also reaches 4 shards, and a tie is decided by
# declaration order (WRITE_BYTES first), so 512-byte records keep the records limit the only one.
RECORDS_PER_SECOND = 2500
RECORD_BYTES = 512
EXPECTED_SHARDS = 4
EXPECTED_LIMIT = ShardLimit.WRITE_RECORDS

LAKE_STACK_NAME = "LakeExample"
LAKE_STACK_DESCRIPTION = "cdk-serverless-data-lake example: the whole lake, from the stream to the catalog"
# The Firehose L2 adds a region-to-CIDR mapping to every stack with a delivery stream; only
# delivery into a VPC reads it, so CloudFormation validation reports it unused (W7001). The
# library acknowledges that finding itself, on the stack, when the mapping is the stack's only
# one: the app acknowledges nothing, and the report must show exactly that acknowledgement.
LIBRARY_ACKNOWLEDGED_ID = "CloudFormation-Validate::W7001"
LIBRARY_ACKNOWLEDGED_RULE = "W7001"
LIBRARY_ACKNOWLEDGED_MAPPING = "Mappings/awscdkawskinesisfirehoseCidrBlocks:"
LIBRARY_ACKNOWLEDGED_REASON_START = "The stack's only mapping is awscdkawskinesisfirehoseCidrBlocks"
VALIDATION_REPORT_FILE = "validation-report.json"
# The name of the error the library throws for bad input.
LIBRARY_ERROR = "DataLakeValidationError"

SERVERLESS_STACK_NAME = "ServerlessDataLakeExample"
SERVERLESS_STACK_DESCRIPTION = (
    "cdk-serverless-data-lake example: two lakes, each in one call, sharing a bucket, a key, a database and a workgroup"
)
ICEBERG_STACK_NAME = "IcebergExample"
ICEBERG_STACK_DESCRIPTION = "cdk-serverless-data-lake example: Firehose into Apache Iceberg tables, compacted by Glue"
# The same stacks synthesized by the TypeScript example (`npm run example`, at the repository
# root): each Python stack must have the same resources (types, counts and logical IDs) and
# outputs as `<stack>.template.json` there. .ci/python-app.sh passes the directory; by default the
# TypeScript example's cloud assembly.
TYPESCRIPT_ASSEMBLY_VARIABLE = "TYPESCRIPT_ASSEMBLY"
TYPESCRIPT_ASSEMBLY = Path(__file__).resolve().parents[2] / "cdk.out"
# The stacks on which the library acknowledges W7001 itself (each has a delivery stream, and the
# Firehose mapping is its only one).
LIBRARY_ACKNOWLEDGED_AT = [LAKE_STACK_NAME, SERVERLESS_STACK_NAME, ICEBERG_STACK_NAME]
# IcebergExample: each table's partition column (partitioned by its hour: the shared layout is
# hourly), and the Glue table optimizers the library adds to every Iceberg table by default.
ICEBERG_PARTITION_COLUMNS = {"events": "event_time", "orders": "updated_at"}
ICEBERG_OPTIMIZER_TYPES = ["compaction", "orphan_file_deletion", "retention"]
ORDERS_SNAPSHOT_RETENTION_DAYS = 7
ORDERS_BUFFERING_SECONDS = 60
LAMBDA_RUNTIME = "nodejs24.x"
FIREHOSE_LOG_PREFIX = "/aws/kinesisfirehose/"
FIREHOSE_LOG_GROUPS = "/aws/kinesisfirehose/*-"
# The runtime family of aws-cdk-lib's bucket-notification handler (inline Python code; the exact
# version is aws-cdk-lib's choice).
NOTIFICATIONS_RUNTIME_PREFIX = "python3."
# What every log group name of the library ends in: the first group of hex digits of the stack's
# UUID (the last part of its ID), new with each creation of the stack.
STACK_SUFFIX = {
    "Fn::Select": [0, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}],
}
HOURLY_LOCATION = "year=${year}/month=${month}/day=${day}/hour=${hour}/"
HOURLY_FIREHOSE = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
# The Glue types the orders schema must render to, written out here rather than taken from the
# binding, so that the check compares the library's output with the Hive DDL Glue expects.
SHIPPING_TYPE = "struct<street:string,city:string,postcode:varchar(16),lines:array<string>>"
ORDERS_COLUMNS = [
    ("order_id", "string"),
    ("customer_id", "bigint"),
    ("ordered_at", "timestamp"),
    ("amount", "decimal(12,2)"),
    ("customer_email", "varchar(64)"),
    ("country", "char(2)"),
    ("tags", "array<string>"),
    ("item_quantities", "map<string,bigint>"),
    ("shipping", SHIPPING_TYPE),
]
PAYMENTS_COLUMNS = [
    ("payment_id", "string"),
    ("order_id", "string"),
    ("paid_at", "timestamp"),
    ("amount", "decimal(12,2)"),
]


class CheckFailed(Exception):
    """A check of this example failed."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def references(value: Any, logical_id: str) -> bool:
    """True when `value` is a `Ref` or `Fn::GetAtt` of the resource `logical_id`."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    if value.get("Ref") == logical_id:
        return True
    get_att = value.get("Fn::GetAtt")
    return isinstance(get_att, (list, tuple)) and len(get_att) == 2 and get_att[0] == logical_id


def only(resources: Mapping[str, Any], resource_type: str) -> tuple:
    check(len(resources) == 1, f"expected exactly one {resource_type}, found {len(resources)}: {sorted(resources)}")
    return next(iter(resources.items()))


def check_shard_calculator() -> str:
    estimate = ShardCalculator.calculate(
        records_per_second=RECORDS_PER_SECOND,
        average_record_size=cdk.Size.bytes(RECORD_BYTES),
    )
    check(
        estimate.shard_count == EXPECTED_SHARDS,
        f"ShardCalculator: expected {EXPECTED_SHARDS} shards, got {estimate.shard_count} ({estimate.reason})",
    )
    check(
        isinstance(estimate.limiting_factor, ShardLimit),
        f"ShardCalculator: limiting_factor should be a ShardLimit, got {type(estimate.limiting_factor).__name__}",
    )
    check(
        estimate.limiting_factor == EXPECTED_LIMIT,
        f"ShardCalculator: expected {EXPECTED_LIMIT.name}, got {estimate.limiting_factor} ({estimate.reason})",
    )
    check(estimate.write_records_shards == 4, f"write_records_shards: expected 4, got {estimate.write_records_shards}")
    check(estimate.write_bytes_shards == 2, f"write_bytes_shards: expected 2, got {estimate.write_bytes_shards}")
    check(estimate.read_bytes_shards == 1, f"read_bytes_shards: expected 1, got {estimate.read_bytes_shards}")
    check(estimate.enhanced_fan_out_shards == 0, f"enhanced_fan_out_shards: expected 0, got {estimate.enhanced_fan_out_shards}")
    check(
        estimate.bytes_per_second == RECORDS_PER_SECOND * RECORD_BYTES,
        f"bytes_per_second: expected {RECORDS_PER_SECOND * RECORD_BYTES}, got {estimate.bytes_per_second}",
    )
    check(list(estimate.warnings) == [], f"warnings: expected none, got {list(estimate.warnings)}")
    return f"{RECORDS_PER_SECOND} records/s x {RECORD_BYTES} B -> {estimate.shard_count} shards ({estimate.limiting_factor.name})"


def check_template(stack: cdk.Stack) -> str:
    template = Template.from_stack(stack)
    retain = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}

    template.resource_count_is("AWS::KMS::Key", 1)
    template.has_resource("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, **retain})
    key_id, _ = only(template.find_resources("AWS::KMS::Key"), "AWS::KMS::Key")

    template.resource_count_is("AWS::Kinesis::Stream", 1)
    template.has_resource(
        "AWS::Kinesis::Stream",
        {
            "Properties": {
                "ShardCount": 1,
                "RetentionPeriodHours": 168,
                "StreamEncryption": {"EncryptionType": "KMS"},
            },
            **retain,
        },
    )
    stream_id, stream = only(template.find_resources("AWS::Kinesis::Stream"), "AWS::Kinesis::Stream")
    key_ref = stream["Properties"]["StreamEncryption"].get("KeyId")
    check(references(key_ref, key_id), f"stream {stream_id}: KeyId should reference the key {key_id}, got {key_ref}")

    return f"1 AWS::Kinesis::Stream ({stream_id}: 1 shard, 168 h, KMS) + 1 AWS::KMS::Key ({key_id}: rotation on), both Retain"


def actions_of(statement: Mapping[str, Any]) -> list:
    """A policy statement's actions as a list."""
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def granted(template: Template, role_id: str) -> dict:
    """What the `AWS::IAM::Policy` resources attached to a role allow: action -> resources (as JSON)."""
    grants: dict = {}
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                check(statement.get("Effect") == "Allow", f"role {role_id}: unexpected statement {statement}")
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                for action in actions_of(statement):
                    grants.setdefault(action, []).extend(json.dumps(r, sort_keys=True) for r in resources)
    return grants


def resource_id(stack: cdk.Stack, token: Any) -> str:
    """The logical ID a token (e.g. `bucket.bucket_name`, `fn.function_arn`) resolves to a `Ref` or `Fn::GetAtt` of."""
    resolved = stack.resolve(token)
    check(isinstance(resolved, Mapping) and len(resolved) == 1, f"expected a Ref or Fn::GetAtt, got {resolved}")
    if "Ref" in resolved:
        return resolved["Ref"]
    get_att = resolved.get("Fn::GetAtt")
    check(isinstance(get_att, (list, tuple)) and len(get_att) == 2, f"expected a Ref or Fn::GetAtt, got {resolved}")
    return get_att[0]


def join_parts(value: Any) -> list:
    """The parts of an `Fn::Join` with the empty delimiter, or the value itself as one part."""
    if isinstance(value, Mapping) and "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        check(delimiter == "", f"expected Fn::Join with the empty delimiter, got {value}")
        return list(parts)
    return [value]


def by_property(resources: Mapping[str, Any], resource_type: str, what: str, key) -> dict:
    """The resources of one type keyed by `key(properties)`, which must be unique."""
    found = {}
    for logical_id, resource in resources.items():
        k = key(resource["Properties"])
        check(k not in found, f"two {resource_type} resources with {what} {k!r}: {found.get(k)} and {logical_id}")
        found[k] = (logical_id, resource["Properties"])
    return found


def check_column_types() -> str:
    """`ColumnType` members and factories, and the properties of the objects they return."""
    expected = [
        ("STRING", ColumnType.STRING, "string", True),
        ("BIGINT", ColumnType.BIGINT, "bigint", True),
        ("TIMESTAMP", ColumnType.TIMESTAMP, "timestamp", True),
        ("decimal(12, 2)", ColumnType.decimal(12, 2), "decimal(12,2)", True),
        ("varchar(64)", ColumnType.varchar(64), "varchar(64)", True),
        ("fixed_char(2)", ColumnType.fixed_char(2), "char(2)", True),
        # Deprecated (Java sees it as doChar): still there, and the same type as fixed_char.
        ("char(2)", ColumnType.char(2), "char(2)", True),
        ("array(STRING)", ColumnType.array(ColumnType.STRING), "array<string>", False),
        ("map(STRING, BIGINT)", ColumnType.map(ColumnType.STRING, ColumnType.BIGINT), "map<string,bigint>", False),
    ]
    for call, column_type, input_string, primitive in expected:
        check(isinstance(column_type, ColumnType), f"ColumnType.{call}: expected a ColumnType, got {type(column_type).__name__}")
        check(column_type.input_string == input_string, f"ColumnType.{call}.input_string: expected {input_string!r}, got {column_type.input_string!r}")
        check(column_type.is_primitive is primitive, f"ColumnType.{call}.is_primitive: expected {primitive}, got {column_type.is_primitive}")
    return f"{len(expected)} ColumnTypes"


def expect_rejected(what: str, build, message_start: str) -> None:
    """`build()` must raise the library's error, its message starting with `message_start`."""
    try:
        build()
    except RuntimeError as error:  # jsii raises the JavaScript error as a RuntimeError
        # From a static method jsii hands over the error as `<name>: <message>`, from a
        # constructor as the message alone.
        message = str(error).removeprefix(f"{LIBRARY_ERROR}: ")
        check(message.startswith(message_start), f"{what}: expected an error starting {message_start!r}, got {message!r}")
        return
    raise CheckFailed(f"{what}: expected the library to reject it, but it was accepted")


def check_rejections() -> str:
    """What the library refuses when the construct is defined, in a scratch app that is never synthesized."""
    scratch = cdk.Stack(cdk.App(), "Rejections")
    ingest = StreamIngest(scratch, "Ingest")
    lake = PartitionedParquetLake(scratch, "Lake")
    catalog = CrawledCatalog(
        scratch,
        "Catalog",
        bucket=lake.bucket,
        layout=lake.layout,
        table_name="orders",
        schema=TableSchema([Column(name="order_id", type=ColumnType.STRING)]),
    )
    # Before Parquet a newline does nothing: the bundled Lambda would only add an invocation.
    expect_rejected(
        "NewlineStrategy.bundled_function() with a Parquet table",
        lambda: NewlineTransformFirehose(
            scratch,
            "Delivery",
            stream=ingest.stream,
            bucket=lake.bucket,
            layout=lake.layout,
            table_name="orders",
            table=catalog.table,
            newline=NewlineStrategy.bundled_function(),
        ),
        # The library's messages name its API as TypeScript spells it.
        "NewlineTransformFirehose at 'Rejections/Delivery': newline NewlineStrategy.bundledFunction() has no effect with table (Parquet)",
    )
    # Without a schema the crawler creates the table, so a description would never be set.
    expect_rejected(
        "table_description without schema",
        lambda: CrawledCatalog(
            scratch,
            "Described",
            bucket=lake.bucket,
            layout=lake.layout,
            table_name="raw_events",
            table_description="Raw events, as the crawler finds them",
        ),
        "CrawledCatalog at 'Rejections/Described': tableDescription describes the table this construct declares, got it without schema",
    )
    # A value object's validation: the message names the method as every binding spells it.
    expect_rejected(
        "ColumnType.fixed_char(256)",
        lambda: ColumnType.fixed_char(256),
        "ColumnType.fixedChar: length must be a whole number from 1 to 255, got 256: or use ColumnType.varchar(n) for longer values",
    )
    return "3 rejections (bundled_function with a Parquet table, table_description without schema, fixed_char(256))"


def build_lake(app: cdk.App) -> dict:
    """The LakeExample stack: every construct of the library, wired as in the README."""
    stack = cdk.Stack(app, LAKE_STACK_NAME, description=LAKE_STACK_DESCRIPTION)

    # Sized for the same load as check_shard_calculator: 4 shards. The encryption and database
    # choices spelled out below are the defaults, given so that every value object of the library
    # crosses the binding.
    ingest = StreamIngest(
        stack,
        "Ingest",
        capacity=StreamCapacity.from_throughput(
            records_per_second=RECORDS_PER_SECOND,
            average_record_size=cdk.Size.bytes(RECORD_BYTES),
        ),
        encryption=IngestEncryption.customer_managed_key(),
    )
    lake = PartitionedParquetLake(
        stack,
        "Lake",
        layout=PartitionLayout.hourly(),
        event_bridge_enabled=True,
        encryption=LakeEncryption.customer_managed_key(),
    )

    orders_schema = TableSchema([
        Column(name="order_id", type=ColumnType.STRING, comment="unique per order"),
        Column(name="customer_id", type=ColumnType.BIGINT),
        Column(name="ordered_at", type=ColumnType.TIMESTAMP),
        Column(name="amount", type=ColumnType.decimal(12, 2), comment="order total in EUR"),
        Column(name="customer_email", type=ColumnType.varchar(64)),
        Column(name="country", type=ColumnType.fixed_char(2), comment="ISO 3166-1 alpha-2"),
        Column(name="tags", type=ColumnType.array(ColumnType.STRING)),
        Column(name="item_quantities", type=ColumnType.map(ColumnType.STRING, ColumnType.BIGINT)),
        Column(
            name="shipping",
            type=ColumnType.struct([
                Column(name="street", type=ColumnType.STRING),
                Column(name="city", type=ColumnType.STRING),
                Column(name="postcode", type=ColumnType.varchar(16)),
                Column(name="lines", type=ColumnType.array(ColumnType.STRING)),
            ]),
        ),
    ])
    payments_schema = TableSchema([
        Column(name="payment_id", type=ColumnType.STRING),
        Column(name="order_id", type=ColumnType.STRING),
        Column(name="paid_at", type=ColumnType.TIMESTAMP),
        Column(name="amount", type=ColumnType.decimal(12, 2)),
    ])

    # Schema-first with partition projection (the default with a schema).
    catalog = CrawledCatalog(
        stack,
        "Catalog",
        bucket=lake.bucket,
        layout=lake.layout,
        table_name="orders",
        schema=orders_schema,
        database=CatalogDatabase.define(),
    )
    # Schema-first with event-driven partition registration (needs EventBridge on the lake).
    payments = CrawledCatalog(
        stack,
        "Payments",
        bucket=lake.bucket,
        layout=lake.layout,
        table_name="payments",
        schema=payments_schema,
        partition_discovery=PartitionDiscovery.event_driven(),
    )
    # Schema-on-read: the crawler creates the table from the JSON lines it finds.
    raw_events = CrawledCatalog(
        stack,
        "RawEvents",
        bucket=lake.bucket,
        layout=lake.layout,
        table_name="raw_events",
        partition_discovery=PartitionDiscovery.crawler(recrawl_policy=RecrawlPolicy.NEW_FOLDERS_ONLY),
    )

    # Each delivery reads its own stream: a delivery stream reads every record of its stream, so
    # two tables fed from one stream would each receive every record.
    raw_ingest = StreamIngest(stack, "RawIngest")
    # Parquet against the orders table: Firehose converts the JSON itself, no processor runs (the
    # default with a table).
    delivery = NewlineTransformFirehose(
        stack,
        "Delivery",
        stream=ingest.stream,
        bucket=lake.bucket,
        layout=lake.layout,
        table_name="orders",
        table=catalog.table,
    )
    # JSON lines (GZIP) for the crawler, newline by Firehose's built-in processor.
    raw_delivery = NewlineTransformFirehose(
        stack,
        "RawDelivery",
        stream=raw_ingest.stream,
        bucket=lake.bucket,
        layout=lake.layout,
        table_name="raw_events",
        newline=NewlineStrategy.append_delimiter(),
    )

    role = iam.Role(
        stack,
        "Application",
        assumed_by=iam.AccountRootPrincipal(),
        description="Example application: puts records into the orders stream and queries the orders table",
    )
    read_grant = catalog.grant_read(role)
    write_grant = ingest.grant_write(role)

    # What the constructs expose, read back through the binding before synthesis.
    estimate = ingest.shard_estimate
    check(estimate is not None, "LakeExample StreamIngest.shard_estimate: expected the estimate of from_throughput, got None")
    check(estimate.shard_count == EXPECTED_SHARDS, f"LakeExample StreamIngest.shard_estimate.shard_count: expected {EXPECTED_SHARDS}, got {estimate.shard_count}")
    check(estimate.limiting_factor == EXPECTED_LIMIT, f"LakeExample StreamIngest.shard_estimate.limiting_factor: expected {EXPECTED_LIMIT}, got {estimate.limiting_factor}")
    # Value objects compare by name: jsii gives Python a new proxy object for each reference that
    # comes back from JavaScript, so the same JavaScript object is not `==` to itself in Python.
    granularity = lake.layout.granularity.name
    check(granularity == PartitionGranularity.HOURLY.name == "HOURLY", f"PartitionLayout.hourly().granularity: expected HOURLY, got {granularity}")
    check(list(lake.layout.partition_keys) == ["year", "month", "day", "hour"], f"PartitionLayout.hourly().partition_keys: got {list(lake.layout.partition_keys)}")
    check(lake.data_prefix("orders") == f"orders/{HOURLY_FIREHOSE}", f"PartitionedParquetLake.data_prefix('orders'): got {lake.data_prefix('orders')!r}")
    check(catalog.table is not None and catalog.crawler is None, "CrawledCatalog 'orders': expected a declared table and no crawler")
    check(payments.registration_function is not None, "CrawledCatalog 'payments': expected the registration function")
    check(raw_events.table is None and raw_events.crawler is not None, "CrawledCatalog 'raw_events': expected a crawler and no declared table")
    check(raw_ingest.shard_estimate is None, "LakeExample StreamIngest 'RawIngest': expected no shard estimate for the default capacity")
    check(delivery.converts_to_parquet and delivery.processor_function is None, "NewlineTransformFirehose 'orders': expected Parquet and no processor Lambda")
    check(not raw_delivery.converts_to_parquet and raw_delivery.processor_function is None, "NewlineTransformFirehose 'raw_events': expected JSON lines and no processor Lambda")
    check(read_grant.success and write_grant.success, "grant_read / grant_write: expected both grants to succeed")

    return {
        "stack": stack,
        "ingest": ingest,
        "raw_ingest": raw_ingest,
        "lake": lake,
        "catalog": catalog,
        "payments": payments,
        "raw_events": raw_events,
        "delivery": delivery,
        "raw_delivery": raw_delivery,
        "role": role,
    }


def build_serverless_lake(app: cdk.App) -> cdk.Stack:
    """The ServerlessDataLakeExample stack, as examples/typescript/stacks.ts defines it: the same
    stack name, construct IDs and options, so that its logical IDs are the TypeScript template's."""
    stack = cdk.Stack(app, SERVERLESS_STACK_NAME, description=SERVERLESS_STACK_DESCRIPTION)
    # Schema-first (Parquet, projection), monitored with a new topic for its alarms, and a batch
    # trigger for replays of the raw backup and the error output, invoked by you (replay_payload).
    click_lake = ServerlessDataLake(
        stack,
        "Clicks",
        table_name="clicks",
        columns=[
            Column(name="event_id", type=ColumnType.STRING),
            Column(name="user_id", type=ColumnType.BIGINT),
            Column(name="amount", type=ColumnType.decimal(10, 2)),
            Column(name="event_time", type=ColumnType.TIMESTAMP),
        ],
        monitoring_options=LakeMonitoringOptions(alarm_actions=LakeAlarmActions.new_topic()),
        batch_trigger=LakeBatchTriggerOptions(source=BatchTriggerSource.direct_invoke()),
    )
    # Schema-on-read (JSON lines, newline Lambda, crawler), sharing the first lake's bucket, key,
    # database and workgroup.
    raw_lake = ServerlessDataLake(stack, "Raw", table_name="raw_events", share_with=click_lake)
    producer = iam.Role(
        stack,
        "Producer",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="Example producer: may put records into the clicks and raw_events streams",
    )
    click_lake.grant_write(producer)
    raw_lake.grant_write(producer)
    analyst = iam.Role(
        stack,
        "Analyst",
        assumed_by=iam.AccountRootPrincipal(),
        description="Example analyst: may query the clicks table",
    )
    click_lake.grant_query(analyst)
    cdk.CfnOutput(stack, "ClicksStreamName", value=click_lake.ingest.stream.stream_name)
    cdk.CfnOutput(stack, "WorkGroupName", value=click_lake.query_layer.work_group_name)
    cdk.CfnOutput(stack, "DatabaseName", value=click_lake.catalog.database_name)

    # What the facade exposes, read back through the binding before synthesis.
    check(click_lake.schema is not None and raw_lake.schema is None, "ServerlessDataLake: expected a schema for clicks and none for raw_events")
    check(click_lake.monitoring is not None and raw_lake.monitoring is not None, "ServerlessDataLake: expected monitoring on both lakes (the default)")
    check(click_lake.batch_trigger is not None and raw_lake.batch_trigger is None, "ServerlessDataLake: expected a batch trigger on clicks only")
    check(click_lake.batch_trigger.uses_bundled_producer, "ServerlessDataLake 'clicks': expected the bundled producer")
    check(raw_lake.lake.bucket.bucket_name == click_lake.lake.bucket.bucket_name, "ServerlessDataLake 'raw_events': expected the clicks lake's bucket (share_with)")
    payload = json.loads(
        click_lake.batch_trigger.replay_payload(
            table="clicks",
            start=datetime(2026, 12, 1, tzinfo=timezone.utc),
            end=datetime(2026, 12, 2, tzinfo=timezone.utc),
        )
    )
    expected_payload = {"replay": {"table": "clicks", "from": "2026-12-01T00:00:00.000Z", "to": "2026-12-02T00:00:00.000Z", "source": "raw"}}
    check(payload == expected_payload, f"BatchTrigger.replay_payload: expected {expected_payload}, got {payload}")
    return stack


def build_iceberg_lake(app: cdk.App) -> cdk.Stack:
    """The IcebergExample stack, as examples/typescript/stacks.ts defines it: the same stack name,
    construct IDs and options, so that its logical IDs are the TypeScript template's."""
    stack = cdk.Stack(app, ICEBERG_STACK_NAME, description=ICEBERG_STACK_DESCRIPTION)
    # An append-only event table, partitioned by the hour of its event time.
    events_lake = ServerlessDataLake(
        stack,
        "Events",
        table_name="events",
        columns=[
            Column(name="event_id", type=ColumnType.STRING),
            Column(name="user_id", type=ColumnType.BIGINT),
            Column(name="kind", type=ColumnType.STRING),
            Column(name="event_time", type=ColumnType.TIMESTAMP, comment="when it happened (UTC); send epoch microseconds or ISO-8601"),
        ],
        catalog=CatalogOptions(table_format=TableFormat.iceberg(partition_column="event_time")),
    )
    # An orders table Firehose upserts by order id, partitioned by the hour of its update time,
    # sharing the first lake's bucket, key, database and workgroup.
    orders_lake = ServerlessDataLake(
        stack,
        "Orders",
        table_name="orders",
        columns=[
            Column(name="order_id", type=ColumnType.STRING),
            Column(name="status", type=ColumnType.STRING),
            Column(name="amount", type=ColumnType.decimal(12, 2)),
            Column(name="updated_at", type=ColumnType.TIMESTAMP),
        ],
        share_with=events_lake,
        catalog=CatalogOptions(
            table_format=TableFormat.iceberg(
                partition_column="updated_at",
                unique_keys=["order_id"],
                snapshot_retention_period=cdk.Duration.days(ORDERS_SNAPSHOT_RETENTION_DAYS),
            ),
        ),
        delivery=DeliveryOptions(buffering_interval=cdk.Duration.seconds(ORDERS_BUFFERING_SECONDS)),
    )
    analyst = iam.Role(
        stack,
        "Analyst",
        assumed_by=iam.AccountRootPrincipal(),
        description="Example analyst: may query the events and orders tables",
    )
    events_lake.grant_query(analyst)
    orders_lake.grant_query(analyst)

    # What the catalog exposes, read back through the binding before synthesis.
    for lake in (events_lake, orders_lake):
        table_format = lake.catalog.table_format
        check(table_format.is_iceberg and table_format.name == "ICEBERG", f"ServerlessDataLake {lake.table_name!r}: expected an Iceberg table, got {table_format.name}")
        check(
            len(lake.catalog.table_optimizers) == len(ICEBERG_OPTIMIZER_TYPES),
            f"ServerlessDataLake {lake.table_name!r}: expected {len(ICEBERG_OPTIMIZER_TYPES)} table optimizers, got {len(lake.catalog.table_optimizers)}",
        )
    options = orders_lake.catalog.table_format.iceberg_options
    check(
        options is not None and list(options.unique_keys or []) == ["order_id"] and options.partition_column == "updated_at",
        f"ServerlessDataLake 'orders': expected the Iceberg options unique_keys ['order_id'] and partition_column updated_at, got {options}",
    )
    check(
        options.snapshot_retention_period.to_days() == ORDERS_SNAPSHOT_RETENTION_DAYS,
        f"ServerlessDataLake 'orders': expected a snapshot retention period of {ORDERS_SNAPSHOT_RETENTION_DAYS} days, got {options.snapshot_retention_period}",
    )
    check(
        orders_lake.lake.bucket.bucket_name == events_lake.lake.bucket.bucket_name,
        "ServerlessDataLake 'orders': expected the events lake's bucket (share_with)",
    )
    return stack


def resource_types(template: Mapping[str, Any]) -> dict:
    """Resource type -> sorted logical IDs of a template."""
    by_type: dict = {}
    for logical_id, resource in template.get("Resources", {}).items():
        by_type.setdefault(resource["Type"], []).append(logical_id)
    return {t: sorted(ids) for t, ids in sorted(by_type.items())}


def counts_line(by_type: Mapping[str, list]) -> str:
    return ", ".join(f"{len(ids)} {t}" for t, ids in by_type.items())


def typescript_template_file(stack_name: str) -> Path:
    """The TypeScript example's template of a stack: `<stack>.template.json` in its cloud assembly."""
    configured = os.environ.get(TYPESCRIPT_ASSEMBLY_VARIABLE)
    assembly = Path(configured).resolve() if configured else TYPESCRIPT_ASSEMBLY
    return assembly / f"{stack_name}.template.json"


def check_same_as_typescript(stack_name: str, template_file: Path) -> str:
    """The Python template has the TypeScript template's resource types with the same counts, the
    same logical IDs per type and the same outputs; a difference is reported type by type."""
    ts_file = typescript_template_file(stack_name)
    check(
        ts_file.is_file(),
        f"{stack_name}: no TypeScript template at {ts_file}: run `npm run example` at the repository root first "
        f"(or set {TYPESCRIPT_ASSEMBLY_VARIABLE} to the directory of its cloud assembly)",
    )
    ts_template = json.loads(ts_file.read_text())
    template = json.loads(template_file.read_text())
    ts_types, py_types = resource_types(ts_template), resource_types(template)
    problems = []
    for resource_type in sorted(set(ts_types) | set(py_types)):
        ts_ids, py_ids = ts_types.get(resource_type, []), py_types.get(resource_type, [])
        if len(ts_ids) != len(py_ids):
            problems.append(f"{resource_type}: TypeScript {len(ts_ids)}, Python {len(py_ids)}")
        if ts_ids != py_ids:
            only_ts = sorted(set(ts_ids) - set(py_ids))
            only_py = sorted(set(py_ids) - set(ts_ids))
            problems.append(f"{resource_type}: logical IDs only in TypeScript {only_ts}, only in Python {only_py}")
    ts_outputs, py_outputs = ts_template.get("Outputs", {}), template.get("Outputs", {})
    if ts_outputs != py_outputs:
        problems.append(f"Outputs: TypeScript {json.dumps(ts_outputs, sort_keys=True)}, Python {json.dumps(py_outputs, sort_keys=True)}")
    if ts_template.get("Description") != template.get("Description"):
        problems.append(f"Description: TypeScript {ts_template.get('Description')!r}, Python {template.get('Description')!r}")
    ts_count = sum(len(ids) for ids in ts_types.values())
    py_count = sum(len(ids) for ids in py_types.values())
    check(
        not problems,
        f"{stack_name}: the Python template {os.path.relpath(template_file)} ({py_count} resources) differs from the "
        f"TypeScript template {os.path.relpath(ts_file)} ({ts_count} resources):\n  " + "\n  ".join(problems)
        + f"\n  TypeScript: {counts_line(ts_types)}\n  Python:     {counts_line(py_types)}",
    )
    outputs = f"the same outputs ({', '.join(sorted(py_outputs))})" if py_outputs else "no outputs in either"
    return (
        f"{py_count} resources of {len(py_types)} types, the same types, counts and logical IDs as the TypeScript template "
        f"{os.path.relpath(ts_file)} ({counts_line(py_types)}); {outputs}"
    )


def check_iceberg_template(template_file: Path) -> str:
    """The Iceberg facts of this app's own IcebergExample template: the Glue tables, their
    optimizers and the Firehose Iceberg destinations."""
    resources = json.loads(template_file.read_text())["Resources"]

    def of_type(resource_type: str) -> dict:
        return {logical_id: r for logical_id, r in resources.items() if r["Type"] == resource_type}

    tables = by_property(of_type("AWS::Glue::Table"), "AWS::Glue::Table", "name", lambda p: p.get("Name"))
    check(sorted(tables) == sorted(ICEBERG_PARTITION_COLUMNS), f"AWS::Glue::Table: expected {sorted(ICEBERG_PARTITION_COLUMNS)}, got {sorted(tables)}")
    shown = []
    for table_name, partition_column in sorted(ICEBERG_PARTITION_COLUMNS.items()):
        table_id, table = tables[table_name]
        check("TableInput" not in table, f"table {table_name} ({table_id}): an Iceberg table has no Hive TableInput, got {sorted(table)}")
        iceberg = table.get("OpenTableFormatInput", {}).get("IcebergInput", {}).get("IcebergTableInput")
        check(isinstance(iceberg, Mapping), f"table {table_name} ({table_id}): expected OpenTableFormatInput.IcebergInput.IcebergTableInput, got {table.get('OpenTableFormatInput')}")
        field_ids = {f["Name"]: f["Id"] for f in iceberg["Schema"]["Fields"]}
        partition = [(f.get("Transform"), f.get("SourceId")) for f in iceberg.get("PartitionSpec", {}).get("Fields", [])]
        expected_partition = [("hour", field_ids.get(partition_column))]
        check(
            partition == expected_partition,
            f"table {table_name} ({table_id}): expected the partition spec hour({partition_column}) {expected_partition}, got {partition}",
        )
        identifiers = iceberg["Schema"].get("IdentifierFieldIds")
        if table_name == "orders":
            check(identifiers == [1] and field_ids.get("order_id") == 1, f"table orders ({table_id}): expected IdentifierFieldIds [1] (order_id), got {identifiers} of {field_ids}")
        else:
            check(identifiers is None, f"table {table_name} ({table_id}): expected no IdentifierFieldIds (append-only), got {identifiers}")
        shown.append(f"{table_name}: hour({partition_column})" + (f", identifier fields {identifiers}" if identifiers else ""))

    optimizers: dict = {}
    for logical_id, optimizer in of_type("AWS::Glue::TableOptimizer").items():
        optimizers.setdefault(optimizer["Properties"]["TableName"], {})[optimizer["Properties"]["Type"]] = (logical_id, optimizer["Properties"])
    for table_name in sorted(ICEBERG_PARTITION_COLUMNS):
        kinds = optimizers.get(table_name, {})
        check(sorted(kinds) == ICEBERG_OPTIMIZER_TYPES, f"AWS::Glue::TableOptimizer of {table_name}: expected {ICEBERG_OPTIMIZER_TYPES}, got {sorted(kinds)}")
        for kind, (logical_id, optimizer) in kinds.items():
            check(optimizer["TableOptimizerConfiguration"].get("Enabled") is True, f"optimizer {logical_id} ({table_name} {kind}): expected Enabled true")
    check(sorted(optimizers) == sorted(ICEBERG_PARTITION_COLUMNS), f"AWS::Glue::TableOptimizer: expected optimizers of {sorted(ICEBERG_PARTITION_COLUMNS)} only, got {sorted(optimizers)}")
    _, retention = optimizers["orders"]["retention"]
    days = retention["TableOptimizerConfiguration"]["RetentionConfiguration"]["IcebergConfiguration"].get("SnapshotRetentionPeriodInDays")
    check(days == ORDERS_SNAPSHOT_RETENTION_DAYS, f"retention optimizer of orders: expected SnapshotRetentionPeriodInDays {ORDERS_SNAPSHOT_RETENTION_DAYS}, got {days}")

    def destination_table(properties: Mapping[str, Any]) -> Any:
        destination = properties.get("IcebergDestinationConfiguration")
        check(isinstance(destination, Mapping), f"delivery stream: expected an IcebergDestinationConfiguration, got {sorted(properties)}")
        check("ExtendedS3DestinationConfiguration" not in properties, "delivery stream: expected no ExtendedS3DestinationConfiguration beside the Iceberg destination")
        table_list = destination.get("DestinationTableConfigurationList", [])
        check(len(table_list) == 1, f"delivery stream: expected one destination table, got {table_list}")
        return table_list[0].get("DestinationTableName")

    streams = by_property(of_type("AWS::KinesisFirehose::DeliveryStream"), "AWS::KinesisFirehose::DeliveryStream", "destination table", destination_table)
    check(sorted(streams) == sorted(ICEBERG_PARTITION_COLUMNS), f"AWS::KinesisFirehose::DeliveryStream: expected {sorted(ICEBERG_PARTITION_COLUMNS)}, got {sorted(streams)}")
    expected_streams = {"events": (True, None), "orders": (False, ["order_id"])}
    for table_name, (append_only, unique_keys) in sorted(expected_streams.items()):
        stream_id, stream = streams[table_name]
        destination = stream["IcebergDestinationConfiguration"]
        got = (destination.get("AppendOnly"), destination["DestinationTableConfigurationList"][0].get("UniqueKeys"))
        check(got == (append_only, unique_keys), f"delivery stream {stream_id} ({table_name}): expected (AppendOnly, UniqueKeys) {(append_only, unique_keys)}, got {got}")
    interval = streams["orders"][1]["IcebergDestinationConfiguration"].get("BufferingHints", {}).get("IntervalInSeconds")
    check(interval == ORDERS_BUFFERING_SECONDS, f"delivery stream of orders: expected BufferingHints.IntervalInSeconds {ORDERS_BUFFERING_SECONDS}, got {interval}")

    return (
        f"2 Iceberg AWS::Glue::Table ({'; '.join(shown)}), {len(ICEBERG_OPTIMIZER_TYPES)} AWS::Glue::TableOptimizer per table "
        f"({', '.join(ICEBERG_OPTIMIZER_TYPES)}; orders retention {days} days), 2 Iceberg delivery streams "
        f"(events AppendOnly; orders UniqueKeys ['order_id'], buffering {interval} s)"
    )


def check_lake_template(lake: dict) -> tuple:
    stack = lake["stack"]
    template = Template.from_stack(stack)
    bucket_id = resource_id(stack, lake["lake"].bucket.bucket_name)
    lake_key_id = resource_id(stack, lake["lake"].encryption_key.key_arn)

    # Kinesis: one stream per delivery (a delivery stream reads every record of its stream); the
    # orders stream sized by the calculator, the raw events stream with the default single shard.
    template.resource_count_is("AWS::Kinesis::Stream", 2)
    orders_stream_id = resource_id(stack, lake["ingest"].stream.stream_arn)
    raw_stream_id = resource_id(stack, lake["raw_ingest"].stream.stream_arn)
    shards = {logical_id: s["Properties"]["ShardCount"] for logical_id, s in template.find_resources("AWS::Kinesis::Stream").items()}
    expected_shards = {orders_stream_id: EXPECTED_SHARDS, raw_stream_id: 1}
    check(shards == expected_shards, f"AWS::Kinesis::Stream: expected shard counts {expected_shards}, got {shards}")

    # Glue: the two declared tables; raw_events is left to its crawler.
    template.resource_count_is("AWS::Glue::Table", 2)
    tables = by_property(template.find_resources("AWS::Glue::Table"), "AWS::Glue::Table", "name", lambda p: p["TableInput"]["Name"])
    check(sorted(tables) == ["orders", "payments"], f"AWS::Glue::Table: expected orders and payments, got {sorted(tables)}")
    orders_id, orders = tables["orders"]
    parameters = orders["TableInput"]["Parameters"]
    check(parameters.get("projection.enabled") == "true", f"table orders: projection.enabled should be 'true', got {parameters.get('projection.enabled')!r}")
    location = join_parts(parameters.get("storage.location.template"))
    expected_location = ["s3://", {"Ref": bucket_id}, f"/orders/{HOURLY_LOCATION}"]
    check(location == expected_location, f"table orders: storage.location.template should be {expected_location}, got {location}")
    check(location[-1].endswith(f"/orders/{HOURLY_LOCATION}"), f"table orders: storage.location.template should end in /orders/{HOURLY_LOCATION}")
    columns = [(c["Name"], c["Type"]) for c in orders["TableInput"]["StorageDescriptor"]["Columns"]]
    check(columns == ORDERS_COLUMNS, f"table orders: columns should be {ORDERS_COLUMNS}, got {columns}")
    for glue_type in ("decimal(12,2)", "char(2)", "map<string,bigint>", SHIPPING_TYPE):
        check(glue_type in {t for _, t in columns}, f"table orders: no column of type {glue_type}")
    _, payments = tables["payments"]
    check("projection.enabled" not in payments["TableInput"]["Parameters"], "table payments: partitions are registered from events, not projected")
    payment_columns = [(c["Name"], c["Type"]) for c in payments["TableInput"]["StorageDescriptor"]["Columns"]]
    check(payment_columns == PAYMENTS_COLUMNS, f"table payments: columns should be {PAYMENTS_COLUMNS}, got {payment_columns}")

    template.resource_count_is("AWS::Glue::Crawler", 1)
    crawler_id, crawler = only(template.find_resources("AWS::Glue::Crawler"), "AWS::Glue::Crawler")
    check(crawler["Properties"]["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}, f"crawler {crawler_id}: expected CRAWL_NEW_FOLDERS_ONLY, got {crawler['Properties']['RecrawlPolicy']}")
    # RecrawlPolicy values are compared by identity in the library: LOG/LOG shows that the policy
    # passed from Python arrived as RecrawlPolicy.NEW_FOLDERS_ONLY itself.
    change_policy = crawler["Properties"]["SchemaChangePolicy"]
    check(change_policy == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}, f"crawler {crawler_id}: NEW_FOLDERS_ONLY needs LOG/LOG, got {change_policy}")
    paths = [join_parts(t["Path"]) for t in crawler["Properties"]["Targets"]["S3Targets"]]
    check(paths == [["s3://", {"Ref": bucket_id}, "/raw_events/"]], f"crawler {crawler_id}: expected the raw_events folder, got {paths}")

    # Firehose: Parquet for orders with no processor, JSON lines for raw_events, each from its own stream.
    template.resource_count_is("AWS::KinesisFirehose::DeliveryStream", 2)
    streams = by_property(
        template.find_resources("AWS::KinesisFirehose::DeliveryStream"),
        "AWS::KinesisFirehose::DeliveryStream",
        "Prefix",
        lambda p: p["ExtendedS3DestinationConfiguration"]["Prefix"],
    )
    parquet_prefix, json_prefix = f"orders/{HOURLY_FIREHOSE}", f"raw_events/{HOURLY_FIREHOSE}"
    check(sorted(streams) == sorted([parquet_prefix, json_prefix]), f"delivery stream prefixes: expected {parquet_prefix} and {json_prefix}, got {sorted(streams)}")
    parquet_id, parquet = streams[parquet_prefix]
    source = parquet["KinesisStreamSourceConfiguration"]["KinesisStreamARN"]
    check(references(source, orders_stream_id), f"delivery stream {parquet_id}: should read the orders stream {orders_stream_id}, got {source}")
    destination = parquet["ExtendedS3DestinationConfiguration"]
    conversion = destination.get("DataFormatConversionConfiguration", {})
    check(conversion.get("Enabled") is True, f"delivery stream {parquet_id}: DataFormatConversionConfiguration.Enabled should be true, got {conversion.get('Enabled')!r}")
    # The table by its literal name (not a Ref to the AWS::Glue::Table), created before the stream.
    table_name = conversion.get("SchemaConfiguration", {}).get("TableName")
    check(table_name == "orders", f"delivery stream {parquet_id}: should convert against the table named orders, got {table_name!r}")
    depends_on = template.find_resources("AWS::KinesisFirehose::DeliveryStream")[parquet_id].get("DependsOn", [])
    check(orders_id in depends_on, f"delivery stream {parquet_id}: should depend on the orders table {orders_id}, got {depends_on}")
    # The conversion reads each record's JSON itself: no processor, no Lambda before it.
    check(
        "ProcessingConfiguration" not in destination,
        f"delivery stream {parquet_id}: Parquet should have no processor, got {destination.get('ProcessingConfiguration')}",
    )
    json_id, json_lines = streams[json_prefix]
    source = json_lines["KinesisStreamSourceConfiguration"]["KinesisStreamARN"]
    check(references(source, raw_stream_id), f"delivery stream {json_id}: should read the raw events stream {raw_stream_id}, got {source}")
    destination = json_lines["ExtendedS3DestinationConfiguration"]
    check("DataFormatConversionConfiguration" not in destination, f"delivery stream {json_id}: JSON lines should not be converted")
    check(destination.get("CompressionFormat") == "GZIP", f"delivery stream {json_id}: expected GZIP, got {destination.get('CompressionFormat')!r}")
    processors = destination["ProcessingConfiguration"]["Processors"]
    check([p["Type"] for p in processors] == ["AppendDelimiterToRecord"], f"delivery stream {json_id}: expected AppendDelimiterToRecord only, got {processors}")

    # Bucket notifications: the library turns EventBridge delivery on through aws-cdk-lib's
    # notification custom resource, the one owner of the bucket's notification configuration.
    notifications_id, notifications = only(template.find_resources("Custom::S3BucketNotifications"), "Custom::S3BucketNotifications")
    notification_props = notifications["Properties"]
    check(notification_props.get("BucketName") == {"Ref": bucket_id}, f"{notifications_id}: expected the lake bucket {bucket_id}, got {notification_props.get('BucketName')}")
    check(
        notification_props.get("NotificationConfiguration") == {"EventBridgeConfiguration": {}},
        f"{notifications_id}: expected EventBridge delivery only, got {notification_props.get('NotificationConfiguration')}",
    )
    bucket_props = template.find_resources("AWS::S3::Bucket")[bucket_id]["Properties"]
    check("NotificationConfiguration" not in bucket_props, f"bucket {bucket_id}: its notification configuration belongs to {notifications_id} alone, got {bucket_props.get('NotificationConfiguration')}")
    service_token = notification_props.get("ServiceToken")
    check(isinstance(service_token, Mapping) and "Fn::GetAtt" in service_token, f"{notifications_id}: expected the ServiceToken to be a function's Arn, got {service_token}")
    handler_id = service_token["Fn::GetAtt"][0]

    # Lambda: the partition registration function and aws-cdk-lib's notification handler, nothing
    # else (the orders delivery has no processor, the raw events delivery Firehose's own).
    template.resource_count_is("AWS::Lambda::Function", 2)
    functions = template.find_resources("AWS::Lambda::Function")
    registration_id = resource_id(stack, lake["payments"].registration_function.function_arn)
    check(sorted(functions) == sorted([registration_id, handler_id]), f"AWS::Lambda::Function: expected {registration_id} and {handler_id}, got {sorted(functions)}")
    registration = functions[registration_id]["Properties"]
    check(registration.get("Runtime") == LAMBDA_RUNTIME, f"function {registration_id}: expected runtime {LAMBDA_RUNTIME}, got {registration.get('Runtime')!r}")
    table_env = registration["Environment"]["Variables"].get("TABLE_NAME")
    check(table_env == "payments", f"function {registration_id}: expected TABLE_NAME payments, got {table_env!r}")
    handler = functions[handler_id]["Properties"]
    handler_runtime = handler.get("Runtime")
    check(
        isinstance(handler_runtime, str) and handler_runtime.startswith(NOTIFICATIONS_RUNTIME_PREFIX),
        f"function {handler_id}: expected aws-cdk-lib's {NOTIFICATIONS_RUNTIME_PREFIX}x handler, got {handler_runtime!r}",
    )
    check("ZipFile" in handler["Code"], f"function {handler_id}: expected aws-cdk-lib's inline handler code, got {sorted(handler['Code'])}")

    # Log groups: the registrar's and each delivery stream's, retained, encrypted with the lake key,
    # and named with the stack's unique suffix (so a re-created stack does not collide with them).
    template.resource_count_is("AWS::Logs::LogGroup", 3)
    log_groups = template.find_resources("AWS::Logs::LogGroup")
    registration_logs = registration.get("LoggingConfig", {}).get("LogGroup")
    check(isinstance(registration_logs, Mapping) and "Ref" in registration_logs, f"function {registration_id}: expected LoggingConfig.LogGroup to be a Ref, got {registration_logs}")
    group_prefixes = {
        registration_logs["Ref"]: "/aws/lambda/",
        resource_id(stack, lake["delivery"].log_group.log_group_arn): "/aws/kinesisfirehose/",
        resource_id(stack, lake["raw_delivery"].log_group.log_group_arn): "/aws/kinesisfirehose/",
    }
    check(sorted(log_groups) == sorted(group_prefixes), f"AWS::Logs::LogGroup: expected {sorted(group_prefixes)}, got {sorted(log_groups)}")
    group_names = {}
    for logical_id, prefix in group_prefixes.items():
        group = log_groups[logical_id]
        check(group.get("DeletionPolicy") == "Retain" and group.get("UpdateReplacePolicy") == "Retain", f"log group {logical_id}: expected Retain, got {group.get('DeletionPolicy')}/{group.get('UpdateReplacePolicy')}")
        group_props = group["Properties"]
        check(references(group_props.get("KmsKeyId"), lake_key_id), f"log group {logical_id}: expected KmsKeyId of the lake key {lake_key_id}, got {group_props.get('KmsKeyId')}")
        parts = join_parts(group_props.get("LogGroupName"))
        check(
            len(parts) == 2 and isinstance(parts[0], str) and parts[0].startswith(f"{prefix}{LAKE_STACK_NAME}-") and parts[0].endswith("-") and parts[1] == STACK_SUFFIX,
            f"log group {logical_id}: expected the name {prefix}{LAKE_STACK_NAME}-<construct>-<stack suffix>, got {parts}",
        )
        group_names[logical_id] = parts[0]
    check(len(set(group_names.values())) == len(group_names), f"log groups: expected distinct names, got {group_names}")

    # Key policies: CloudWatch Logs may use the lake key for exactly these groups, and no key lets
    # the logs service call kms:DescribeKey (it does not need it).
    logs_statements = []
    for key_id, key in template.find_resources("AWS::KMS::Key").items():
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            service = statement.get("Principal", {}).get("Service") if isinstance(statement.get("Principal"), Mapping) else None
            if join_parts(service) == ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]:
                logs_statements.append((key_id, statement))
                check("kms:DescribeKey" not in actions_of(statement), f"key {key_id}: the logs statement {statement.get('Sid')} should not allow kms:DescribeKey")
    for logical_id, name in group_names.items():
        naming = []
        for key_id, statement in logs_statements:
            arn = join_parts(statement.get("Condition", {}).get("ArnLike", {}).get("kms:EncryptionContext:aws:logs:arn"))
            # Delivery log groups share one statement for every delivery group of this creation of
            # the stack (/aws/kinesisfirehose/*-<suffix>); the registrar's names its own group.
            pattern = FIREHOSE_LOG_GROUPS if name.startswith(FIREHOSE_LOG_PREFIX) else name
            if len(arn) >= 2 and arn[-1] == STACK_SUFFIX and isinstance(arn[-2], str) and arn[-2].endswith(f":log-group:{pattern}"):
                naming.append(key_id)
        check(naming == [lake_key_id], f"log group {logical_id}: expected one statement of the lake key {lake_key_id} for {name}<suffix>, got it in {naming}")

    # The Firehose roles: each reads its own stream, writes, gets and lists its own table's prefixes.
    for delivery_key, table_name, stream_id in (("delivery", "orders", orders_stream_id), ("raw_delivery", "raw_events", raw_stream_id)):
        firehose_role_id = resource_id(stack, lake[delivery_key].role.role_arn)
        grants = granted(template, firehose_role_id)
        prefixes = sorted(
            json.dumps({"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{prefix}{table_name}/*"]]}, sort_keys=True)
            for prefix in ("", "raw/", "errors/")
        )
        bucket_arn = [json.dumps({"Fn::GetAtt": [bucket_id, "Arn"]}, sort_keys=True)]
        stream_arn = [json.dumps({"Fn::GetAtt": [stream_id, "Arn"]}, sort_keys=True)]
        for action, expected in (
            ("s3:PutObject", prefixes),
            ("s3:GetObject", prefixes),
            ("s3:ListBucket", bucket_arn),
            ("kinesis:GetRecords", stream_arn),
        ):
            got = sorted(grants.get(action, []))
            check(got == expected, f"Firehose role {firehose_role_id} ({table_name}): {action} should be on {expected}, got {got}")

    # The application role: writes the orders stream, reads the orders table.
    role_id = resource_id(stack, lake["role"].role_name)
    actions = set(granted(template, role_id))
    needed = {"kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kms:GenerateDataKey", "glue:GetTable", "glue:GetPartitions", "s3:GetObject", "s3:ListBucket", "kms:Decrypt"}
    check(needed <= actions, f"role {role_id}: missing {sorted(needed - actions)} (has {sorted(actions)})")

    summary = (
        f"2 AWS::Kinesis::Stream ({orders_stream_id}: {EXPECTED_SHARDS} shards, {raw_stream_id}: 1), 2 AWS::Glue::Table (orders: projection, "
        f"{len(columns)} columns; payments: events), 1 AWS::Glue::Crawler (raw_events), "
        f"2 AWS::KinesisFirehose::DeliveryStream (orders Parquet, no processor; raw_events JSON lines), "
        f"2 AWS::Lambda::Function ({registration_id} {LAMBDA_RUNTIME}; {handler_id} {handler_runtime} for {notifications_id}), "
        f"3 AWS::Logs::LogGroup (lake key, stack suffix), role {role_id} granted read + write"
    )
    # The library's own functions, whose handler code is an asset of the cloud assembly (aws-cdk-lib's
    # notification handler is inline code).
    return summary, {registration_id: functions[registration_id]}


def check_lambda_assets(assembly: CloudAssembly, functions: Mapping[str, Any], stack_name: str = LAKE_STACK_NAME) -> str:
    """Each function's code is a directory asset of the cloud assembly holding the handler's index.js."""
    artifact = assembly.get_stack_by_name(stack_name)
    manifests = [d for d in artifact.dependencies if AssetManifestArtifact.is_asset_manifest_artifact(d)]
    check(len(manifests) == 1, f"{stack_name}: expected one asset manifest, got {len(manifests)}")
    # The binding hands dependencies out as CloudArtifact, without AssetManifestArtifact.file (and
    # reading `manifest.properties`, a union of structs, fails in jsii). aws-cdk-lib writes an asset
    # manifest artifact `<id>` to `<id>.json`: load that through the typed schema API.
    manifest_file = Path(assembly.directory) / f"{manifests[0].id}.json"
    check(manifest_file.is_file(), f"{stack_name}: expected the asset manifest at {manifest_file}")
    files = Manifest.load_asset_manifest(str(manifest_file)).files or {}
    shown = []
    for logical_id, function in sorted(functions.items()):
        key = function["Properties"]["Code"].get("S3Key")
        check(isinstance(key, str) and key.endswith(".zip"), f"function {logical_id}: expected an S3Key '<asset hash>.zip', got {key!r}")
        asset = files.get(key[: -len(".zip")])
        check(asset is not None, f"function {logical_id}: asset {key} is not in {manifest_file.name}")
        source = asset.source
        check(
            source.packaging == FileAssetPackaging.ZIP_DIRECTORY and source.path is not None,
            f"function {logical_id}: asset {key} should be a zipped directory, got {source.packaging} {source.path}",
        )
        directory = Path(assembly.directory) / source.path
        check(directory.is_dir(), f"function {logical_id}: asset directory {directory} does not exist")
        handler = directory / "index.js"
        check(handler.is_file() and handler.stat().st_size > 0, f"function {logical_id}: {handler} is missing or empty")
        shown.append(f"{source.path}/index.js ({handler.stat().st_size} B)")
    return ", ".join(shown)


def check_validation_report(assembly: CloudAssembly) -> str:
    """CDK's CloudFormation validation found nothing unacknowledged; the suppressed findings are
    the W7001 the library acknowledges on LakeExample, ServerlessDataLakeExample and
    IcebergExample, one each (the app acknowledges nothing itself)."""
    # Warnings of the built-in validation do not fail the synth: read its report to make sure
    # that the one warning of each lake stack is the one the library acknowledged, and that no
    # other is left.
    report_file = Path(assembly.directory) / VALIDATION_REPORT_FILE
    check(report_file.is_file(), f"expected CDK's validation report at {report_file}")
    report = Manifest.load_validation_report(str(report_file))
    suppressed = []
    for plugin in report.plugin_reports:
        violations = [f"{v.rule_name}: {v.description}" for v in plugin.violations]
        check(not violations, f"validation plugin {plugin.plugin_name}: unacknowledged findings {violations}")
        check(plugin.conclusion == "success", f"validation plugin {plugin.plugin_name}: expected conclusion success, got {plugin.conclusion!r}")
        suppressed.extend(plugin.suppressed_violations or [])
    # Each lake stack's W7001 is suppressed: aws-cdk-lib 2.275 (this example's) reports one
    # suppressed finding per stack; older releases (2.263, the Java example's) merge identical
    # findings into one, with every such stack among its violating constructs.
    shown = [(v.acknowledged_id, v.acknowledged_at, [c.construct_path for c in v.violating_constructs]) for v in suppressed]
    stacks = []
    for finding in suppressed:
        at = finding.acknowledged_at
        paths = [c.construct_path for c in finding.violating_constructs]
        check(
            finding.acknowledged_id == LIBRARY_ACKNOWLEDGED_ID and at in paths,
            f"validation report: expected only {LIBRARY_ACKNOWLEDGED_ID} acknowledged on the stacks it is about, got {shown}",
        )
        check(finding.rule_name == LIBRARY_ACKNOWLEDGED_RULE, f"validation report ({at}): expected the rule {LIBRARY_ACKNOWLEDGED_RULE}, got {finding.rule_name!r}")
        check(
            finding.description.startswith(LIBRARY_ACKNOWLEDGED_MAPPING),
            f"validation report ({at}): expected the finding to be about {LIBRARY_ACKNOWLEDGED_MAPPING}, got {finding.description!r}",
        )
        check(
            isinstance(finding.reason, str) and finding.reason.startswith(LIBRARY_ACKNOWLEDGED_REASON_START),
            f"validation report ({at}): expected the library's reason starting {LIBRARY_ACKNOWLEDGED_REASON_START!r}, got {finding.reason!r}",
        )
        stacks.extend(paths)
    check(
        sorted(stacks) == sorted(LIBRARY_ACKNOWLEDGED_AT),
        f"validation report: expected {LIBRARY_ACKNOWLEDGED_ID} suppressed once on each of {LIBRARY_ACKNOWLEDGED_AT} and nothing else, got {shown}",
    )
    return f"{LIBRARY_ACKNOWLEDGED_ID} acknowledged by the library at {', '.join(LIBRARY_ACKNOWLEDGED_AT)}, nothing else"


def main() -> None:
    # Like the TypeScript example: errors found by CDK's built-in CloudFormation validation fail
    # the synth instead of being reported as warnings (its warnings are checked in the report).
    app = cdk.App(outdir=str(OUTDIR), context={VALIDATE_AGAINST_DEFAULT_RULES: True})
    # The same stack as StreamIngestExample in examples/typescript/stacks.ts.
    stack = cdk.Stack(app, STACK_NAME, description=STACK_DESCRIPTION)
    ingest = StreamIngest(stack, "Ingest")
    check(ingest.encryption_key is not None, "StreamIngest.encryption_key: expected the new KMS key, got None")
    check(ingest.shard_estimate is None, "StreamIngest.shard_estimate: expected None for the default capacity")

    calculator = check_shard_calculator()
    column_types = check_column_types()
    rejections = check_rejections()
    lake = build_lake(app)
    build_serverless_lake(app)
    build_iceberg_lake(app)

    assembly = app.synth()
    template_file = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
    check(template_file.is_file(), f"expected the template at {template_file}")
    lake_template_file = Path(assembly.get_stack_by_name(LAKE_STACK_NAME).template_full_path)
    check(lake_template_file.is_file(), f"expected the template at {lake_template_file}")
    serverless_template_file = Path(assembly.get_stack_by_name(SERVERLESS_STACK_NAME).template_full_path)
    check(serverless_template_file.is_file(), f"expected the template at {serverless_template_file}")
    iceberg_template_file = Path(assembly.get_stack_by_name(ICEBERG_STACK_NAME).template_full_path)
    check(iceberg_template_file.is_file(), f"expected the template at {iceberg_template_file}")

    resources = check_template(stack)
    print(f"{STACK_NAME}: {resources}; ShardCalculator {calculator}; template {os.path.relpath(template_file)}")
    lake_resources, functions = check_lake_template(lake)
    assets = check_lambda_assets(assembly, functions)
    validation = check_validation_report(assembly)
    print(
        f"{LAKE_STACK_NAME}: {lake_resources}; {column_types}; {rejections}; handlers {assets}; {validation}; "
        f"template {os.path.relpath(lake_template_file)}"
    )
    same = check_same_as_typescript(SERVERLESS_STACK_NAME, serverless_template_file)
    # The library's bundled handlers in this stack (the batch producer, the newline Lambda of the
    # schema-on-read lake, ...): their code is an asset that the wheel shipped.
    bundled = {
        logical_id: function
        for logical_id, function in json.loads(serverless_template_file.read_text())["Resources"].items()
        if function["Type"] == "AWS::Lambda::Function" and "S3Key" in function["Properties"]["Code"]
    }
    check(len(bundled) >= 2, f"{SERVERLESS_STACK_NAME}: expected the bundled producer and newline functions, got {sorted(bundled)}")
    serverless_assets = check_lambda_assets(assembly, bundled, SERVERLESS_STACK_NAME)
    print(
        f"{SERVERLESS_STACK_NAME}: {same}; handlers {serverless_assets}; "
        f"template {os.path.relpath(serverless_template_file)}"
    )
    iceberg_same = check_same_as_typescript(ICEBERG_STACK_NAME, iceberg_template_file)
    iceberg = check_iceberg_template(iceberg_template_file)
    print(f"{ICEBERG_STACK_NAME}: {iceberg_same}; {iceberg}; template {os.path.relpath(iceberg_template_file)}")


if __name__ == "__main__":
    main()
