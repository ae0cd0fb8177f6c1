import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { acknowledge } from './acknowledge';

/**
 * The one owner of a lake bucket's notification configuration.
 *
 * S3 keeps a single notification configuration per bucket. aws-cdk-lib writes it through its
 * `Custom::S3BucketNotifications` resource as soon as anything adds a destination
 * (`addEventNotification`), and that resource replaces the whole configuration, and writes it
 * empty when it is deleted. Setting EventBridge delivery on the bucket's own
 * `NotificationConfiguration` as well would give the configuration two owners: removing the
 * last queue or function notification later would delete the custom resource and turn
 * EventBridge off while CloudFormation still believes it is on. So EventBridge delivery is
 * always enabled through the same custom resource (`Bucket.enableEventBridgeNotification`),
 * which then stays, with EventBridge in its configuration, whatever else is added or removed.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
 */

/** Buckets this library turned EventBridge delivery on for. */
const sendingToEventBridge = new WeakSet<s3.IBucket>();

/** Turns on EventBridge delivery of a bucket defined in the app, through the notification custom resource. */
export function enableEventBridge(bucket: s3.Bucket): void {
  bucket.enableEventBridgeNotification();
  sendingToEventBridge.add(bucket);
  acknowledgeNotificationsHandler(bucket);
}

/**
 * Whether the bucket sends its events to EventBridge: `true` or `false` for a bucket defined in
 * the app, `undefined` for an imported bucket, whose configuration is not known here.
 */
export function sendsToEventBridge(bucket: s3.IBucket): boolean | undefined {
  if (sendingToEventBridge.has(bucket)) return true;
  if (!(bucket instanceof s3.Bucket)) return undefined;
  // A bucket defined with `eventBridgeEnabled: true` (aws-cdk-lib keeps the prop on the bucket).
  return (bucket as unknown as { eventBridgeEnabled?: boolean }).eventBridgeEnabled === true;
}

/** The ID aws-cdk-lib gives its singleton bucket-notification handler in each stack. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/**
 * Acknowledges the finding cdk-nag reports on aws-cdk-lib's bucket-notification handler: it is
 * CDK's construct, whose role writes its own logs with the AWS-managed basic execution policy.
 */
export function acknowledgeNotificationsHandler(scope: IConstruct): void {
  const handler = Stack.of(scope).node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
  if (handler) {
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'aws-cdk-lib\'s bucket-notification custom resource (the single owner of the lake bucket\'s notification configuration) only writes its own logs with this AWS-managed policy',
    );
  }
}
