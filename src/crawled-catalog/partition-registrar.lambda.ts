// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset, never loaded by the library; the Lambda runtime provides the SDK
import { GlueClient } from '@aws-sdk/client-glue';
import { objectKeysFromEvent, RegistrarEvent, registrarConfigFromEnvironment, registerPartitions, RegistrationResult } from './partitions';

/**
 * Registers the partitions of objects that Firehose writes into the lake.
 *
 * Subscribed to S3 `Object Created` events (EventBridge, S3 notifications, or SQS). The
 * configuration is read and validated once per execution environment; a bad environment
 * fails the cold start with every problem listed.
 */
const config = registrarConfigFromEnvironment(process.env);
const glue = new GlueClient({});

export const handler = async (event: RegistrarEvent): Promise<RegistrationResult> =>
  registerPartitions(glue, config, objectKeysFromEvent(event));
