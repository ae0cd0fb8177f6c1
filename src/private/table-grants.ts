import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeGrantWildcards } from './acknowledge';
import { PartitionLayout } from '../layout/partition-layout';

/**
 * Read access to one table's objects: get objects under `<table>/`, list that prefix only,
 * locate the bucket, and decrypt with the bucket's key. Shared by every construct that grants
 * reads on the lake, so the scope of a read is the same wherever it is granted.
 */
export function grantTableRead(bucket: s3.IBucket, layout: PartitionLayout, tableName: string, grantee: iam.IGrantable): iam.Grant {
  const root = layout.tableRoot(tableName);
  const objects = bucket.arnForObjects(`${root}*`);
  let grant = iam.Grant.addToPrincipalOrResource({ grantee, actions: ['s3:GetObject'], resourceArns: [objects], resource: bucket })
    .combine(
      iam.Grant.addToPrincipalOrResource({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [bucket.bucketArn],
        resource: bucket,
        conditions: { StringLike: { 's3:prefix': [root, `${root}*`] } },
      }),
    )
    .combine(iam.Grant.addToPrincipalOrResource({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [bucket.bucketArn], resource: bucket }));
  if (bucket.encryptionKey) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: [bucket.encryptionKey.keyArn] }));
  }
  acknowledgeGrantWildcards(grantee, [objects], `Reads are limited to the objects under the ${tableName} table's own prefix, whose keys Firehose generates`);
  return grant;
}

/**
 * Write access the way Firehose writes one table: put objects and abort multipart uploads under
 * the table's data, raw-backup and error prefixes only, and encrypt with the bucket's key.
 * Grants no read of objects and no delete.
 */
export function grantTableWrite(
  bucket: s3.IBucket,
  layout: PartitionLayout,
  tableName: string,
  grantee: iam.IGrantable,
  rawBackup = true,
): iam.Grant {
  const objects = tablePrefixes(layout, tableName, rawBackup).map((p) => bucket.arnForObjects(`${p}*`));
  let grant = iam.Grant.addToPrincipalOrResource({ grantee, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resourceArns: objects, resource: bucket }).combine(
    iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
      resourceArns: [bucket.bucketArn],
      resource: bucket,
    }),
  );
  // Multipart uploads to SSE-KMS objects need Decrypt as well as GenerateDataKey.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
  if (bucket.encryptionKey) {
    grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [bucket.encryptionKey.keyArn] }));
  }
  acknowledgeGrantWildcards(
    grantee,
    objects,
    `Writes are limited to the ${tableName} table's data${rawBackup ? ', raw-backup' : ''} and error prefixes, under which Firehose generates the keys`,
  );
  return grant;
}

/** The prefixes a table's delivery writes: its data, its raw backup (when kept) and its error output. */
function tablePrefixes(layout: PartitionLayout, tableName: string, rawBackup: boolean): string[] {
  return [layout.tableRoot(tableName), ...(rawBackup ? [`${layout.rawRoot()}${tableName}/`] : []), `${layout.errorRoot()}${tableName}/`];
}

/**
 * What the Firehose delivery role needs on the lake, following the S3-destination policy AWS
 * documents for Firehose: {@link grantTableWrite} (the raw-backup prefix only when a raw backup is kept), plus `s3:GetObject` on the same three
 * prefixes (AWS's example grants it on the whole bucket) and `s3:ListBucket` on the bucket.
 * Firehose does not document which prefixes it lists, and a condition it does not meet would fail
 * delivery, so the listing is not narrowed: it reveals key names only, to a role only Firehose can
 * assume. No delete.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
 */
export function grantFirehoseDelivery(
  bucket: s3.IBucket,
  layout: PartitionLayout,
  tableName: string,
  grantee: iam.IGrantable,
  rawBackup: boolean,
): iam.Grant {
  const objects = tablePrefixes(layout, tableName, rawBackup).map((p) => bucket.arnForObjects(`${p}*`));
  return grantTableWrite(bucket, layout, tableName, grantee, rawBackup)
    .combine(iam.Grant.addToPrincipalOrResource({ grantee, actions: ['s3:GetObject'], resourceArns: objects, resource: bucket }))
    .combine(iam.Grant.addToPrincipalOrResource({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn], resource: bucket }));
}
