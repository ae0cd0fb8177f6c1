// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { KinesisClient } from '@aws-sdk/client-kinesis';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { LambdaClient } from '@aws-sdk/client-lambda';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { S3Client } from '@aws-sdk/client-s3';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { SQSClient } from '@aws-sdk/client-sqs';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset (the SDK's own HTTP/1.1 handler)
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { produce, producerConfigFromEnvironment, ProducerContext, ProducerResult } from './producer';

/**
 * The bundled batch producer of `BatchTrigger`: S3 objects (named by S3 or EventBridge events,
 * a direct invoke, a replay request or a continuation) into the Kinesis data stream.
 *
 * The configuration is read and validated once per execution environment. The clients use the
 * SDK's standard configuration (region, credentials, `AWS_ENDPOINT_URL_<SERVICE>`). The Kinesis
 * client makes one attempt per call, because the producer retries failed entries itself, and
 * speaks HTTP/1.1 (`PutRecords` needs nothing more, and every Kinesis endpoint accepts it).
 */
const config = producerConfigFromEnvironment(process.env);
const clients = {
  kinesis: new KinesisClient({ maxAttempts: 1, requestHandler: new NodeHttpHandler() }),
  s3: new S3Client({}),
  sqs: new SQSClient({}),
  lambda: new LambdaClient({}),
};

export const handler = async (event: unknown, context: ProducerContext): Promise<ProducerResult> => produce(clients, config, event, context);
