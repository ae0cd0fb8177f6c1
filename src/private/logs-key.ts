import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';

/**
 * Lets CloudWatch Logs use a KMS key for the log groups matching `logGroupArn` (an ARN or an ARN
 * pattern with `*`), by a statement in the key policy. A key imported into the app cannot be
 * changed: a warning then says which statement to add.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function allowLogsToUseKey(scope: IConstruct, key: kms.IKey, logGroupArn: string, sid: string, warningId: string): void {
  const stack = Stack.of(scope);
  const added = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      // AWS's example also lists kms:Describe* under this condition, but DescribeKey carries no
      // encryption context, so the condition never matches it: it would grant nothing and only
      // read as if it did (parliament: UNKNOWN_CONDITION_FOR_ACTION). It is left out.
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
    }),
    true,
  );
  if (!added.statementAdded) {
    Annotations.of(scope).addWarningV2(
      warningId,
      `encryptionKey is not defined in this app, so its key policy cannot be extended: allow the service principal logs.<region>.amazonaws.com to use it for log groups matching ${stack.resolve(logGroupArn)}, or the logs cannot be written`,
    );
  }
}
