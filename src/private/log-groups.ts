import { ArnFormat, Fn, Names, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { allowLogsToUseKey } from './logs-key';

/**
 * A log group name that is fixed for the life of a stack and new each time the stack is
 * created: `<prefix><unique construct name>-<first 8 hex digits of the stack's UUID>`.
 *
 * Log groups are retained when their stack is deleted (their logs outlive it), and CloudFormation
 * cannot create a log group whose name is taken. A fixed name would make re-creating a deleted
 * stack fail on the group left behind; a generated name cannot be named in the KMS key policy
 * without a dependency cycle (the group needs the key, the key policy would need the group). The
 * stack ID (`arn:…:stack/<name>/<uuid>`) is known before any resource and changes with every
 * creation of the stack, so this name is both exact in the key policy and free on re-create.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html
 */
export function recreatableLogGroupName(scope: Construct, prefix: string, name?: string): string {
  return `${prefix}${name ?? Names.uniqueResourceName(scope, { maxLength: 400, separator: '-' })}-${stackSuffix(scope)}`;
}

/** Options of {@link encryptedLogGroup}. */
export interface EncryptedLogGroupOptions {
  /** Prefix of the name, e.g. `/aws/lambda/`. */
  readonly prefix: string;
  /** The name between prefix and suffix; the scope's unique name when absent. */
  readonly name?: string;
  /** The key that encrypts the group; CloudWatch Logs is allowed to use it for this group only. */
  readonly key: kms.IKey;
  /** How long events are kept. */
  readonly retention: logs.RetentionDays;
  /** Sid of the key-policy statement (unique in the key policy). */
  readonly sid: string;
  /** Warning ID when the key policy cannot be extended (an imported key). */
  readonly warningId: string;
  /**
   * One key-policy statement for every group of this prefix in the stack's creation
   * (`<prefix>*-<stack UUID part>`), added once per key, instead of one per group: keeps a key
   * shared by many groups (many lakes' deliveries) far under KMS's 32 KB policy limit.
   */
  readonly onePolicyStatementForPrefix?: boolean;
}

// Keys that already carry the statement for a prefix, per prefix.
const keysWithPrefixStatement = new WeakMap<kms.IKey, Set<string>>();

function stackSuffix(scope: Construct): string {
  const stackUuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return Fn.select(0, Fn.split('-', stackUuid));
}

/**
 * A KMS-encrypted log group, retained with its stack, named by {@link recreatableLogGroupName},
 * whose key policy lets CloudWatch Logs use the key for this one group only. Returns the group and
 * its ARN (without the `:*` suffix), for exact log permissions.
 */
export function encryptedLogGroup(scope: Construct, id: string, options: EncryptedLogGroupOptions): { logGroup: logs.LogGroup; arn: string } {
  const stack = Stack.of(scope);
  const logGroupName = recreatableLogGroupName(scope, options.prefix, options.name);
  const arn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  if (options.onePolicyStatementForPrefix) {
    const done = keysWithPrefixStatement.get(options.key) ?? new Set<string>();
    const marker = `${stack.node.addr}:${options.prefix}`;
    if (!done.has(marker)) {
      const pattern = stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `${options.prefix}*-${stackSuffix(scope)}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      allowLogsToUseKey(scope, options.key, pattern, options.sid, options.warningId);
      done.add(marker);
      keysWithPrefixStatement.set(options.key, done);
    }
  } else {
    allowLogsToUseKey(scope, options.key, arn, options.sid, options.warningId);
  }
  const logGroup = new logs.LogGroup(scope, id, { logGroupName, encryptionKey: options.key, retention: options.retention });
  return { logGroup, arn };
}

