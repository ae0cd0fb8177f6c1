import { describe, expect, test } from 'vitest';
import { PartitionGranularity, PartitionLayout } from '../src';

// Firehose writes `!{timestamp:...}` with zero-padded month/day/hour; Athena projection must
// render the same strings, and the location template must name every key.
const FIREHOSE_FORMAT: Record<string, string> = { yyyy: '2026', MM: '03', dd: '07', HH: '05' };
const PROJECTED: Record<string, string> = { year: '2026', month: '03', day: '07', hour: '05' };

/** What Firehose writes for an arrival at 2026-03-07T05:xx UTC. */
function firehoseKey(prefix: string): string {
  return prefix.replace(/!\{timestamp:(\w+)\}/g, (_m, f: string) => FIREHOSE_FORMAT[f]);
}

/** What Athena projection computes for the same partition from the table parameters. */
function projectedKey(params: Record<string, string>, values: Record<string, string>): string {
  return params['storage.location.template'].replace(/\$\{(\w+)\}/g, (_m, k: string) => {
    const digits = Number(params[`projection.${k}.digits`]);
    return String(Number(values[k])).padStart(digits, '0');
  });
}

describe.each([
  ['hourly', PartitionLayout.hourly(), ['year', 'month', 'day', 'hour'], 'cron(20 * * * ? *)'],
  ['daily', PartitionLayout.daily(), ['year', 'month', 'day'], 'cron(20 0 * * ? *)'],
  ['monthly', PartitionLayout.monthly(), ['year', 'month'], 'cron(20 0 1 * ? *)'],
])('%s layout', (_name, layout, keys, schedule) => {
  test('has the partition keys coarsest first', () => {
    expect(layout.partitionKeys).toEqual(keys);
  });

  test('projection renders exactly the prefix Firehose writes, character for character', () => {
    const params = layout.projectionParameters('lake-bucket', 'clicks');
    const written = `s3://lake-bucket/${firehoseKey(layout.dataPrefix('clicks'))}`;
    const projected = projectedKey(params, PROJECTED);
    expect(projected).toBe(written);
  });

  test('the location template names every partition key once', () => {
    const template = layout.locationTemplate('lake-bucket', 'clicks');
    for (const k of keys) expect(template.split(`\${${k}}`)).toHaveLength(2);
    expect(template.match(/\$\{/g)).toHaveLength(keys.length);
  });

  test('the error prefix holds the error type and the same partitions', () => {
    const prefix = layout.errorPrefix('clicks');
    expect(prefix.startsWith('errors/clicks/!{firehose:error-output-type}/')).toBe(true);
    expect(prefix.endsWith(layout.dataPrefix('clicks').slice('clicks/'.length))).toBe(true);
  });

  test('the raw-backup prefix is outside the table folder', () => {
    expect(layout.backupPrefix('clicks')).toBe(`raw/${layout.dataPrefix('clicks')}`);
  });

  test('the crawler runs after Firehose\'s longest buffer (900 s) has flushed', () => {
    expect(layout.crawlerSchedule()).toBe(schedule);
  });
});

describe('defaults', () => {
  test('hourly with year/month/day/hour, the article\'s layout', () => {
    const layout = new PartitionLayout();
    expect(layout.granularity).toBe(PartitionGranularity.HOURLY);
    expect(layout.dataPrefix('events')).toBe('events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(layout.errorPrefix('events')).toBe(
      'errors/events/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
    );
    expect(layout.backupPrefix('events')).toBe('raw/events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
  });

  test('projection parameters: integer keys zero-padded, years 2025 to 2099', () => {
    expect(PartitionLayout.hourly().projectionParameters('b', 't')).toEqual({
      'projection.enabled': 'true',
      'projection.year.type': 'integer',
      'projection.year.range': '2025,2099',
      'projection.year.digits': '4',
      'projection.month.type': 'integer',
      'projection.month.range': '1,12',
      'projection.month.digits': '2',
      'projection.day.type': 'integer',
      'projection.day.range': '1,31',
      'projection.day.digits': '2',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': 's3://b/t/year=${year}/month=${month}/day=${day}/hour=${hour}/',
    });
  });

  test('roots of tables, raw backups and errors', () => {
    const layout = PartitionLayout.hourly();
    expect(layout.tableRoot('t')).toBe('t/');
    expect(layout.rawRoot()).toBe('raw/');
    expect(layout.errorRoot()).toBe('errors/');
    expect(layout.tableLocation('lake-bucket', 't')).toBe('s3://lake-bucket/t/');
    expect(layout.locationTemplate('lake-bucket', 't').startsWith(layout.tableLocation('lake-bucket', 't'))).toBe(true);
  });
});

describe('custom keys and years', () => {
  test('renames keys everywhere they appear', () => {
    const layout = new PartitionLayout({ granularity: PartitionGranularity.DAILY, yearKey: 'yr', monthKey: 'mo', dayKey: 'dt', hourKey: 'unused' });
    expect(layout.partitionKeys).toEqual(['yr', 'mo', 'dt']);
    expect(layout.dataPrefix('t')).toBe('t/yr=!{timestamp:yyyy}/mo=!{timestamp:MM}/dt=!{timestamp:dd}/');
    const params = layout.projectionParameters('b', 't');
    expect(params['storage.location.template']).toBe('s3://b/t/yr=${yr}/mo=${mo}/dt=${dt}/');
    expect(projectedKey(params, { yr: '2026', mo: '3', dt: '7' })).toBe(`s3://b/${firehoseKey(layout.dataPrefix('t'))}`);
  });

  test('takes the projection year range', () => {
    const layout = new PartitionLayout({ projectionFirstYear: 2020, projectionLastYear: 2030 });
    expect(layout.projectionParameters('b', 't')['projection.year.range']).toBe('2020,2030');
    expect(layout.projectionFirstYear).toBe(2020);
    expect(layout.projectionLastYear).toBe(2030);
  });

  test('fails on key names Athena cannot use', () => {
    expect(() => new PartitionLayout({ yearKey: 'Year' })).toThrow(
      /^PartitionLayout: yearKey must be 1 to 255 lowercase letters, digits or underscores \(what Athena accepts\), got 'Year': use e.g. 'year'/,
    );
    expect(() => new PartitionLayout({ hourKey: 'the-hour' })).toThrow(/hourKey .* got 'the-hour': use e.g. 'the_hour'/);
  });

  test('fails on duplicate key names', () => {
    expect(() => new PartitionLayout({ monthKey: 'x', dayKey: 'x' })).toThrow(/partition key names must be unique, got year, x, x, hour/);
  });

  test('fails on a year range that cannot be projected', () => {
    expect(() => new PartitionLayout({ projectionFirstYear: 1900 })).toThrow(/projectionFirstYear must be a whole year from 1970 to 9999, got 1900/);
    expect(() => new PartitionLayout({ projectionFirstYear: 2030, projectionLastYear: 2029 })).toThrow(
      /projectionLastYear must be a whole year from projectionFirstYear \(2030\) to 9999, got 2029/,
    );
  });
});
