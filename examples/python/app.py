#!/usr/bin/env python3
"""StreamIngest from Python: synthesizes the stack and checks the template.

A CDK app with no environment (no AWS account or credentials needed) that
- defines `StreamIngest` with its defaults in the stack `StreamIngestExample`,
- calls `ShardCalculator.calculate` so that a struct and an enum cross the jsii boundary,
- synthesizes into `examples/python/cdk.out` and checks the template with `aws_cdk.assertions`.

Prints one summary line on success; raises (exit code 1) on any failed check.

Run from anywhere, once the wheel from `npx projen package:python` and requirements.txt are
installed in a virtual environment (see .ci/python-app.sh).
"""

import os
from pathlib import Path
from typing import Any, Mapping

import aws_cdk as cdk
from aws_cdk.assertions import Template

from cdk_serverless_data_lake import ShardCalculator, ShardLimit, StreamIngest

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


def main() -> None:
    # Like the TypeScript example: findings of CDK's built-in CloudFormation validation fail the
    # synth instead of being reported as warnings.
    app = cdk.App(outdir=str(OUTDIR), context={VALIDATE_AGAINST_DEFAULT_RULES: True})
    # The same stack as StreamIngestExample in examples/typescript/stacks.ts.
    stack = cdk.Stack(app, STACK_NAME, description=STACK_DESCRIPTION)
    ingest = StreamIngest(stack, "Ingest")
    check(ingest.encryption_key is not None, "StreamIngest.encryption_key: expected the new KMS key, got None")
    check(ingest.shard_estimate is None, "StreamIngest.shard_estimate: expected None for the default capacity")

    calculator = check_shard_calculator()

    assembly = app.synth()
    template_file = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
    check(template_file.is_file(), f"expected the template at {template_file}")

    resources = check_template(stack)
    print(f"{STACK_NAME}: {resources}; ShardCalculator {calculator}; template {os.path.relpath(template_file)}")


if __name__ == "__main__":
    main()
