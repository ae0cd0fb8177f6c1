/**
 * The example's own Firehose processor ("bring your own Lambda"): drops the fields named in
 * `REDACTED_FIELDS` from every JSON record and ends each record with a newline; a record that is
 * not a JSON object is returned `ProcessingFailed`, so Firehose writes it under the table's
 * `errors/` prefix instead of the lake.
 *
 * It follows Firehose's data-transformation contract: one result per input record, same
 * `recordId`, `result` one of `Ok`, `Dropped`, `ProcessingFailed`, `data` base64-encoded.
 * Inline (CommonJS, no dependencies) so the example needs no build step; the test suite runs this
 * exact source on a Firehose event.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html
 */
export const REDACT_TRANSFORM_SOURCE = `'use strict';
const REDACTED_FIELDS = (process.env.REDACTED_FIELDS || '').split(',').filter(Boolean);
exports.handler = async (event) => ({
  records: event.records.map((record) => {
    let value;
    try {
      value = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
    } catch (e) {
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
    for (const field of REDACTED_FIELDS) delete value[field];
    return { recordId: record.recordId, result: 'Ok', data: Buffer.from(JSON.stringify(value) + '\\n', 'utf8').toString('base64') };
  }),
});
`;
