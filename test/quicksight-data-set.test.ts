import { App, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, test } from 'vitest';
import {
  AthenaQueryLayer,
  ColumnType,
  CrawledCatalog,
  PartitionDiscovery,
  PartitionGranularity,
  PartitionLayout,
  PartitionedParquetLake,
  DataSetImportMode,
  QuickSightDataSet,
  QuickSightDataSetProps,
  RefreshWeekDay,
  SpiceRefresh,
  TableSchema,
} from '../src';
import { awsSolutionsFindings } from './support/nag';
import { newStack } from './support/stack';

const OWNER = 'arn:aws:quicksight:us-east-1:123456789012:group/default/analysts';
const OWNER_2 = 'arn:aws:quicksight:us-east-1:123456789012:user/default/admin';
const READER = 'arn:aws:quicksight:us-east-1:123456789012:user/default/Readers/jane@example.com';

const SCHEMA = new TableSchema([
  { name: 'event_id', type: ColumnType.STRING },
  { name: 'amount', type: ColumnType.decimal(12, 2) },
  { name: 'clicked_at', type: ColumnType.TIMESTAMP },
]);

const DATA_SOURCE_OWNER = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
  'quicksight:UpdateDataSource',
  'quicksight:DeleteDataSource',
  'quicksight:UpdateDataSourcePermissions',
];
const DATA_SET_READER = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
];
const DATA_SET_OWNER = [
  ...DATA_SET_READER,
  'quicksight:UpdateDataSet',
  'quicksight:DeleteDataSet',
  'quicksight:CreateIngestion',
  'quicksight:CancelIngestion',
  'quicksight:UpdateDataSetPermissions',
];
const ANALYSIS_OWNER = [
  'quicksight:RestoreAnalysis',
  'quicksight:UpdateAnalysisPermissions',
  'quicksight:DeleteAnalysis',
  'quicksight:QueryAnalysis',
  'quicksight:DescribeAnalysisPermissions',
  'quicksight:DescribeAnalysis',
  'quicksight:UpdateAnalysis',
];
const DASHBOARD_READER = ['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard'];
const DASHBOARD_OWNER = [
  ...DASHBOARD_READER,
  'quicksight:UpdateDashboard',
  'quicksight:DeleteDashboard',
  'quicksight:DescribeDashboardPermissions',
  'quicksight:UpdateDashboardPermissions',
  'quicksight:UpdateDashboardPublishedVersion',
];

interface SetUpOptions {
  readonly schema?: TableSchema | null;
  readonly layout?: PartitionLayout;
  readonly stack?: Stack;
}

function setUp(props: Partial<QuickSightDataSetProps> = {}, options: SetUpOptions = {}) {
  const stack = options.stack ?? newStack();
  const lake = new PartitionedParquetLake(stack, 'Lake', options.layout ? { layout: options.layout } : {});
  const schema = options.schema === null ? undefined : options.schema ?? SCHEMA;
  const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema });
  const queries = new AthenaQueryLayer(stack, 'Queries', { tables: [catalog] });
  const qs = new QuickSightDataSet(stack, 'Reports', { queryLayer: queries, catalog, owners: [OWNER], ...props });
  return { stack, lake, catalog, queries, qs, t: Template.fromStack(stack) };
}

function only(t: Template, type: string) {
  const found = Object.values(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, any>; DependsOn?: string[] };
}

/** The error message the construct throws: the construct path, then the problem or the list of problems. */
function message(...problems: string[]): string {
  const body = problems.length === 1 ? problems[0] : problems.map((p) => `\n  - ${p}`).join('');
  return `QuickSightDataSet at 'TestStack/Reports': ${body}`;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '(nothing thrown)';
}

describe('data source', () => {
  test('is an Athena data source bound to the workgroup, with SSL, in the stack account, owned by the owners', () => {
    const { t, qs, queries } = setUp();
    const source = only(t, 'AWS::QuickSight::DataSource');
    expect(source.Properties).toEqual({
      AwsAccountId: '123456789012',
      DataSourceId: expect.stringMatching(/^TestStack-Reports-[0-9A-F]{8}-source$/),
      Name: 'clicks (Athena)',
      Type: 'ATHENA',
      DataSourceParameters: { AthenaParameters: { WorkGroup: queries.workGroupName } },
      SslProperties: { DisableSsl: false },
      Permissions: [{ Principal: OWNER, Actions: DATA_SOURCE_OWNER }],
    });
    expect(qs.dataSource.dataSourceId).toBe(qs.dataSetId.replace(/-data$/, '-source'));
  });

  test('is created after the workgroup it names', () => {
    const { t, stack, queries } = setUp();
    expect(only(t, 'AWS::QuickSight::DataSource').DependsOn).toEqual([stack.getLogicalId(queries.workGroup)]);
  });

  test('gives readers nothing: passing it would let them build data sets over any table the workgroup reads', () => {
    const { t } = setUp({ readers: [READER] });
    expect(only(t, 'AWS::QuickSight::DataSource').Properties.Permissions).toEqual([{ Principal: OWNER, Actions: DATA_SOURCE_OWNER }]);
  });

  test('is named after the data set name, cut to 128 characters', () => {
    expect(only(setUp({ dataSetName: 'Clicks by day' }).t, 'AWS::QuickSight::DataSource').Properties.Name).toBe('Clicks by day (Athena)');
    const long = 'n'.repeat(128);
    expect(only(setUp({ dataSetName: long }).t, 'AWS::QuickSight::DataSource').Properties.Name).toBe(`${long} (Athena)`.slice(0, 128));
  });

  test('exposes its ARN', () => {
    const { stack, qs } = setUp();
    expect(stack.resolve(qs.dataSourceArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(qs.dataSource), 'Arn'] });
  });
});

describe('data set', () => {
  test('defaults: direct query over the Glue table, its columns and the partition keys, named after the table, owned by the owners', () => {
    const { t, stack, catalog, qs } = setUp();
    const dataSet = only(t, 'AWS::QuickSight::DataSet');
    expect(dataSet.Properties).toEqual({
      AwsAccountId: '123456789012',
      DataSetId: qs.dataSetId,
      Name: 'clicks',
      ImportMode: 'DIRECT_QUERY',
      PhysicalTableMap: {
        lake: {
          RelationalTable: {
            DataSourceArn: { 'Fn::GetAtt': [stack.getLogicalId(qs.dataSource), 'Arn'] },
            Catalog: 'AwsDataCatalog',
            Schema: catalog.databaseName,
            Name: 'clicks',
            InputColumns: [
              { Name: 'event_id', Type: 'STRING' },
              { Name: 'amount', Type: 'DECIMAL' },
              { Name: 'clicked_at', Type: 'DATETIME' },
              { Name: 'year', Type: 'STRING' },
              { Name: 'month', Type: 'STRING' },
              { Name: 'day', Type: 'STRING' },
              { Name: 'hour', Type: 'STRING' },
            ],
          },
        },
      },
      Permissions: [{ Principal: OWNER, Actions: DATA_SET_OWNER }],
    });
    expect(qs.dataSetId).toMatch(/^TestStack-Reports-[0-9A-F]{8}-data$/);
    expect(qs.importMode.mode).toBe('DIRECT_QUERY');
    expect(qs.omittedColumns).toEqual([]);
  });

  test('is created after the Glue table it names', () => {
    const { t, stack, catalog } = setUp();
    expect(only(t, 'AWS::QuickSight::DataSet').DependsOn).toEqual([stack.getLogicalId(catalog.table!)]);
  });

  test('exposes its ARN and is the default child', () => {
    const { stack, qs } = setUp();
    expect(stack.resolve(qs.dataSetArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(qs.dataSet), 'Arn'] });
    expect(qs.node.defaultChild).toBe(qs.dataSet);
  });

  test('owners and readers get their action sets', () => {
    const { t } = setUp({ owners: [OWNER, OWNER_2], readers: [READER] });
    expect(only(t, 'AWS::QuickSight::DataSet').Properties.Permissions).toEqual([
      { Principal: OWNER, Actions: DATA_SET_OWNER },
      { Principal: OWNER_2, Actions: DATA_SET_OWNER },
      { Principal: READER, Actions: DATA_SET_READER },
    ]);
  });

  test('takes the given display name', () => {
    expect(only(setUp({ dataSetName: 'Clicks by day' }).t, 'AWS::QuickSight::DataSet').Properties.Name).toBe('Clicks by day');
  });

  test('lets principals that are tokens through, and accepts other partitions and identity regions', () => {
    const stack = newStack();
    const parameter = new CfnParameter(stack, 'Owner');
    const lazy = Lazy.string({ produce: () => OWNER });
    const china = 'arn:aws-cn:quicksight:cn-north-1:123456789012:group/default/analysts';
    const govCloud = 'arn:aws-us-gov:quicksight:us-gov-west-1:123456789012:group/finance.team/analysts_eu-1';
    const { t } = setUp({ owners: [parameter.valueAsString, lazy, china], readers: [govCloud] }, { stack });
    expect(only(t, 'AWS::QuickSight::DataSet').Properties.Permissions.map((p: { Principal: unknown }) => p.Principal)).toEqual([
      { Ref: 'Owner' },
      OWNER,
      china,
      govCloud,
    ]);
  });

  test('in an environment-agnostic stack: the account is the deploying one, and principals of any account pass', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'TestStack');
    const other = 'arn:aws:quicksight:us-east-1:210987654321:group/default/analysts';
    const { t } = setUp({ owners: [other] }, { stack });
    expect(only(t, 'AWS::QuickSight::DataSet').Properties.AwsAccountId).toEqual({ Ref: 'AWS::AccountId' });
    expect(only(t, 'AWS::QuickSight::DataSource').Properties.AwsAccountId).toEqual({ Ref: 'AWS::AccountId' });
  });
});

describe('column types', () => {
  const typeOf = (type: ColumnType, importMode?: DataSetImportMode) => {
    const schema = new TableSchema([{ name: 'c', type }]);
    const { t, qs } = setUp({ importMode }, { schema });
    const columns = only(t, 'AWS::QuickSight::DataSet').Properties.PhysicalTableMap.lake.RelationalTable.InputColumns;
    return { column: columns[0], qs };
  };

  test.each([
    ['string', ColumnType.STRING, 'STRING'],
    ['varchar(n)', ColumnType.varchar(20), 'STRING'],
    ['char(n)', ColumnType.fixedChar(2), 'STRING'],
    ['bigint', ColumnType.BIGINT, 'INTEGER'],
    ['int', ColumnType.INT, 'INTEGER'],
    ['smallint', ColumnType.SMALLINT, 'INTEGER'],
    ['tinyint', ColumnType.TINYINT, 'INTEGER'],
    ['double', ColumnType.DOUBLE, 'DECIMAL'],
    ['float', ColumnType.FLOAT, 'DECIMAL'],
    ['decimal(p,s)', ColumnType.decimal(38, 10), 'DECIMAL'],
    ['boolean', ColumnType.BOOLEAN, 'BOOLEAN'],
    ['date', ColumnType.DATE, 'DATETIME'],
    ['timestamp', ColumnType.TIMESTAMP, 'DATETIME'],
    ['a type string in capitals', ColumnType.fromString('VARCHAR(10)'), 'STRING'],
    ['integer', ColumnType.fromString('integer'), 'INTEGER'],
    ['real', ColumnType.fromString('real'), 'DECIMAL'],
  ])('direct query: %s becomes %s without a sub type', (_name, type, expected) => {
    expect(typeOf(type).column).toEqual({ Name: 'c', Type: expected });
  });

  test.each([
    ['double', ColumnType.DOUBLE, 'FLOAT'],
    ['float', ColumnType.FLOAT, 'FLOAT'],
    ['real', ColumnType.fromString('real'), 'FLOAT'],
    ['decimal(18,4), the widest fixed decimal', ColumnType.decimal(18, 4), 'FIXED'],
    ['decimal(12,2)', ColumnType.decimal(12, 2), 'FIXED'],
    ['decimal without arguments, decimal(10,0)', ColumnType.fromString('decimal'), 'FIXED'],
    ['decimal(19,2), too many digits for a fixed decimal', ColumnType.decimal(19, 2), 'FLOAT'],
    ['decimal(12,5), too many decimal places for a fixed decimal', ColumnType.decimal(12, 5), 'FLOAT'],
  ])('SPICE: %s is DECIMAL with the sub type %s', (_name, type, subType) => {
    expect(typeOf(type, DataSetImportMode.spice()).column).toEqual({ Name: 'c', Type: 'DECIMAL', SubType: subType });
  });

  test('SPICE: other types have no sub type', () => {
    expect(typeOf(ColumnType.BIGINT, DataSetImportMode.spice()).column).toEqual({ Name: 'c', Type: 'INTEGER' });
  });

  test.each([
    [PartitionLayout.hourly(), ['year', 'month', 'day', 'hour']],
    [PartitionLayout.daily(), ['year', 'month', 'day']],
    [PartitionLayout.monthly(), ['year', 'month']],
    [new PartitionLayout({ granularity: PartitionGranularity.DAILY, yearKey: 'y', monthKey: 'm', dayKey: 'd' }), ['y', 'm', 'd']],
  ])('the partition keys follow the columns as strings, coarsest first (%#)', (layout, keys) => {
    const { t } = setUp({}, { layout });
    const columns = only(t, 'AWS::QuickSight::DataSet').Properties.PhysicalTableMap.lake.RelationalTable.InputColumns;
    expect(columns.slice(3)).toEqual(keys.map((Name) => ({ Name, Type: 'STRING' })));
  });

  test('leaves out arrays, maps, structs and binary columns, lists them with the reason, and says so in an info', () => {
    const schema = new TableSchema([
      { name: 'event_id', type: ColumnType.STRING },
      { name: 'tags', type: ColumnType.array(ColumnType.STRING) },
      { name: 'attributes', type: ColumnType.map(ColumnType.STRING, ColumnType.BIGINT) },
      { name: 'device', type: ColumnType.struct([{ name: 'os', type: ColumnType.STRING }]) },
      { name: 'payload', type: ColumnType.BINARY },
      { name: 'legacy', type: ColumnType.fromString('array<int>') },
    ]);
    const { t, stack, qs } = setUp({}, { schema });
    const columns = only(t, 'AWS::QuickSight::DataSet').Properties.PhysicalTableMap.lake.RelationalTable.InputColumns;
    expect(columns.map((c: { Name: string }) => c.Name)).toEqual(['event_id', 'year', 'month', 'day', 'hour']);
    const nested = (kind: string) => `QuickSight cannot type ${kind} columns and skips them: add a primitive column with the values to chart`;
    expect(qs.omittedColumns).toEqual([
      { name: 'tags', glueType: 'array<string>', reason: nested('array') },
      { name: 'attributes', glueType: 'map<string,bigint>', reason: nested('map') },
      { name: 'device', glueType: 'struct<os:string>', reason: nested('struct') },
      { name: 'payload', glueType: 'binary', reason: 'QuickSight does not support binary columns and skips them' },
      { name: 'legacy', glueType: 'array<int>', reason: nested('array') },
    ]);
    Annotations.fromStack(stack).hasInfo(
      '/TestStack/Reports',
      'the data set leaves out columns QuickSight cannot use: tags (array<string>), attributes (map<string,bigint>), device (struct<os:string>), payload (binary), legacy (array<int>); see omittedColumns for the reasons',
    );
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Reports', Match.anyValue());
  });

  test('leaves out a column whose name is longer than QuickSight allows', () => {
    const name = 'c'.repeat(128);
    const { qs, t } = setUp({}, { schema: new TableSchema([{ name: 'event_id', type: ColumnType.STRING }, { name, type: ColumnType.STRING }]) });
    expect(qs.omittedColumns).toEqual([{ name, glueType: 'string', reason: 'QuickSight column names are at most 127 characters, this one has 128' }]);
    const columns = only(t, 'AWS::QuickSight::DataSet').Properties.PhysicalTableMap.lake.RelationalTable.InputColumns;
    expect(columns.map((c: { Name: string }) => c.Name)).not.toContain(name);
  });

  test('leaves out a type it does not recognize, with a warning instead of an info', () => {
    const schema = new TableSchema([{ name: 'event_id', type: ColumnType.STRING }, { name: 'span', type: ColumnType.fromString('interval') }]);
    const { stack, qs } = setUp({}, { schema });
    expect(qs.omittedColumns).toEqual([{ name: 'span', glueType: 'interval', reason: "QuickSight has no type for the Glue type 'interval'" }]);
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Reports',
      Match.stringLikeRegexp(
        'the data set leaves out columns of Glue types it does not recognize: span \\(interval\\); declare them with a ColumnType QuickSight reads, e.g. ColumnType.STRING',
      ),
    );
    expect(Annotations.fromStack(stack).findWarning('/TestStack/Reports', Match.anyValue())[0].entry.data).toContain(
      'cdk-serverless-data-lake:QuickSightDataSet.unknownColumnType',
    );
    expect(Annotations.fromStack(stack).findInfo('/TestStack/Reports', Match.anyValue())).toEqual([]);
  });

  test('says nothing when every column is kept', () => {
    const { stack } = setUp();
    expect(Annotations.fromStack(stack).findInfo('/TestStack/Reports', Match.anyValue())).toEqual([]);
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Reports', Match.anyValue());
  });
});

describe('import mode', () => {
  test('direct query defines no refresh schedule and no ingestion wait policy', () => {
    const { t, qs } = setUp({ importMode: DataSetImportMode.directQuery() });
    t.resourceCountIs('AWS::QuickSight::RefreshSchedule', 0);
    expect(qs.refreshSchedule).toBeUndefined();
    expect(only(t, 'AWS::QuickSight::DataSet').Properties.IngestionWaitPolicy).toBeUndefined();
  });

  test('SPICE by default refreshes the whole table daily at 01:00 UTC, and the deployment does not wait for the first import', () => {
    const { t, stack, qs } = setUp({ importMode: DataSetImportMode.spice() });
    const dataSet = only(t, 'AWS::QuickSight::DataSet');
    expect(dataSet.Properties.ImportMode).toBe('SPICE');
    expect(dataSet.Properties.IngestionWaitPolicy).toEqual({ WaitForSpiceIngestion: false });
    const schedule = only(t, 'AWS::QuickSight::RefreshSchedule');
    expect(schedule.Properties).toEqual({
      AwsAccountId: '123456789012',
      DataSetId: qs.dataSetId,
      Schedule: {
        ScheduleId: qs.dataSetId.replace(/-data$/, '-refresh'),
        RefreshType: 'FULL_REFRESH',
        ScheduleFrequency: { Interval: 'DAILY', TimeOfTheDay: '01:00', TimeZone: 'UTC' },
      },
    });
    expect(schedule.DependsOn).toEqual([stack.getLogicalId(qs.dataSet)]);
    expect(qs.refreshSchedule).toBeDefined();
    expect(qs.importMode.mode).toBe('SPICE');
  });

  test.each([
    ['hourly', () => SpiceRefresh.hourly(), { Interval: 'HOURLY', TimeZone: 'UTC' }],
    ['hourly in a time zone', () => SpiceRefresh.hourly({ timeZone: 'Asia/Kolkata' }), { Interval: 'HOURLY', TimeZone: 'Asia/Kolkata' }],
    ['daily at a time', () => SpiceRefresh.daily({ timeOfDay: '23:59', timeZone: 'Europe/Berlin' }), { Interval: 'DAILY', TimeOfTheDay: '23:59', TimeZone: 'Europe/Berlin' }],
    ['weekly', () => SpiceRefresh.weekly(RefreshWeekDay.MONDAY), { Interval: 'WEEKLY', TimeOfTheDay: '01:00', TimeZone: 'UTC', RefreshOnDay: { DayOfWeek: 'MONDAY' } }],
    [
      'monthly',
      () => SpiceRefresh.monthly(28, { timeOfDay: '00:00', timeZone: 'America/New_York' }),
      { Interval: 'MONTHLY', TimeOfTheDay: '00:00', TimeZone: 'America/New_York', RefreshOnDay: { DayOfMonth: '28' } },
    ],
    ['monthly on the first', () => SpiceRefresh.monthly(1), { Interval: 'MONTHLY', TimeOfTheDay: '01:00', TimeZone: 'UTC', RefreshOnDay: { DayOfMonth: '1' } }],
  ])('SPICE refreshed %s', (_name, refresh, frequency) => {
    const { t } = setUp({ importMode: DataSetImportMode.spice({ refresh: refresh() }) });
    expect(only(t, 'AWS::QuickSight::RefreshSchedule').Properties.Schedule.ScheduleFrequency).toEqual(frequency);
  });

  test.each([
    ['MONDAY', RefreshWeekDay.MONDAY],
    ['TUESDAY', RefreshWeekDay.TUESDAY],
    ['WEDNESDAY', RefreshWeekDay.WEDNESDAY],
    ['THURSDAY', RefreshWeekDay.THURSDAY],
    ['FRIDAY', RefreshWeekDay.FRIDAY],
    ['SATURDAY', RefreshWeekDay.SATURDAY],
    ['SUNDAY', RefreshWeekDay.SUNDAY],
  ])('weekly on %s', (name, day) => {
    expect(day.name).toBe(name);
    expect(SpiceRefresh.weekly(day)._refreshOnDay).toEqual({ dayOfWeek: name });
  });

  test('a refresh exposes its interval, time zone and time of day', () => {
    const daily = SpiceRefresh.daily();
    expect([daily.interval, daily.timeZone, daily.timeOfDay]).toEqual(['DAILY', 'UTC', '01:00']);
    const hourly = SpiceRefresh.hourly({ timeZone: 'Europe/Paris' });
    expect([hourly.interval, hourly.timeZone, hourly.timeOfDay]).toEqual(['HOURLY', 'Europe/Paris', undefined]);
  });

  test('lets a time of day and a time zone that are tokens through', () => {
    const stack = newStack();
    const time = new CfnParameter(stack, 'Time').valueAsString;
    const zone = new CfnParameter(stack, 'Zone').valueAsString;
    const { t } = setUp({ importMode: DataSetImportMode.spice({ refresh: SpiceRefresh.daily({ timeOfDay: time, timeZone: zone }) }) }, { stack });
    expect(only(t, 'AWS::QuickSight::RefreshSchedule').Properties.Schedule.ScheduleFrequency).toEqual({
      Interval: 'DAILY',
      TimeOfTheDay: { Ref: 'Time' },
      TimeZone: { Ref: 'Zone' },
    });
  });

  test.each([
    ['25:00', 'daily', () => SpiceRefresh.daily({ timeOfDay: '25:00' })],
    ['6:30', 'daily', () => SpiceRefresh.daily({ timeOfDay: '6:30' })],
    ['12:60', 'weekly', () => SpiceRefresh.weekly(RefreshWeekDay.FRIDAY, { timeOfDay: '12:60' })],
    ['noon', 'monthly', () => SpiceRefresh.monthly(2, { timeOfDay: 'noon' })],
  ])('fails on the time of day %s', (value, method, refresh) => {
    expect(thrown(refresh)).toBe(`SpiceRefresh.${method}: timeOfDay must be HH:MM on a 24-hour clock, got '${value}': e.g. '06:30'`);
  });

  test.each([
    ['Mars/Olympus_Mons', 'daily', () => SpiceRefresh.daily({ timeZone: 'Mars/Olympus_Mons' })],
    ['', 'daily', () => SpiceRefresh.daily({ timeZone: '' })],
    ['CEST', 'hourly', () => SpiceRefresh.hourly({ timeZone: 'CEST' })],
  ])("fails on the time zone '%s'", (value, method, refresh) => {
    expect(thrown(refresh)).toBe(`SpiceRefresh.${method}: timeZone must be an IANA time zone ID, got '${value}': e.g. 'UTC' or 'Europe/Berlin'`);
  });

  test.each([0, 29, 31, 1.5])('fails on the day of month %s', (day) => {
    expect(thrown(() => SpiceRefresh.monthly(day))).toBe(
      `SpiceRefresh.monthly: dayOfMonth must be a whole number from 1 to 28 (a day every month has), got ${day}: e.g. 1`,
    );
  });

  test('reports every problem of a refresh at once', () => {
    expect(thrown(() => SpiceRefresh.monthly(30, { timeOfDay: '7', timeZone: 'Nowhere' }))).toBe(
      'SpiceRefresh.monthly: ' +
        '\n  - dayOfMonth must be a whole number from 1 to 28 (a day every month has), got 30: e.g. 1' +
        "\n  - timeOfDay must be HH:MM on a 24-hour clock, got '7': e.g. '06:30'" +
        "\n  - timeZone must be an IANA time zone ID, got 'Nowhere': e.g. 'UTC' or 'Europe/Berlin'",
    );
  });
});

describe('run-as role', () => {
  const quickSightRole = (stack: Stack) => new iam.Role(stack, 'QuickSightRole', { assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com') });

  test('without a role the account-wide QuickSight service role is used', () => {
    const { t } = setUp();
    expect(only(t, 'AWS::QuickSight::DataSource').Properties.DataSourceParameters.AthenaParameters.RoleArn).toBeUndefined();
    t.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('the data source runs as the role, which may query the workgroup, read the table and its catalog metadata', () => {
    const stack = newStack();
    const role = quickSightRole(stack);
    const { t, queries, catalog } = setUp({ role }, { stack });
    const source = only(t, 'AWS::QuickSight::DataSource');
    expect(source.Properties.DataSourceParameters.AthenaParameters).toEqual({
      WorkGroup: queries.workGroupName,
      RoleArn: stack.resolve(role.roleArn),
    });
    const policy = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [stack.resolve(role.roleName)] } }));
    expect(policy).toHaveLength(1);
    const statements = (policy[0] as any).Properties.PolicyDocument.Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: expect.arrayContaining(['athena:StartQueryExecution', 'athena:GetQueryResults']), Resource: stack.resolve(queries.workGroupArn) }),
        expect.objectContaining({ Action: expect.arrayContaining(['glue:GetTable']), Resource: stack.resolve([catalog.catalogArn, catalog.databaseArn, catalog.tableArn]) }),
        {
          Effect: 'Allow',
          Action: ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:GetTableMetadata'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':athena:eu-west-1:123456789012:datacatalog/AwsDataCatalog']] },
        },
      ]),
    );
    // No statement twice, though grantQuery already reads the table the layer serves.
    expect(new Set(statements.map((s: unknown) => JSON.stringify(s))).size).toBe(statements.length);
    expect(source.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(role.node.findChild('DefaultPolicy').node.defaultChild as never)]));
  });

  test('an imported role is granted through a policy the data source waits for', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/quicksight-athena');
    const { t } = setUp({ role }, { stack });
    expect(only(t, 'AWS::QuickSight::DataSource').Properties.DataSourceParameters.AthenaParameters.RoleArn).toBe('arn:aws:iam::123456789012:role/quicksight-athena');
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: ['quicksight-athena'] } });
    expect(Object.keys(policies)).toHaveLength(1);
    expect(only(t, 'AWS::QuickSight::DataSource').DependsOn).toEqual(expect.arrayContaining(Object.keys(policies)));
  });

  test('fails on a role that does not trust QuickSight', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'LambdaRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(thrown(() => setUp({ role }, { stack }))).toBe(
      message(
        "role must trust quicksight.amazonaws.com, got TestStack/LambdaRole whose trust policy does not name it: create it with assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com')",
      ),
    );
  });
});

describe('starter analysis and dashboard', () => {
  test('are not defined by default', () => {
    const { t, qs } = setUp();
    t.resourceCountIs('AWS::QuickSight::Analysis', 0);
    t.resourceCountIs('AWS::QuickSight::Dashboard', 0);
    expect(qs.analysis).toBeUndefined();
    expect(qs.dashboard).toBeUndefined();
  });

  test('are not defined when turned off', () => {
    const { t } = setUp({ starterDashboard: false });
    t.resourceCountIs('AWS::QuickSight::Analysis', 0);
    t.resourceCountIs('AWS::QuickSight::Dashboard', 0);
  });

  test('share one definition: rows per hour and the newest rows of the last 24 hours, by the partition period', () => {
    const { t, stack, qs } = setUp({ starterDashboard: true });
    const analysis = only(t, 'AWS::QuickSight::Analysis');
    const dashboard = only(t, 'AWS::QuickSight::Dashboard');
    const column = (ColumnName: string) => ({ DataSetIdentifier: 'lake', ColumnName });
    const period = 'Partition start (UTC)';
    expect(analysis.Properties.Definition).toEqual({
      DataSetIdentifierDeclarations: [{ Identifier: 'lake', DataSetArn: { 'Fn::GetAtt': [stack.getLogicalId(qs.dataSet), 'Arn'] } }],
      CalculatedFields: [
        { DataSetIdentifier: 'lake', Name: period, Expression: "parseDate(concat({year}, '-', {month}, '-', {day}, ' ', {hour}), 'yyyy-MM-dd HH')" },
      ],
      Sheets: [
        {
          SheetId: 'overview',
          Name: 'Overview',
          Visuals: [
            {
              LineChartVisual: {
                VisualId: 'rows-per-period',
                Title: { Visibility: 'VISIBLE', FormatText: { PlainText: 'Rows per hour (last 24 hours)' } },
                ChartConfiguration: {
                  FieldWells: {
                    LineChartAggregatedFieldWells: {
                      Category: [{ DateDimensionField: { FieldId: 'period', Column: column(period), DateGranularity: 'HOUR' } }],
                      Values: [{ CategoricalMeasureField: { FieldId: 'rows', Column: column('year'), AggregationFunction: 'COUNT' } }],
                    },
                  },
                },
              },
            },
            {
              TableVisual: {
                VisualId: 'latest-rows',
                Title: { Visibility: 'VISIBLE', FormatText: { PlainText: 'Newest rows (last 24 hours)' } },
                ChartConfiguration: {
                  FieldWells: {
                    TableUnaggregatedFieldWells: {
                      Values: [period, 'event_id', 'amount', 'clicked_at', 'year', 'month', 'day', 'hour'].map((name, i) => ({ FieldId: `latest-${i}`, Column: column(name) })),
                    },
                  },
                  SortConfiguration: { RowSort: [{ FieldSort: { FieldId: 'latest-0', Direction: 'DESC' } }] },
                },
              },
            },
          ],
        },
      ],
      FilterGroups: [
        {
          FilterGroupId: 'recent-partitions',
          CrossDataset: 'SINGLE_DATASET',
          Status: 'ENABLED',
          ScopeConfiguration: { SelectedSheets: { SheetVisualScopingConfigurations: [{ SheetId: 'overview', Scope: 'ALL_VISUALS' }] } },
          Filters: [
            {
              RelativeDatesFilter: {
                FilterId: 'recent-partitions-filter',
                Column: column(period),
                AnchorDateConfiguration: { AnchorOption: 'NOW' },
                RelativeDateType: 'LAST',
                RelativeDateValue: 24,
                TimeGranularity: 'HOUR',
                NullOption: 'NON_NULLS_ONLY',
              },
            },
          ],
        },
      ],
    });
    expect(dashboard.Properties.Definition).toEqual(analysis.Properties.Definition);
  });

  test.each([
    [PartitionLayout.daily(), "parseDate(concat({year}, '-', {month}, '-', {day}), 'yyyy-MM-dd')", 'DAY', 7, 'Rows per day (last 7 days)'],
    [PartitionLayout.monthly(), "parseDate(concat({year}, '-', {month}), 'yyyy-MM')", 'MONTH', 12, 'Rows per month (last 12 months)'],
  ])('follow the layout\'s granularity (%#)', (layout, expression, granularity, last, title) => {
    const { t } = setUp({ starterDashboard: true }, { layout });
    const definition = only(t, 'AWS::QuickSight::Analysis').Properties.Definition;
    expect(definition.CalculatedFields[0].Expression).toBe(expression);
    const line = definition.Sheets[0].Visuals[0].LineChartVisual;
    expect(line.Title.FormatText.PlainText).toBe(title);
    expect(line.ChartConfiguration.FieldWells.LineChartAggregatedFieldWells.Category[0].DateDimensionField.DateGranularity).toBe(granularity);
    expect(definition.FilterGroups[0].Filters[0].RelativeDatesFilter).toMatchObject({ RelativeDateValue: last, TimeGranularity: granularity });
  });

  test('owners own the analysis; owners own and readers view the dashboard', () => {
    const { t, qs } = setUp({ starterDashboard: true, readers: [READER] });
    const analysis = only(t, 'AWS::QuickSight::Analysis').Properties;
    const dashboard = only(t, 'AWS::QuickSight::Dashboard').Properties;
    expect(analysis.Permissions).toEqual([{ Principal: OWNER, Actions: ANALYSIS_OWNER }]);
    expect(dashboard.Permissions).toEqual([
      { Principal: OWNER, Actions: DASHBOARD_OWNER },
      { Principal: READER, Actions: DASHBOARD_READER },
    ]);
    expect(analysis).toMatchObject({ AwsAccountId: '123456789012', AnalysisId: qs.dataSetId.replace(/-data$/, '-analysis'), Name: 'clicks (starter analysis)' });
    expect(dashboard).toMatchObject({ AwsAccountId: '123456789012', DashboardId: qs.dataSetId.replace(/-data$/, '-dashboard'), Name: 'clicks (starter dashboard)' });
    expect(qs.analysis).toBeDefined();
    expect(qs.dashboard).toBeDefined();
  });

  test('the table of newest rows lists only the columns the data set has', () => {
    const schema = new TableSchema([{ name: 'event_id', type: ColumnType.STRING }, { name: 'tags', type: ColumnType.array(ColumnType.STRING) }]);
    const { t } = setUp({ starterDashboard: true }, { schema, layout: PartitionLayout.monthly() });
    const table = only(t, 'AWS::QuickSight::Dashboard').Properties.Definition.Sheets[0].Visuals[1].TableVisual;
    const values: Array<{ Column: { ColumnName: string } }> = table.ChartConfiguration.FieldWells.TableUnaggregatedFieldWells.Values;
    expect(values.map((v) => v.Column.ColumnName)).toEqual([
      'Partition start (UTC)',
      'event_id',
      'year',
      'month',
    ]);
  });
});

describe('validation', () => {
  test('fails on a schema-on-read catalog, whose columns are unknown at synth', () => {
    expect(thrown(() => setUp({}, { schema: null }))).toBe(
      message(
        "catalog TestStack/Catalog must declare a schema, got a schema-on-read table whose columns exist only once its crawler has run: declare schema on the CrawledCatalog so the data set's columns are known at synth, or create the data set in QuickSight after the crawler has created the table",
      ),
    );
  });

  test('fails without owners', () => {
    expect(thrown(() => setUp({ owners: [] }))).toBe(
      message(
        'owners must hold at least one QuickSight user or group ARN, got none: a data set no one may open is of no use; pass e.g. the ARN of the QuickSight group of your authors',
      ),
    );
  });

  const notQuickSight = (prop: string, i: number, arn: string, account = '123456789012') =>
    `${prop}[${i}] must be a QuickSight user or group ARN (arn:<partition>:quicksight:<region>:<account>:user/<namespace>/<name> or ...:group/<namespace>/<name>), got '${arn}': e.g. 'arn:aws:quicksight:us-east-1:${account}:group/default/analysts'`;

  test.each([
    ['an IAM role', 'arn:aws:iam::123456789012:role/analyst'],
    ['a namespace', 'arn:aws:quicksight:us-east-1:123456789012:namespace/default'],
    ['a user without a namespace', 'arn:aws:quicksight:us-east-1:123456789012:user/jane'],
    ['a user name', 'jane'],
    ['an account that is not 12 digits', 'arn:aws:quicksight:us-east-1:12345:group/default/analysts'],
  ])('fails on an owner that is %s', (_name, arn) => {
    expect(thrown(() => setUp({ owners: [arn] }))).toBe(message(notQuickSight('owners', 0, arn)));
  });

  test('fails on a reader that is not a QuickSight principal, naming its index', () => {
    expect(thrown(() => setUp({ readers: [READER, 'arn:aws:iam::123456789012:user/bob'] }))).toBe(
      message(notQuickSight('readers', 1, 'arn:aws:iam::123456789012:user/bob')),
    );
  });

  test('names the example account 123456789012 in an environment-agnostic stack', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'TestStack');
    expect(thrown(() => setUp({ owners: ['jane'] }, { stack }))).toBe(message(notQuickSight('owners', 0, 'jane')));
  });

  test('fails on a principal of another account', () => {
    const other = 'arn:aws:quicksight:us-east-1:210987654321:group/default/analysts';
    expect(thrown(() => setUp({ readers: [other] }))).toBe(
      message(
        `readers[0] must be a principal of the stack's account 123456789012, got one of account 210987654321 ('${other}'): QuickSight shares data sets only with users and groups of its own account`,
      ),
    );
  });

  test('fails on a principal listed twice, or as owner and reader', () => {
    expect(thrown(() => setUp({ owners: [OWNER, OWNER] }))).toBe(message(`owners must list each principal once, got '${OWNER}' twice: remove the duplicate`));
    expect(thrown(() => setUp({ readers: [OWNER] }))).toBe(
      message(`readers must not repeat an owner, got '${OWNER}' in both: owners can already do what readers can; keep it in owners only`),
    );
  });

  test('fails on more than 64 principals', () => {
    const readers = Array.from({ length: 64 }, (_v, i) => `arn:aws:quicksight:us-east-1:123456789012:user/default/reader${i}`);
    expect(thrown(() => setUp({ readers }))).toBe(
      message("owners and readers must hold at most 64 principals together (QuickSight's limit per data set), got 65: grant QuickSight groups instead of their users"),
    );
    expect(() => setUp({ readers: readers.slice(0, 63) })).not.toThrow();
  });

  test.each([
    ['empty', '', 0],
    ['of 129 characters', 'n'.repeat(129), 129],
  ])('fails on a data set name %s', (_name, dataSetName, length) => {
    expect(thrown(() => setUp({ dataSetName }))).toBe(message(`dataSetName must be 1 to 128 characters (QuickSight's limit), got ${length}: use a shorter name`));
  });

  test('reports every problem at once', () => {
    expect(thrown(() => setUp({ owners: ['jane', 'jane'], dataSetName: '' }))).toBe(
      message(
        notQuickSight('owners', 0, 'jane'),
        notQuickSight('owners', 1, 'jane'),
        "owners must list each principal once, got 'jane' twice: remove the duplicate",
        "dataSetName must be 1 to 128 characters (QuickSight's limit), got 0: use a shorter name",
      ),
    );
  });
});

describe('composition', () => {
  test('two data sets in one stack synthesize with their own IDs', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
    const queries = new AthenaQueryLayer(stack, 'Queries', { tables: [catalog] });
    const qs = new QuickSightDataSet(stack, 'Reports', { queryLayer: queries, catalog, owners: [OWNER], starterDashboard: true });
    const second = new QuickSightDataSet(stack, 'Finance', { queryLayer: queries, catalog, owners: [OWNER], importMode: DataSetImportMode.spice(), starterDashboard: true });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::QuickSight::DataSet', 2);
    t.resourceCountIs('AWS::QuickSight::DataSource', 2);
    expect(second.dataSetId).not.toBe(qs.dataSetId);
    expect(second.dataSource.dataSourceId).not.toBe(qs.dataSource.dataSourceId);
    expect(second.dashboard!.dashboardId).not.toBe(qs.dashboard!.dashboardId);
  });

  test('works with a catalog whose partitions are registered by a crawler', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', {
      bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA, partitionDiscovery: PartitionDiscovery.crawler(),
    });
    const queries = new AthenaQueryLayer(stack, 'Queries', { tables: [catalog] });
    new QuickSightDataSet(stack, 'Reports', { queryLayer: queries, catalog, owners: [OWNER] });
    Template.fromStack(stack).resourceCountIs('AWS::QuickSight::DataSet', 1);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test.each([
    ['defaults', () => ({})],
    ['SPICE with the starter dashboard and readers', () => ({ importMode: DataSetImportMode.spice(), starterDashboard: true, readers: [READER] })],
  ])('has no unacknowledged finding with %s', (_name, props) => {
    const { stack } = setUp(props());
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });

  test('the nag pack is live: a data source without SSL is reported', () => {
    const stack = newStack();
    const lake = new PartitionedParquetLake(stack, 'Lake');
    const catalog = new CrawledCatalog(stack, 'Catalog', { bucket: lake.bucket, layout: lake.layout, tableName: 'clicks', schema: SCHEMA });
    const queries = new AthenaQueryLayer(stack, 'Queries', { tables: [catalog] });
    const qs = new QuickSightDataSet(stack, 'Reports', { queryLayer: queries, catalog, owners: [OWNER] });
    qs.dataSource.sslProperties = { disableSsl: true };
    expect(awsSolutionsFindings(stack)).toEqual([{ rule: 'AwsSolutions-QS1', path: 'TestStack/Reports/DataSource' }]);
  });

  test('has no unacknowledged finding with a run-as role', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'QuickSightRole', { assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com') });
    setUp({ role }, { stack });
    expect(awsSolutionsFindings(stack)).toEqual([]);
  });
});
