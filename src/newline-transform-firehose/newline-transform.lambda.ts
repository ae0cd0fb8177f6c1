import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { transformRecords } from './records';

/**
 * Firehose data-transformation processor: appends `\n` to every record that does not already
 * end with one, so delivered objects are newline-delimited.
 *
 * No configuration and no clients; all logic lives in `records.ts`.
 */
export const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> =>
  transformRecords(event.records);
