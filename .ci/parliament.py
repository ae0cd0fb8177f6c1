#!/usr/bin/env python3
"""Lint every IAM policy in synthesized CloudFormation templates with parliament.

    python .ci/parliament.py DIR_OR_TEMPLATE...

Each argument is a cloud assembly directory (searched recursively for *.template.json, so the
nested assemblies of stages and nested stack templates are included) or a template file. From
every template it extracts the policy documents:

    identity  AWS::IAM::Policy / AWS::IAM::ManagedPolicy PolicyDocument, the inline
              Policies[].PolicyDocument of AWS::IAM::Role / User / Group
    trust     AWS::IAM::Role AssumeRolePolicyDocument
    key       AWS::KMS::Key / AWS::KMS::ReplicaKey KeyPolicy
    bucket    AWS::S3::BucketPolicy PolicyDocument
    queue     AWS::SQS::QueuePolicy PolicyDocument
    topic     AWS::SNS::TopicPolicy PolicyDocument

(AWS::Lambda::Permission is not a policy document and is skipped.) CloudFormation intrinsics
(Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap, ...) are
rendered into plausible values first: pseudo parameters become a fixed partition, region and
account, and a reference to a resource of the template becomes a placeholder name or ARN of that
resource's type (a bucket ARN for an AWS::S3::Bucket, a stream ARN for an AWS::Kinesis::Stream,
...), so that parliament's RESOURCE_MISMATCH check compares an action with a resource of the
type the template really names. A value that cannot be rendered is itself a finding.

Every finding is printed with template, logical ID, policy kind, statement, issue code, severity
and detail; parliament repeats a finding once per action a wildcard expands to (s3:* is 160-odd
actions), so each distinct (statement, issue, detail) is printed and counted once, with "(xN)". A finding that matches one of the KNOWN_FALSE_POSITIVES rules below is printed as
"filtered (reason)"; any other finding is unexplained and makes the script exit 1. The last line
is the summary:

    parliament: N policies in M templates, K findings (F filtered as known false positives, U unexplained)

Exit codes: 0 no unexplained finding, 1 unexplained findings, 2 usage error (no template found,
unreadable template).
"""

import argparse
import json
import os
import re
import sys
import uuid
import warnings

# This file is named like the package it imports: drop its own directory from the module search
# path, or `import parliament` would import this script again instead of the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

# parliament 1.6.x imports pkg_resources, which setuptools 80-81 deprecate with a warning at
# import time (and setuptools 82 removed: .ci/run installs setuptools<82 next to it).
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*pkg_resources.*")
import parliament  # noqa: E402
from parliament import analyze_policy_string, enhance_finding  # noqa: E402

PARTITION = "aws"
REGION = "us-east-1"
ACCOUNT = "123456789012"
URL_SUFFIX = "amazonaws.com"


class Unrenderable(Exception):
    """An intrinsic (or a reference) this script cannot turn into a plausible value."""


# ---------------------------------------------------------------------------------------------
# Rendering CloudFormation intrinsics into plausible values
# ---------------------------------------------------------------------------------------------

def _placeholder_name(logical_id):
    return "placeholder-" + logical_id.lower()


def _key_id(logical_id):
    # A KMS key ID is a UUID: derive a stable one from the logical ID.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "kms-key/" + logical_id))


# Name properties by resource type: a literal physical name in the template is used as is in the
# placeholder ARN (a name made of intrinsics is replaced by a placeholder name).
NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Events::Rule": "Name",
    "AWS::Glue::Crawler": "Name",
    "AWS::Glue::Job": "Name",
    "AWS::Glue::SecurityConfiguration": "Name",
    "AWS::Athena::WorkGroup": "Name",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::SecretsManager::Secret": "Name",
}

# ARN of a resource of each type, from its (placeholder) name: what Fn::GetAtt X.Arn returns
# (and Ref, for the types whose Ref is the ARN).
ARN_FORMAT = {
    "AWS::S3::Bucket": "arn:{p}:s3:::{name}",
    "AWS::Kinesis::Stream": "arn:{p}:kinesis:{r}:{a}:stream/{name}",
    "AWS::Kinesis::StreamConsumer": "arn:{p}:kinesis:{r}:{a}:stream/placeholder/consumer/{name}:1700000000",
    "AWS::KinesisFirehose::DeliveryStream": "arn:{p}:firehose:{r}:{a}:deliverystream/{name}",
    "AWS::KMS::Key": "arn:{p}:kms:{r}:{a}:key/{key_id}",
    "AWS::KMS::ReplicaKey": "arn:{p}:kms:{r}:{a}:key/{key_id}",
    "AWS::SQS::Queue": "arn:{p}:sqs:{r}:{a}:{name}",
    "AWS::SNS::Topic": "arn:{p}:sns:{r}:{a}:{name}",
    # AWS::Logs::LogGroup's Arn attribute ends in ":*" (CloudFormation's documented return value).
    "AWS::Logs::LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{name}:*",
    "AWS::Lambda::Function": "arn:{p}:lambda:{r}:{a}:function:{name}",
    "AWS::Lambda::LayerVersion": "arn:{p}:lambda:{r}:{a}:layer:{name}:1",
    "AWS::IAM::Role": "arn:{p}:iam::{a}:role/{name}",
    "AWS::IAM::User": "arn:{p}:iam::{a}:user/{name}",
    "AWS::IAM::Group": "arn:{p}:iam::{a}:group/{name}",
    "AWS::IAM::ManagedPolicy": "arn:{p}:iam::{a}:policy/{name}",
    "AWS::IAM::InstanceProfile": "arn:{p}:iam::{a}:instance-profile/{name}",
    "AWS::Events::Rule": "arn:{p}:events:{r}:{a}:rule/{name}",
    "AWS::Events::EventBus": "arn:{p}:events:{r}:{a}:event-bus/{name}",
    "AWS::Glue::Database": "arn:{p}:glue:{r}:{a}:database/{name}",
    "AWS::Glue::Crawler": "arn:{p}:glue:{r}:{a}:crawler/{name}",
    "AWS::Glue::Job": "arn:{p}:glue:{r}:{a}:job/{name}",
    "AWS::Athena::WorkGroup": "arn:{p}:athena:{r}:{a}:workgroup/{name}",
    "AWS::DynamoDB::Table": "arn:{p}:dynamodb:{r}:{a}:table/{name}",
    "AWS::StepFunctions::StateMachine": "arn:{p}:states:{r}:{a}:stateMachine:{name}",
    "AWS::SecretsManager::Secret": "arn:{p}:secretsmanager:{r}:{a}:secret:{name}-AbCdEf",
    "AWS::SSM::Parameter": "arn:{p}:ssm:{r}:{a}:parameter/{name}",
}

# Resource types whose Ref is the ARN (for every other type in ARN_FORMAT Ref is the name or ID).
REF_IS_ARN = {
    "AWS::SNS::Topic",
    "AWS::IAM::ManagedPolicy",
    "AWS::StepFunctions::StateMachine",
    "AWS::SecretsManager::Secret",
    "AWS::Lambda::LayerVersion",
    "AWS::Kinesis::StreamConsumer",
}


class Renderer:
    """Renders the intrinsics of one template."""

    def __init__(self, template, stack_name):
        self.resources = template.get("Resources") or {}
        self.parameters = template.get("Parameters") or {}
        self.mappings = template.get("Mappings") or {}
        self.conditions = template.get("Conditions") or {}
        self.stack_name = stack_name
        self._condition_values = {}

    # -- references -------------------------------------------------------------------------

    def _name(self, logical_id):
        resource = self.resources[logical_id]
        prop = NAME_PROPERTY.get(resource.get("Type"))
        value = (resource.get("Properties") or {}).get(prop) if prop else None
        if isinstance(value, str):
            return value
        return _placeholder_name(logical_id)

    def _arn(self, logical_id):
        rtype = self.resources[logical_id].get("Type")
        fmt = ARN_FORMAT.get(rtype)
        if fmt is None:
            raise Unrenderable("no placeholder ARN for {} ({})".format(logical_id, rtype))
        return fmt.format(p=PARTITION, r=REGION, a=ACCOUNT, name=self._name(logical_id),
                          key_id=_key_id(logical_id))

    def ref(self, name):
        pseudo = {
            "AWS::Partition": PARTITION,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": "arn:{}:cloudformation:{}:{}:stack/{}/{}".format(
                PARTITION, REGION, ACCOUNT, self.stack_name,
                uuid.uuid5(uuid.NAMESPACE_URL, "stack/" + self.stack_name)),
            "AWS::NotificationARNs": [],
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            default = self.parameters[name].get("Default")
            if default is None:
                return "placeholder-" + name.lower()
            if self.parameters[name].get("Type", "").startswith("List<") or \
                    self.parameters[name].get("Type") == "CommaDelimitedList":
                return [v.strip() for v in str(default).split(",")]
            return str(default)
        if name in self.resources:
            rtype = self.resources[name].get("Type")
            if rtype in REF_IS_ARN:
                return self._arn(name)
            if rtype in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
                return _key_id(name)
            if rtype == "AWS::SQS::Queue":
                return "https://sqs.{}.{}/{}/{}".format(REGION, URL_SUFFIX, ACCOUNT, self._name(name))
            return self._name(name)
        raise Unrenderable("Ref to unknown name {}".format(name))

    def get_att(self, logical_id, attribute):
        if logical_id not in self.resources:
            raise Unrenderable("Fn::GetAtt of unknown resource {}".format(logical_id))
        rtype = self.resources[logical_id].get("Type")
        # The resource's own ARN: Arn for most types; TopicArn, QueueArn, StreamArn, KeyArn,
        # ConsumerARN (AWS::Kinesis::StreamConsumer) for some.
        if attribute == "Arn" or attribute.lower() in ("topicarn", "queuearn", "streamarn", "keyarn", "consumerarn"):
            return self._arn(logical_id)
        if rtype == "AWS::S3::Bucket" and attribute.endswith("DomainName"):
            return "{}.s3.{}".format(self._name(logical_id), URL_SUFFIX)
        if attribute in ("Name", "QueueName", "TopicName", "StreamName", "ConsumerName"):
            return self._name(logical_id)
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute == "KeyId":
            return _key_id(logical_id)
        if attribute in ("RoleId", "UserId", "GroupId", "PolicyId"):
            return "AROA" + re.sub(r"[^A-Z0-9]", "", logical_id.upper())[:17].ljust(17, "X")
        # Any other attribute: a placeholder string that cannot pass for an ARN.
        return "placeholder-{}-{}".format(logical_id.lower(), attribute.lower())

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name):
        if name not in self._condition_values:
            if name not in self.conditions:
                raise Unrenderable("unknown condition {}".format(name))
            self._condition_values[name] = None  # cycle guard
            self._condition_values[name] = bool(self.render(self.conditions[name]))
        if self._condition_values[name] is None:
            raise Unrenderable("condition {} refers to itself".format(name))
        return self._condition_values[name]

    # -- rendering --------------------------------------------------------------------------

    _NO_VALUE = object()

    def render(self, node):
        value = self._render(node)
        if value is self._NO_VALUE:
            return None
        return value

    def _render(self, node):
        if isinstance(node, list):
            out = []
            for item in node:
                value = self._render(item)
                if value is not self._NO_VALUE:
                    out.append(value)
            return out
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return self._NO_VALUE
                return self.ref(arg)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        out = {}
        for k, v in node.items():
            value = self._render(v)
            if value is not self._NO_VALUE:
                out[k] = value
        return out

    def _str(self, node, what):
        value = self._render(node)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if not isinstance(value, str):
            raise Unrenderable("{} needs a string, got {}".format(what, json.dumps(value)[:200]))
        return value

    def _intrinsic(self, key, arg):
        if key == "Fn::Join":
            delimiter, items = arg
            values = self._render(items)
            if not isinstance(values, list):
                raise Unrenderable("Fn::Join of a non-list")
            return self._str(delimiter, "Fn::Join").join(self._str(v, "Fn::Join") for v in values)
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                logical_id, attribute = arg.split(".", 1)
            else:
                logical_id, attribute = arg[0], self._str(arg[1], "Fn::GetAtt")
            return self.get_att(logical_id, attribute)
        if key == "Fn::Sub":
            if isinstance(arg, list):
                text, variables = arg[0], {k: self._render(v) for k, v in arg[1].items()}
            else:
                text, variables = arg, {}

            def substitute(match):
                inner = match.group(1)
                if inner.startswith("!"):
                    return "${" + inner[1:] + "}"
                if inner in variables:
                    return self._str(variables[inner], "Fn::Sub variable")
                if "." in inner and inner.split(".", 1)[0] in self.resources:
                    return self._str(self.get_att(*inner.split(".", 1)), "Fn::Sub")
                return self._str(self.ref(inner), "Fn::Sub")

            return re.sub(r"\$\{([^}]*)\}", substitute, text)
        if key == "Fn::Select":
            index, items = arg
            values = self._render(items)
            index = int(self._render(index))
            if not isinstance(values, list) or not 0 <= index < len(values):
                raise Unrenderable("Fn::Select index {} out of range".format(index))
            return values[index]
        if key == "Fn::Split":
            delimiter, text = arg
            return self._str(text, "Fn::Split").split(self._str(delimiter, "Fn::Split"))
        if key == "Fn::If":
            name, if_true, if_false = arg
            return self._render(if_true if self.condition(name) else if_false)
        if key == "Fn::Equals":
            a, b = (self._render(v) for v in arg)
            return a == b
        if key == "Fn::Not":
            return not self._render(arg[0])
        if key == "Fn::And":
            return all(self._render(v) for v in arg)
        if key == "Fn::Or":
            return any(self._render(v) for v in arg)
        if key == "Fn::FindInMap":
            map_name, top, second = (self._str(v, "Fn::FindInMap") for v in arg[:3])
            try:
                return self.mappings[map_name][top][second]
            except KeyError:
                raise Unrenderable("Fn::FindInMap {}/{}/{} not found".format(map_name, top, second))
        if key == "Fn::GetAZs":
            return [REGION + "a", REGION + "b", REGION + "c"]
        if key == "Fn::ImportValue":
            return "placeholder-import-" + self._str(arg, "Fn::ImportValue").lower()
        if key == "Fn::Base64":
            return self._str(arg, "Fn::Base64")
        raise Unrenderable("unsupported intrinsic {}".format(key))


# ---------------------------------------------------------------------------------------------
# Extracting policy documents
# ---------------------------------------------------------------------------------------------

def extract_policies(template):
    """Yields (logical_id, kind, label, raw_document, resource) for every policy document."""
    for logical_id, resource in (template.get("Resources") or {}).items():
        rtype = resource.get("Type")
        props = resource.get("Properties") or {}
        if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            if "PolicyDocument" in props:
                yield logical_id, "identity", "PolicyDocument", props["PolicyDocument"], resource
        elif rtype in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            if rtype == "AWS::IAM::Role" and "AssumeRolePolicyDocument" in props:
                yield logical_id, "trust", "AssumeRolePolicyDocument", props["AssumeRolePolicyDocument"], resource
            policies = props.get("Policies")
            if isinstance(policies, list):
                for i, inline in enumerate(policies):
                    if isinstance(inline, dict) and "PolicyDocument" in inline:
                        name = inline.get("PolicyName")
                        label = "Policies[{}]{}".format(i, " " + name if isinstance(name, str) else "")
                        yield logical_id, "identity", label, inline["PolicyDocument"], resource
        elif rtype in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
            if "KeyPolicy" in props:
                yield logical_id, "key", "KeyPolicy", props["KeyPolicy"], resource
        elif rtype == "AWS::S3::BucketPolicy":
            yield logical_id, "bucket", "PolicyDocument", props.get("PolicyDocument"), resource
        elif rtype == "AWS::SQS::QueuePolicy":
            yield logical_id, "queue", "PolicyDocument", props.get("PolicyDocument"), resource
        elif rtype == "AWS::SNS::TopicPolicy":
            yield logical_id, "topic", "PolicyDocument", props.get("PolicyDocument"), resource
        # AWS::Lambda::Permission (and other permission resources) are not policy documents.


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def stringify_condition_values(statements):
    """Condition values as strings: parliament 1.6.4 crashes (TypeError in a regex match) on a
    number, such as CDK's {"NumericLessThan": {"s3:TlsVersion": 1.2}}. IAM compares condition
    values as strings anyway (the policy grammar's <condition_value> is a string; JSON numbers
    and booleans are accepted and mean the same), so the rewrite changes nothing parliament
    judges."""

    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return json.dumps(value)
        return value

    for stmt in statements:
        condition = stmt.get("Condition") if isinstance(stmt, dict) else None
        if not isinstance(condition, dict):
            continue
        for block in condition.values():
            if isinstance(block, dict):
                for key, value in block.items():
                    block[key] = [text(v) for v in value] if isinstance(value, list) else text(value)


def policy_string(doc):
    """The document as parliament's input, one statement a line: statement i (0-based) is on
    line i + 3, so a finding's line number tells which statement it is about."""
    head = ['{']
    for key in ("Version", "Id"):
        if key in doc:
            head.append('{}: {},'.format(json.dumps(key), json.dumps(doc[key])))
    head_line = " ".join(head)
    statements = as_list(doc.get("Statement"))
    body = ",\n".join(json.dumps(s, sort_keys=False) for s in statements)
    others = "".join(', {}: {}'.format(json.dumps(k), json.dumps(v))
                     for k, v in doc.items() if k not in ("Version", "Id", "Statement"))
    return '{}\n"Statement": [\n{}\n]{}}}\n'.format(head_line, body, others), statements


# ---------------------------------------------------------------------------------------------
# Known false positives
# ---------------------------------------------------------------------------------------------
# Each rule names one parliament issue code, the policy kinds it applies to and a precise
# condition on the statement (and on the finding's detail) it is about. A finding is filtered
# only when all three match; everything else is unexplained. Only rules observed on this
# project's templates and justified by AWS documentation belong here: a finding parliament is
# right about (a permission that cannot work, a resource of the wrong type) is fixed in the
# library, not added here.

def _actions(stmt):
    return [a for a in as_list(stmt.get("Action")) if isinstance(a, str)]


def _aws_principals(stmt):
    principal = stmt.get("Principal")
    if not isinstance(principal, dict):
        return []
    return [p for p in as_list(principal.get("AWS")) if isinstance(p, str)]


def _is_account_root(arn):
    return re.fullmatch(r"arn:[a-z-]+:iam::\d{12}:root", arn) is not None


def _conditions(stmt):
    """[(operator, key, [values])] of the statement's Condition element."""
    out = []
    condition = stmt.get("Condition")
    if isinstance(condition, dict):
        for operator, block in condition.items():
            if isinstance(block, dict):
                for key, value in block.items():
                    out.append((operator, key, as_list(value)))
    return out


def key_default_root(stmt, finding):
    # {"Effect": "Allow", "Principal": {"AWS": "arn:PARTITION:iam::ACCOUNT:root"},
    #  "Action": "kms:*", "Resource": "*"}, nothing else.
    principals = _aws_principals(stmt)
    return (stmt.get("Effect") == "Allow"
            and stmt.get("Resource") == "*"
            and _actions(stmt) == ["kms:*"]
            and "Condition" not in stmt
            and principals and all(_is_account_root(p) for p in principals))


def key_service_statement(stmt, finding):
    # An Allow for one or more service principals only (logs.REGION.amazonaws.com, ...), with
    # kms: actions on Resource "*".
    principal = stmt.get("Principal")
    return (stmt.get("Effect") == "Allow"
            and stmt.get("Resource") == "*"
            and isinstance(principal, dict) and set(principal) == {"Service"}
            and bool(_actions(stmt))
            and all(a.startswith("kms:") and a != "kms:*" for a in _actions(stmt)))


def key_logs_encryption_context_arn_operator(stmt, finding):
    # {"ArnLike"|"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": <log group ARN>}}, and the
    # finding is about exactly that operator.
    arn_conditions = [(op, key, values) for op, key, values in _conditions(stmt)
                      if op in ("ArnLike", "ArnEquals")]
    return (finding.detail in ("Type mismatch: {} requires a value of type Arn but given String".format(op)
                               for op, _, _ in arn_conditions)
            and arn_conditions
            and all(key == "kms:EncryptionContext:aws:logs:arn"
                    and all(isinstance(v, str) and v.startswith("arn:") and ":logs:" in v for v in values)
                    for _, key, values in arn_conditions))


def _s3_tls_deny(stmt):
    # {"Effect": "Deny", "Principal": {"AWS": "*"} (or "*"), "Action": "s3:*",
    #  "Condition": {"NumericLessThan": {"s3:TlsVersion": <version>}}}, nothing else conditioned.
    principal = stmt.get("Principal")
    return (stmt.get("Effect") == "Deny"
            and (principal == "*" or _aws_principals(stmt) == ["*"])
            and _actions(stmt) == ["s3:*"]
            and [(op, key) for op, key, _ in _conditions(stmt)] == [("NumericLessThan", "s3:TlsVersion")])


def bucket_tls_version_decimal(stmt, finding):
    values = _conditions(stmt)[0][2] if _s3_tls_deny(stmt) else []
    return (bool(values)
            and all(isinstance(v, str) and re.fullmatch(r"\d+\.\d+", v) for v in values)
            and finding.detail == "Type mismatch: s3:TlsVersion requires a value of type Numeric but given {}".format(values))


def bucket_tls_version_unknown_for_action(stmt, finding):
    return (_s3_tls_deny(stmt)
            and isinstance(finding.detail, str)
            and re.fullmatch(r"Unknown condition s3:TlsVersion for action s3:\w+", finding.detail) is not None)


TRUST_ACTIONS = {
    "sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML",
    "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext",
}


def trust_no_resource(stmt, finding):
    return ("Resource" not in stmt and "NotResource" not in stmt
            and finding.detail == "Statement contains neither Resource nor NotResource"
            and bool(_actions(stmt))
            and all(a in TRUST_ACTIONS for a in _actions(stmt)))


class Rule:
    def __init__(self, issue, kinds, matches, reason):
        self.issue, self.kinds, self.matches, self.reason = issue, kinds, matches, reason
        self.count = 0

    def applies(self, kind, stmt, finding):
        return (finding.issue == self.issue and kind in self.kinds and isinstance(stmt, dict)
                and bool(self.matches(stmt, finding)))


KNOWN_FALSE_POSITIVES = [
    # Key policy, account root. {"Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"}, "Action":
    # "kms:*", "Resource": "*"} is the AWS KMS default key policy statement ("Allows access to the
    # AWS account and enables IAM policies", AWS KMS Developer Guide, "Default key policy"); CDK
    # writes it into every key it creates. Resource "*" in a key policy is the key itself: "In a
    # key policy, the value of the Resource element is "*", which means "this KMS key"" (AWS KMS
    # Developer Guide, "Key policies in AWS KMS"). parliament reads it as an identity policy on
    # every key of the account (RESOURCE_STAR).
    Rule("RESOURCE_STAR", {"key"}, key_default_root,
         "KMS default key policy: account root kms:* on Resource '*', which in a key policy means this key"),
    # Key policy, service principal statements (logs.REGION.amazonaws.com for the encrypted log
    # groups). Same source: a key policy is attached to one key and Resource "*" means "this KMS
    # key"; the key's own ARN cannot be named in its policy (it does not exist yet).
    Rule("RESOURCE_STAR", {"key"}, key_service_statement,
         "key policy service-principal statement: Resource '*' in a key policy means this key"),
    # Key policy, {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": <log group ARN>}}. The
    # Service Authorization Reference types kms:EncryptionContext:${EncryptionContextKey} as
    # String, so parliament wants a String operator; the value CloudWatch Logs puts in this
    # encryption context key is the log group's ARN, and AWS's own policies compare it with an ARN
    # operator: the CloudWatch Logs User Guide ("Encrypt log data in CloudWatch Logs using AWS
    # KMS", key policy with "ArnEquals"/"ArnLike" on kms:EncryptionContext:aws:logs:arn) and the
    # AWS managed policy CloudWatchLogsAPIKeyAccess ("ArnLike": {"kms:EncryptionContext:aws:logs:arn":
    # "arn:aws:logs:*:*:log-group:*"}). ARN operators work on any key whose value is an ARN.
    Rule("MISMATCHED_TYPE", {"key"}, key_logs_encryption_context_arn_operator,
         "ArnLike on kms:EncryptionContext:aws:logs:arn: the log group ARN, compared as AWS's CloudWatch Logs key policies do"),
    # Bucket policy, CDK's enforceSSL minimum TLS statement: {"Effect": "Deny", "Principal":
    # {"AWS": "*"}, "Action": "s3:*", "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}}.
    # s3:TlsVersion is Numeric and its values are TLS versions such as 1.2 (AWS Storage Blog,
    # "Enforcing encryption in transit with TLS1.2 or higher with Amazon S3"; S3 User Guide,
    # bucket policy examples); parliament 1.6.4's Numeric check is the regex ^\d+$, which accepts
    # integers only and flags every decimal (once per s3 action).
    Rule("MISMATCHED_TYPE", {"bucket"}, bucket_tls_version_decimal,
         "s3:TlsVersion 1.2 is a Numeric value; parliament's Numeric check accepts integers only"),
    # The same statement, per action: the Service Authorization Reference does not list
    # s3:TlsVersion for every action s3:* expands to (parliament 1.6.4 flags
    # s3:PutAccessPointPublicAccessBlock, an account-level S3 Control action that no bucket
    # policy governs, and s3:InitiateReplication, called by S3 replication itself). In a Deny, a
    # condition key that is absent from a request makes the condition false and the Deny does not
    # apply to that request ("If the key that you specify in a policy condition is not present in
    # the request context, the values do not match", IAM User Guide, "Condition element"): the
    # statement denies every request that carries an older TLS version, which is AWS's documented
    # pattern (Action "s3:*" in the blog post above), and cannot deny or allow anything else.
    Rule("UNKNOWN_CONDITION_FOR_ACTION", {"bucket"}, bucket_tls_version_unknown_for_action,
         "s3:TlsVersion in CDK's Deny s3:* TLS statement: absent from an action's request, the Deny simply does not apply"),
    # Trust policy: a role's AssumeRolePolicyDocument has no Resource element, the resource is the
    # role it is attached to (IAM User Guide, "IAM JSON policy elements: Principal", role trust
    # policies; "Roles terms and concepts": "the trust policy ... is a resource-based policy").
    # parliament requires Resource or NotResource in every statement (MALFORMED). Filtered only
    # when every action of the statement is an STS trust-policy action; the statement is then
    # checked a second time with the role's own ARN as Resource (see analyze_trust_as_role).
    Rule("MALFORMED", {"trust"}, trust_no_resource,
         "trust policy: no Resource element, the resource is the role itself"),
]


# ---------------------------------------------------------------------------------------------
# Running parliament
# ---------------------------------------------------------------------------------------------

def find_templates(paths):
    templates = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".template.json"):
                        templates.append(os.path.join(root, name))
        elif os.path.isfile(path):
            templates.append(path)
        else:
            raise FileNotFoundError(path)
    return templates


def format_detail(detail, limit=None):
    if detail is None or detail == "":
        text = "-"
    elif isinstance(detail, str):
        text = detail
    else:
        text = json.dumps(detail, sort_keys=True, default=str)
    if limit and len(text) > limit:
        text = text[:limit] + "..."
    return text


def analyze(doc):
    """[(statement index or None, finding)] for the document, enhanced with severity."""
    statements = as_list(doc.get("Statement"))
    stringify_condition_values(statements)
    text, statements = policy_string(doc)
    policy = analyze_policy_string(text, include_community_auditors=False)
    out = []
    for finding in policy.findings:
        finding = enhance_finding(finding)
        line = finding.location.get("line") if isinstance(finding.location, dict) else None
        index = line - 3 if isinstance(line, int) and 0 <= line - 3 < len(statements) else None
        out.append((index, finding))
    return out, statements


def analyze_trust_as_role(doc, role_arn):
    """A trust policy statement without Resource stops parliament at MALFORMED, before it checks
    actions and conditions. Check it again with the role's own ARN, the resource a trust policy
    governs, as Resource; principal findings are already in the first pass."""
    statements = as_list(doc.get("Statement"))
    if not statements or not all(isinstance(s, dict) and "Resource" not in s and "NotResource" not in s
                                 for s in statements):
        return []
    copy = dict(doc)
    copy["Statement"] = [dict(s, Resource=role_arn) for s in statements]
    findings, _ = analyze(copy)
    return [(i, f) for i, f in findings
            if f.issue not in ("UNKNOWN_PRINCIPAL", "UNKNOWN_FEDERATION_SOURCE")]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="cloud assembly directories or template files")
    args = parser.parse_args(argv)

    try:
        templates = find_templates(args.paths)
    except FileNotFoundError as e:
        print("parliament: no such file or directory: {}".format(e), file=sys.stderr)
        return 2
    if not templates:
        print("parliament: no *.template.json under {}".format(" ".join(args.paths)), file=sys.stderr)
        return 2

    n_policies = 0
    filtered = 0
    unexplained = 0
    cwd = os.getcwd()

    for path in templates:
        absolute = os.path.abspath(path)
        shown = os.path.relpath(absolute, cwd) if absolute.startswith(cwd + os.sep) else path
        try:
            with open(path) as f:
                template = json.load(f)
        except (OSError, ValueError) as e:
            print("parliament: cannot read {}: {}".format(shown, e), file=sys.stderr)
            return 2
        stack_name = os.path.basename(path)[: -len(".template.json")]
        renderer = Renderer(template, stack_name)
        for logical_id, kind, label, raw, _resource in extract_policies(template):
            n_policies += 1
            where = "{}: {} {} [{}]".format(shown, logical_id, label, kind)
            try:
                doc = renderer.render(raw)
                if not isinstance(doc, dict):
                    raise Unrenderable("the policy document is not an object")
                findings, statements = analyze(doc)
                if kind == "trust":
                    findings += analyze_trust_as_role(doc, renderer.get_att(logical_id, "Arn"))
            except Unrenderable as e:
                unexplained += 1
                print("{} - UNRENDERABLE HIGH: {} -> UNEXPLAINED".format(where, e))
                continue
            except Exception as e:  # a parliament crash is a finding, not a pass
                unexplained += 1
                print("{} - EXCEPTION CRITICAL: parliament crashed: {}: {} -> UNEXPLAINED".format(
                    where, type(e).__name__, e))
                continue

            # parliament repeats a finding once per action a wildcard expands to: report each
            # distinct (statement, issue, detail) once, with the repetition count.
            distinct = {}
            for index, finding in findings:
                key = (index, finding.issue, format_detail(finding.detail))
                distinct.setdefault(key, [finding, 0])[1] += 1
            for (index, issue, detail), (finding, times) in distinct.items():
                stmt = statements[index] if index is not None else None
                if stmt is None:
                    stmt_label = "policy"
                elif isinstance(stmt, dict) and stmt.get("Sid"):
                    stmt_label = "Statement[{}] {}".format(index, stmt["Sid"])
                else:
                    stmt_label = "Statement[{}]".format(index)
                rule = next((r for r in KNOWN_FALSE_POSITIVES if r.applies(kind, stmt, finding)), None)
                repeat = " (x{})".format(times) if times > 1 else ""
                if rule is not None:
                    rule.count += 1
                    filtered += 1
                    print("{} {} {} {}{}: {} -> filtered ({})".format(
                        where, stmt_label, issue, finding.severity, repeat, format_detail(finding.detail, 160),
                        rule.reason))
                else:
                    unexplained += 1
                    print("{} {} {} {}{}: {} -> UNEXPLAINED".format(
                        where, stmt_label, issue, finding.severity, repeat, detail))
                    if stmt is not None:
                        print("    statement: {}".format(json.dumps(stmt, sort_keys=True)))

    for rule in KNOWN_FALSE_POSITIVES:
        if rule.count:
            print("  filtered {:3d} x {} [{}]: {}".format(
                rule.count, rule.issue, ",".join(sorted(rule.kinds)), rule.reason))
    if unexplained:
        print("parliament {}: each UNEXPLAINED finding above is fixed in the library, or, if it is "
              "a false positive, filtered by a rule with its justification in KNOWN_FALSE_POSITIVES "
              "(.ci/parliament.py)".format(parliament.__version__))
    print("parliament: {} policies in {} templates, {} findings ({} filtered as known false positives, {} unexplained)".format(
        n_policies, len(templates), filtered + unexplained, filtered, unexplained))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
