import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { AthenaQueryLayer } from '../athena-query-layer/athena-query-layer';
import { BatchTrigger } from '../batch-trigger/batch-trigger';
import { CrawledCatalog } from '../crawled-catalog/crawled-catalog';
import { NewlineTransformFirehose } from '../newline-transform-firehose/newline-transform-firehose';
import { throwIfAny } from '../private/errors';
import { StreamIngest } from '../stream-ingest/stream-ingest';

/**
 * Where the lake's composite alarm ("this lake is not healthy") sends its notifications. The
 * stage alarms have no actions of their own: they feed the composite alarm, so one page goes
 * out, not one per stage.
 */
export class LakeAlarmActions {
  /** No actions: the alarms change state and show on the dashboard; add actions later with `healthAlarm.addAlarmAction`. */
  public static none(): LakeAlarmActions {
    return new LakeAlarmActions('NONE', []);
  }

  /**
   * A new SNS topic, encrypted with KMS, notified on ALARM and OK. Subscribe your on-call
   * endpoints to `alarmTopic`.
   *
   * @param encryptionKey the topic's key (default: a new key with rotation, which CloudWatch may use)
   */
  public static newTopic(encryptionKey?: kms.IKey): LakeAlarmActions {
    return new LakeAlarmActions('TOPIC', [], encryptionKey);
  }

  /** Your actions (an SNS topic of yours, an incident manager, ...), on ALARM and OK. */
  public static of(...alarmActions: cloudwatch.IAlarmAction[]): LakeAlarmActions {
    return new LakeAlarmActions('ACTIONS', alarmActions);
  }

  /** @internal */
  public readonly _kind: string;
  /** @internal */
  public readonly _actions: cloudwatch.IAlarmAction[];
  /** @internal */
  public readonly _key?: kms.IKey;

  private constructor(kind: string, alarmActions: cloudwatch.IAlarmAction[], key?: kms.IKey) {
    this._kind = kind;
    this._actions = alarmActions;
    this._key = key;
  }
}

/**
 * Props of {@link LakeMonitoring}: any subset of one lake's pipeline, and how to watch it.
 */
export interface LakeMonitoringProps extends LakeMonitoringOptions {
  /**
   * Name of the lake in alarm names, descriptions and the dashboard.
   *
   * @default - the delivery's or the catalog's table name
   */
  readonly lakeName?: string;

  /**
   * The stream: iterator age and write throttling.
   *
   * @default - the ingest stage is not watched
   */
  readonly ingest?: StreamIngest;

  /**
   * The delivery: freshness, success, processing, conversion failures, backup freshness, and
   * its bundled processor Lambda.
   *
   * @default - the delivery stage is not watched
   */
  readonly delivery?: NewlineTransformFirehose;

  /**
   * The catalog: crawler failures, or the registration function, its dead letters and its
   * failure metrics.
   *
   * @default - the catalog stage is not watched
   */
  readonly catalog?: CrawledCatalog;

  /**
   * The query layer: bytes scanned and failed queries on the dashboard (no alarm: a failed
   * query is the analyst's to see, not a pipeline failure).
   *
   * @default - no query row on the dashboard
   */
  readonly queryLayer?: AthenaQueryLayer;

  /**
   * The batch trigger: its dead-letter queue, and the bundled producer's dead-lettered,
   * oversized and malformed records, and its function.
   *
   * @default - the batch stage is not watched
   */
  readonly batchTrigger?: BatchTrigger;
}

/**
 * How a `LakeMonitoring` watches a lake (also what `ServerlessDataLake` passes through to it).
 */
export interface LakeMonitoringOptions {
  /**
   * Where the composite alarm notifies.
   *
   * @default LakeAlarmActions.none()
   */
  readonly alarmActions?: LakeAlarmActions;

  /**
   * Whether to define a CloudWatch dashboard with one row per watched stage.
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * The iterator age at which the ingest alarm fires.
   *
   * @default - a quarter of the stream's retention period (42 hours for 168 hours): three
   *   quarters of the retention are left to fix the consumer before records expire
   */
  readonly iteratorAgeThreshold?: Duration;

  /**
   * The age of the oldest undelivered record at which the delivery alarm fires.
   *
   * @default - twice the buffering interval plus the processor's buffering interval plus
   *   5 minutes (15 minutes for a 300-second buffer without a processor)
   */
  readonly deliveryFreshnessThreshold?: Duration;
}

/** One condition of a stage alarm: `metric <comparison> threshold`, missing data filled. */
interface Condition {
  readonly label: string;
  readonly metric: cloudwatch.IMetric;
  readonly comparison: '>' | '<';
  readonly threshold: number;
  /** What a period without data counts as (0 for counts and ages, 1 for success ratios). */
  readonly fill: number;
  /** How the threshold was derived, for the description. */
  readonly why: string;
}

/** A stage's runbook: what the alarm means, the likely causes, and what to do. */
interface Runbook {
  readonly means: string;
  readonly causes: string;
  readonly action: string;
}

/** Per alarm: the period, and how many of how many periods must breach. */
const PERIOD = Duration.minutes(5);
const EVALUATION_PERIODS = 3;
const DATAPOINTS_TO_ALARM = 2;
// The construct ID of a function's alarm, under the function.
const FUNCTION_ALARM_ID = 'LakeMonitoringAlarm';
// CloudWatch's limit for AlarmDescription.
const MAX_DESCRIPTION = 1024;

/**
 * Alarms for every stage of one lake that exists, one composite alarm over them ("this lake is
 * not healthy", the one that pages), and a dashboard with one row per stage.
 *
 * Each stage has one alarm whose metric-math expression is the sum of its conditions (each a
 * comparison of one metric, from the construct's own `metric*` method, with its threshold), so
 * a stage costs one alarm however many metrics it watches; its description lists every
 * condition with metric, statistic, period and threshold, and says what to do. The bundled
 * Lambdas (newline, registrar) get one alarm each, shared by every lake in the stack that uses
 * them.
 *
 * @example
 * declare const ingest: StreamIngest;
 * declare const delivery: NewlineTransformFirehose;
 * declare const catalog: CrawledCatalog;
 * new LakeMonitoring(this, 'Monitoring', {
 *   ingest,
 *   delivery,
 *   catalog,
 *   alarmActions: LakeAlarmActions.newTopic(),
 * });
 */
export class LakeMonitoring extends Construct {
  /** The composite alarm over every stage alarm: "this lake is not healthy". */
  public readonly healthAlarm: cloudwatch.CompositeAlarm;

  /** The stage alarms, by stage: `ingest`, `delivery`, `deliveryErrors`, `catalog`, and `lambda:<function path>`. */
  public readonly stageAlarms: Record<string, cloudwatch.IAlarm>;

  /**
   * The topic the composite alarm notifies.
   *
   * @default - none unless `LakeAlarmActions.newTopic()`
   */
  public readonly alarmTopic?: sns.ITopic;

  /**
   * The dashboard.
   *
   * @default - none with `dashboard: false`
   */
  public readonly dashboard?: cloudwatch.Dashboard;

  /** The lake's name in alarm names and descriptions. */
  public readonly lakeName: string;

  private readonly rows: cloudwatch.IWidget[][] = [];

  public constructor(scope: Construct, id: string, props: LakeMonitoringProps) {
    super(scope, id);
    const lakeName = props.lakeName ?? props.delivery?.tableName ?? props.catalog?.tableName;
    const problems: string[] = [];
    if (!props.ingest && !props.delivery && !props.catalog && !props.batchTrigger) {
      problems.push('needs at least one of ingest, delivery, catalog or batchTrigger to watch, got none: pass the pipeline constructs of the lake');
    }
    if (lakeName === undefined && (props.ingest || props.queryLayer || props.batchTrigger)) {
      problems.push('lakeName is needed when neither delivery nor catalog names the table, got none: set lakeName, e.g. the table name');
    }
    if (props.iteratorAgeThreshold !== undefined && !props.ingest) {
      problems.push('iteratorAgeThreshold applies to the ingest alarm, got it without ingest: pass ingest, or remove iteratorAgeThreshold');
    }
    if (props.deliveryFreshnessThreshold !== undefined && !props.delivery) {
      problems.push('deliveryFreshnessThreshold applies to the delivery alarm, got it without delivery: pass delivery, or remove deliveryFreshnessThreshold');
    }
    if (props.ingest && props.iteratorAgeThreshold === undefined && props.ingest.retentionPeriod === undefined) {
      problems.push('iteratorAgeThreshold is needed for a stream of yours whose retention this library does not know: set it, e.g. to a quarter of the retention');
    }
    const retention = props.ingest?.retentionPeriod;
    const given = props.iteratorAgeThreshold;
    if (given !== undefined && retention !== undefined && given.toMilliseconds() >= retention.toMilliseconds()) {
      problems.push(
        `iteratorAgeThreshold must be less than the stream's retention (${retention.toHumanString()}), got ${given.toHumanString()}: records expire before it fires; use e.g. ${Duration.hours(retention.toHours() / 4).toHumanString()}`,
      );
    }
    throwIfAny(this, problems);
    this.lakeName = lakeName!;

    const stageAlarms: Record<string, cloudwatch.IAlarm> = {};
    if (props.ingest) stageAlarms.ingest = this.ingestAlarm(props.ingest, props.iteratorAgeThreshold);
    if (props.delivery) {
      stageAlarms.delivery = this.deliveryAlarm(props.delivery, props.deliveryFreshnessThreshold);
      stageAlarms.deliveryErrors = this.deliveryErrorsAlarm(props.delivery);
      const fn = props.delivery.processorFunction;
      if (fn) stageAlarms[`lambda:${fn.node.path}`] = this.functionAlarm(fn, 'the delivery\'s processor', 'Firehose retries the batch, then writes its records to errors/<table>/processing-failed/');
    }
    if (props.catalog) {
      const alarm = this.catalogAlarm(props.catalog);
      if (alarm) stageAlarms.catalog = alarm;
      const fn = props.catalog.registrationFunction;
      if (fn) stageAlarms[`lambda:${fn.node.path}`] = this.functionAlarm(fn, 'the partition registration', 'EventBridge and Lambda retry, then the event goes to the dead-letter queue and its partition is not registered');
    }
    if (props.batchTrigger) {
      stageAlarms.batch = this.batchAlarm(props.batchTrigger);
      if (props.batchTrigger.usesBundledProducer) {
        const fn = props.batchTrigger.producer;
        stageAlarms[`lambda:${fn.node.path}`] = this.functionAlarm(fn, 'the batch producer', 'Lambda retries twice, then the invocation goes to the dead-letter queue; a continued object resumes where it stopped');
      }
    }
    if (props.queryLayer) this.queryRow(props.queryLayer);
    this.stageAlarms = stageAlarms;

    const alarms = Object.values(stageAlarms);
    this.healthAlarm = new cloudwatch.CompositeAlarm(this, 'Health', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...alarms.map((a) => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM))),
      alarmDescription: clip(
        `The lake ${this.lakeName} is not healthy: at least one of its stage alarms is in ALARM (${Object.keys(stageAlarms).join(', ')}). ` +
          'Open the lake dashboard, find the stage alarm in ALARM and follow its description: each names the metric, statistic, period and threshold, and what to do.',
      ),
    });

    const alarmActions = props.alarmActions ?? LakeAlarmActions.none();
    let targets = alarmActions._actions;
    if (alarmActions._kind === 'TOPIC') {
      const key =
        alarmActions._key ??
        new kms.Key(this, 'TopicKey', { description: `Encrypts the alarm topic of the lake ${this.lakeName}`, enableKeyRotation: true });
      // CloudWatch publishes to an encrypted topic only if it may use the key.
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-encryption
      key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      const topic = new sns.Topic(this, 'Topic', { displayName: `Alarms of the lake ${this.lakeName}`, masterKey: key, enforceSSL: true });
      this.alarmTopic = topic;
      targets = [new actions.SnsAction(topic)];
    }
    for (const action of targets) {
      this.healthAlarm.addAlarmAction(action);
      this.healthAlarm.addOkAction(action);
    }

    if (props.dashboard ?? true) {
      const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
      dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: `# Lake ${this.lakeName}\nOne row per stage: the metrics its alarm watches and the alarm's state. Each alarm's description is its runbook: what it means, the likely causes and what to do.`,
          width: 18,
          height: 2,
        }),
        new cloudwatch.AlarmStatusWidget({ title: 'Health', alarms: [this.healthAlarm], width: 6, height: 2 }),
      );
      for (const row of this.rows) dashboard.addWidgets(...row);
      this.dashboard = dashboard;
    }
  }

  private ingestAlarm(ingest: StreamIngest, given?: Duration): cloudwatch.IAlarm {
    const threshold = given ?? Duration.millis(ingest.retentionPeriod!.toMilliseconds() / 4);
    const why = given ? 'as configured' : `a quarter of the ${ingest.retentionPeriod!.toHumanString()} retention`;
    const conditions: Condition[] = [
      {
        label: 'iterator age (ms)',
        metric: ingest.metricGetRecordsIteratorAgeMilliseconds({ period: PERIOD }),
        comparison: '>',
        threshold: threshold.toMilliseconds(),
        fill: 0,
        why,
      },
      { label: 'throttled writes', metric: ingest.metricWriteProvisionedThroughputExceeded({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
      { label: 'failed PutRecords entries', metric: ingest.metricPutRecordsFailedRecords({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
    ];
    return this.stageAlarm('Ingest', 'ingest (Kinesis stream)', conditions, {
      means: 'records wait too long in the stream, or producers are throttled or lose entries',
      causes: 'the delivery stream stopped reading (check the delivery alarm), too few shards for the write rate, a hot partition key',
      action: `if the iterator age grows, fix the consumer before ${ingest.retentionPeriod?.toHumanString() ?? 'the retention'} passes or records expire; if writes are throttled, add shards (ShardCalculator) or spread partition keys; producers must retry failed entries`,
    }, [ingest.metricIncomingRecords({ period: PERIOD })]);
  }

  private deliveryAlarm(delivery: NewlineTransformFirehose, given?: Duration): cloudwatch.IAlarm {
    const processor = delivery.processorBufferInterval ?? Duration.seconds(0);
    const derived = Duration.seconds(2 * delivery.bufferingInterval.toSeconds() + processor.toSeconds() + 300);
    const threshold = given ?? derived;
    const why = given
      ? 'as configured'
      : `2 x the ${delivery.bufferingInterval.toSeconds()} s buffer${delivery.processorBufferInterval ? ` + the ${processor.toSeconds()} s processor buffer` : ''} + 300 s`;
    const conditions: Condition[] = delivery.writesIceberg
      ? [
        {
          label: 'data freshness (s)',
          metric: delivery.metricDeliveryToIcebergDataFreshness({ period: PERIOD }),
          comparison: '>',
          threshold: threshold.toSeconds(),
          fill: 0,
          why,
        },
      ]
      : [
        { label: 'data freshness (s)', metric: delivery.metricDeliveryToS3DataFreshness({ period: PERIOD }), comparison: '>', threshold: threshold.toSeconds(), fill: 0, why },
        { label: 'S3 put success ratio', metric: delivery.metricDeliveryToS3Success({ period: PERIOD }), comparison: '<', threshold: 1, fill: 1, why: 'any failed put' },
      ];
    if (delivery.rawBackupBufferingInterval) {
      const backup = Duration.seconds(2 * delivery.rawBackupBufferingInterval.toSeconds() + 300);
      conditions.push({
        label: 'backup freshness (s)',
        metric: delivery.metricBackupToS3DataFreshness({ period: PERIOD }),
        comparison: '>',
        threshold: backup.toSeconds(),
        fill: 0,
        why: `2 x the ${delivery.rawBackupBufferingInterval.toSeconds()} s backup buffer + 300 s`,
      });
    }
    if (delivery.processorFunction) {
      conditions.push({ label: 'processor success ratio', metric: delivery.metricExecuteProcessingSuccess({ period: PERIOD }), comparison: '<', threshold: 1, fill: 1, why: 'any failed invocation' });
    }
    const iceberg = delivery.writesIceberg;
    return this.stageAlarm('Delivery', `delivery (Firehose to ${delivery.tableName}${iceberg ? ', Iceberg' : '/'})`, conditions, {
      means: `Firehose is not ${iceberg ? 'committing the stream\'s records to the Iceberg table' : 'writing the stream\'s records into the lake'} on time`,
      causes: `the role lost S3, KMS or Glue access, the lake key is disabled, the Glue table ${iceberg ? 'was changed or replaced, commits conflict with another writer' : 'changed'}, the processor Lambda fails or times out`,
      action: `read the delivery stream's error logs (its log group, DestinationDelivery stream), fix the access or the table; Firehose retries for ${iceberg ? 'its retry duration' : '24 hours'}, then records go to errors/ and can be replayed`,
    }, [
      delivery.writesIceberg
        ? delivery.metricDeliveryToIcebergSuccessfulRows({ period: PERIOD })
        : delivery.metricDeliveryToS3Records({ period: PERIOD }),
    ]);
  }

  private deliveryErrorsAlarm(delivery: NewlineTransformFirehose): cloudwatch.IAlarm {
    const conditions: Condition[] = [];
    if (delivery.writesIceberg) {
      conditions.push({ label: 'rows that failed to reach the Iceberg table', metric: delivery.metricDeliveryToIcebergFailedRows({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' });
    }
    if (delivery.convertsToParquet) {
      conditions.push({ label: 'records that failed Parquet conversion', metric: delivery.metricFailedConversionRecords({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' });
    }
    if (delivery.processorFunction) {
      conditions.push({
        label: 'processor invocations that failed',
        metric: new cloudwatch.MathExpression({
          expression: '100 * (1 - FILL(s, 1))',
          usingMetrics: { s: delivery.metricExecuteProcessingSuccess({ period: PERIOD }) },
          label: 'failed processor invocations (%)',
          period: PERIOD,
        }),
        comparison: '>',
        threshold: 0,
        fill: 0,
        why: 'any',
      });
    }
    if (conditions.length === 0 && !delivery.writesIceberg) {
      conditions.push({
        label: 'S3 put failures (%)',
        metric: new cloudwatch.MathExpression({
          expression: '100 * (1 - FILL(s, 1))',
          usingMetrics: { s: delivery.metricDeliveryToS3Success({ period: PERIOD }) },
          label: 'failed S3 puts (%)',
          period: PERIOD,
        }),
        comparison: '>',
        threshold: 0,
        fill: 0,
        why: 'any',
      });
    }
    return this.stageAlarm('DeliveryErrors', `records to errors/ (Firehose ${delivery.tableName})`, conditions, {
      means: `records are going to errors/${delivery.tableName}/ instead of the table`,
      causes: 'records that do not match the table\'s schema (types, names), records that are not JSON, a processor returning ProcessingFailed',
      action: `look at errors/${delivery.tableName}/ (each object says why), fix the producer or the schema, then replay the records with the batch trigger`,
    }, [], 1, 1);
  }

  private catalogAlarm(catalog: CrawledCatalog): cloudwatch.IAlarm | undefined {
    if (catalog.crawler) {
      const rule = new events.Rule(this, 'CrawlerFailed', {
        description: `Glue crawler ${catalog.crawler.ref} of the lake ${this.lakeName} failed`,
        eventPattern: {
          source: ['aws.glue'],
          detailType: ['Glue Crawler State Change'],
          detail: { crawlerName: [catalog.crawler.ref], state: ['Failed'] },
        },
      });
      const failures = new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'TriggeredRules', dimensionsMap: { RuleName: rule.ruleName }, statistic: 'Sum', period: PERIOD });
      return this.stageAlarm('Catalog', `catalog (Glue crawler of ${catalog.tableName})`, [
        { label: 'crawler runs that failed', metric: failures, comparison: '>', threshold: 0, fill: 0, why: 'any (Glue Crawler State Change events with state Failed)' },
      ], {
        means: 'the crawler failed, so new partitions (or, schema-on-read, the table) are missing from the catalog',
        causes: 'the crawler role lost S3, KMS or Glue access, objects it cannot classify, a Glue service limit',
        action: 'read the crawler\'s log group (/aws-glue/crawlers), fix the cause and start the crawler again; Athena does not see the missing partitions until it succeeds',
      }, [], 1, 1);
    }
    if (catalog.registrationFunction) {
      const conditions: Condition[] = [
        { label: 'objects under the data prefix that do not parse', metric: catalog.metricUnparsableObjects({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
        { label: 'partitions Glue refused', metric: catalog.metricRegistrationFailures({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
      ];
      if (catalog.deadLetterQueue) {
        conditions.push({
          label: 'events in the dead-letter queue',
          metric: (catalog.deadLetterQueue as sqs.IQueue).metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
          comparison: '>',
          threshold: 0,
          fill: 0,
          why: 'any',
        });
      }
      return this.stageAlarm('Catalog', `catalog (partition registration of ${catalog.tableName})`, conditions, {
        means: 'objects arrived whose partitions were not registered: Athena does not see their rows',
        causes: 'objects under the table prefix outside the layout, Glue access or limits, the table deleted',
        action: 'read the registration function\'s logs, fix the cause, then redrive the dead-letter queue to the function (its events are kept 14 days)',
      }, [catalog.metricPartitionsRegistered({ period: PERIOD })], 1, 1);
    }
    return undefined;
  }

  /** One alarm per bundled (or given) function, shared by every lake of the stack that uses it. */
  private functionAlarm(fn: lambda.IFunction, role: string, consequence: string): cloudwatch.IAlarm {
    const conditions: Condition[] = [
      { label: 'errors', metric: fn.metricErrors({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
      { label: 'throttles', metric: fn.metricThrottles({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
    ];
    const timeout = fn instanceof lambda.Function ? fn.timeout : undefined;
    if (timeout) {
      conditions.push({
        label: 'p99 duration (ms)',
        metric: fn.metricDuration({ period: PERIOD, statistic: 'p99' }),
        comparison: '>',
        threshold: timeout.toMilliseconds() * 0.8,
        fill: 0,
        why: `80% of the ${timeout.toHumanString()} timeout`,
      });
    }
    const stage = `Lambda ${fn.node.id} (${role})`;
    // One alarm per function, a child of the function: a function shared by several lakes of
    // the stack (the bundled newline Lambda) is watched once and feeds each lake's composite.
    const alarm =
      (fn.node.tryFindChild(FUNCTION_ALARM_ID) as cloudwatch.Alarm | undefined) ??
      this.defineStageAlarm(fn, FUNCTION_ALARM_ID, `Lambda ${fn.node.path}`, stage, conditions, {
        means: `the function of ${role} fails, is throttled or nears its timeout`,
        causes: 'a code or permission error, reserved concurrency too low, larger batches than usual',
        action: `read the function's log group; ${consequence}`,
      }, DATAPOINTS_TO_ALARM, EVALUATION_PERIODS);
    this.rows.push(this.stageRow(stage, conditions, alarm, []));
    return alarm;
  }

  private batchAlarm(trigger: BatchTrigger): cloudwatch.IAlarm {
    const conditions: Condition[] = [
      {
        label: 'messages in the dead-letter queue',
        metric: trigger.metricDeadLetterQueueMessages({ period: PERIOD }),
        comparison: '>',
        threshold: 0,
        fill: 0,
        why: 'any',
      },
    ];
    if (trigger.usesBundledProducer) {
      conditions.push(
        { label: 'records dead-lettered', metric: trigger.metricRecordsDeadLettered({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
        { label: 'records over the stream\'s limit', metric: trigger.metricOversizedRecords({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
        { label: 'malformed records', metric: trigger.metricMalformedRecords({ period: PERIOD }), comparison: '>', threshold: 0, fill: 0, why: 'any' },
      );
    }
    return this.stageAlarm('Batch', 'batch (trigger and producer)', conditions, {
      means: 'batch records did not all reach the stream: some wait in the dead-letter queue, or were malformed',
      causes: 'the stream throttled for longer than the retries (too few shards), records over 1 MiB, objects that are not JSON, a failed invocation',
      action: 'read the dead-letter messages (each carries the object, offset and data), fix the cause, put them back or replay the objects; malformed lines are in the producer\'s logs with their offsets',
    }, trigger.usesBundledProducer ? [trigger.metricRecordsRead({ period: PERIOD }), trigger.metricRecordsPut({ period: PERIOD })] : [], 1, 1);
  }

  private queryRow(layer: AthenaQueryLayer): void {
    this.rows.push([
      new cloudwatch.TextWidget({ markdown: `### Query\nWorkgroup ${layer.workGroupName}: bytes scanned and failed queries (no alarm).`, width: 6, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Bytes scanned', left: [layer.metricProcessedBytes({ period: PERIOD })], width: 9, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Failed queries', left: [layer.metricFailedQueries({ period: PERIOD })], width: 9, height: 6 }),
    ]);
  }

  private stageAlarm(
    id: string,
    stage: string,
    conditions: Condition[],
    runbook: Runbook,
    context: cloudwatch.IMetric[],
    datapoints = DATAPOINTS_TO_ALARM,
    periods = EVALUATION_PERIODS,
  ): cloudwatch.IAlarm {
    const alarm = this.defineStageAlarm(this, id, `${this.lakeName} ${stage}`, stage, conditions, runbook, datapoints, periods);
    this.rows.push(this.stageRow(stage, conditions, alarm, context));
    return alarm;
  }

  private defineStageAlarm(
    scope: IConstruct,
    id: string,
    name: string,
    stage: string,
    conditions: Condition[],
    runbook: Runbook,
    datapoints: number,
    periods: number,
  ): cloudwatch.Alarm {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    const terms = conditions.map((c, i) => {
      usingMetrics[`m${i}`] = c.metric;
      return `(FILL(m${i}, ${c.fill}) ${c.comparison} ${c.threshold})`;
    });
    const expression = new cloudwatch.MathExpression({
      expression: terms.join(' + '),
      usingMetrics,
      label: `${stage}: conditions breached`,
      period: PERIOD,
    });
    const watched = conditions.map((c) => `${c.label} ${describeMetric(c.metric)} ${c.comparison} ${c.threshold} (${c.why})`).join('; ');
    const description = clip(
      `${name}: ${runbook.means}. Fires when any condition holds in ${datapoints} of ${periods} ${PERIOD.toMinutes()}-minute periods: ${watched}. ` +
        `Likely causes: ${runbook.causes}. What to do: ${runbook.action}.`,
    );
    return new cloudwatch.Alarm(scope as Construct, id, {
      alarmDescription: description,
      metric: expression,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: datapoints,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private stageRow(stage: string, conditions: Condition[], alarm: cloudwatch.IAlarm, context: cloudwatch.IMetric[]): cloudwatch.IWidget[] {
    const metrics = [...conditions.map((c) => c.metric), ...context];
    const graphs = metrics.map(
      (m, i) =>
        new cloudwatch.GraphWidget({
          title: i < conditions.length ? `${conditions[i].label} (alarm ${conditions[i].comparison} ${conditions[i].threshold})` : labelOf(m),
          left: [m],
          leftAnnotations: i < conditions.length ? [{ value: conditions[i].threshold, label: 'threshold' }] : undefined,
          width: 6,
          height: 6,
        }),
    );
    return [
      new cloudwatch.TextWidget({ markdown: `### ${stage}\nRunbook: the description of the alarm below.`, width: 6, height: 3 }),
      new cloudwatch.AlarmStatusWidget({ title: stage, alarms: [alarm], width: 6, height: 3 }),
      ...graphs,
    ];
  }
}

function labelOf(m: cloudwatch.IMetric): string {
  const config = m.toMetricConfig();
  return config.metricStat?.metricName ?? config.mathExpression?.expression ?? 'metric';
}

/** `Namespace/MetricName (Statistic, 5 min)` of a metric or expression. */
function describeMetric(m: cloudwatch.IMetric): string {
  const config = m.toMetricConfig();
  if (config.metricStat) {
    return `[${config.metricStat.namespace} ${config.metricStat.metricName}, ${config.metricStat.statistic}, ${config.metricStat.period.toMinutes()} min]`;
  }
  const expression = config.mathExpression!;
  const parts = Object.values(expression.usingMetrics).map((inner) => describeMetric(inner));
  return `[${expression.expression} of ${parts.join(', ')}]`;
}

function clip(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}
