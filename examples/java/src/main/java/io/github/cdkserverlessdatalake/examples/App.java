package io.github.cdkserverlessdatalake.examples;

import io.github.cdkserverlessdatalake.BatchTrigger;
import io.github.cdkserverlessdatalake.BatchTriggerSource;
import io.github.cdkserverlessdatalake.CatalogDatabase;
import io.github.cdkserverlessdatalake.CatalogOptions;
import io.github.cdkserverlessdatalake.Column;
import io.github.cdkserverlessdatalake.ColumnType;
import io.github.cdkserverlessdatalake.CrawledCatalog;
import io.github.cdkserverlessdatalake.CrawlerDiscoveryOptions;
import io.github.cdkserverlessdatalake.DeliveryOptions;
import io.github.cdkserverlessdatalake.IcebergOptions;
import io.github.cdkserverlessdatalake.IngestEncryption;
import io.github.cdkserverlessdatalake.LakeAlarmActions;
import io.github.cdkserverlessdatalake.LakeBatchTriggerOptions;
import io.github.cdkserverlessdatalake.LakeEncryption;
import io.github.cdkserverlessdatalake.LakeMonitoringOptions;
import io.github.cdkserverlessdatalake.NewlineStrategy;
import io.github.cdkserverlessdatalake.NewlineTransformFirehose;
import io.github.cdkserverlessdatalake.PartitionDiscovery;
import io.github.cdkserverlessdatalake.PartitionGranularity;
import io.github.cdkserverlessdatalake.PartitionLayout;
import io.github.cdkserverlessdatalake.PartitionedParquetLake;
import io.github.cdkserverlessdatalake.RecrawlPolicy;
import io.github.cdkserverlessdatalake.ReplayRequest;
import io.github.cdkserverlessdatalake.ServerlessDataLake;
import io.github.cdkserverlessdatalake.ShardCalculator;
import io.github.cdkserverlessdatalake.ShardCalculatorProps;
import io.github.cdkserverlessdatalake.ShardEstimate;
import io.github.cdkserverlessdatalake.ShardLimit;
import io.github.cdkserverlessdatalake.StreamCapacity;
import io.github.cdkserverlessdatalake.StreamIngest;
import io.github.cdkserverlessdatalake.TableFormat;
import io.github.cdkserverlessdatalake.TableSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cloud_assembly_schema.FileAsset;
import software.amazon.awscdk.cloud_assembly_schema.FileAssetPackaging;
import software.amazon.awscdk.cloud_assembly_schema.FileSource;
import software.amazon.awscdk.cloud_assembly_schema.Manifest;
import software.amazon.awscdk.cloud_assembly_schema.PluginReportJson;
import software.amazon.awscdk.cloud_assembly_schema.PolicyValidationReportJson;
import software.amazon.awscdk.cloud_assembly_schema.PolicyViolationJson;
import software.amazon.awscdk.cloud_assembly_schema.SuppressedViolationJson;
import software.amazon.awscdk.cloud_assembly_schema.ViolatingConstructJson;
import software.amazon.awscdk.cxapi.AssetManifestArtifact;
import software.amazon.awscdk.cxapi.CloudArtifact;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.Grant;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.jsii.JsiiError;

/**
 * The whole lake from Java: synthesizes four stacks and checks their templates.
 *
 * <p>A CDK app with no environment (no AWS account or credentials needed) that
 *
 * <ul>
 *   <li>defines {@code StreamIngest} with its defaults in the stack {@code StreamIngestExample},
 *   <li>calls {@code ShardCalculator.calculate} so that a struct and an enum cross the jsii
 *       boundary,
 *   <li>defines a whole lake in the stack {@code LakeExample} with every public construct and value
 *       object: two {@code StreamIngest}s (one per delivery: the orders stream sized by
 *       {@code StreamCapacity.fromThroughput}, the raw events stream with its defaults),
 *       {@code PartitionedParquetLake} with {@code PartitionLayout.hourly()} and EventBridge
 *       delivery, a {@code TableSchema} of {@code Column}s built from {@code ColumnType} members and
 *       factories ({@code fixedChar}, and the deprecated {@code char} it replaces, which Java calls
 *       {@code doChar}: jsii-pacmak renames methods named after Java keywords), three
 *       {@code CrawledCatalog}s (partition projection,
 *       {@code PartitionDiscovery.eventDriven()}, and schema-on-read with
 *       {@code PartitionDiscovery.crawler} and {@code RecrawlPolicy.NEW_FOLDERS_ONLY}), two
 *       {@code NewlineTransformFirehose}s (Parquet against the orders table with no processor,
 *       JSON lines with {@code NewlineStrategy.appendDelimiter()}), each reading its own stream,
 *       and a role granted {@code grantRead} and {@code grantWrite}; the defaults
 *       {@code IngestEncryption}, {@code LakeEncryption} and {@code CatalogDatabase} are passed
 *       explicitly,
 *   <li>checks that the library rejects, with its error crossing the binding, what it no longer
 *       accepts: {@code NewlineStrategy.bundledFunction()} together with a Parquet {@code table},
 *       {@code tableDescription} without {@code schema} (in a scratch app that is never
 *       synthesized), and {@code ColumnType.fixedChar(256)},
 *   <li>defines the stack {@code ServerlessDataLakeExample} exactly as examples/typescript/stacks.ts
 *       does (same stack name, construct IDs and options): the schema-first {@code clicks} lake with
 *       its columns, monitoring with {@code LakeAlarmActions.newTopic()} and a batch trigger on
 *       {@code BatchTriggerSource.directInvoke()}, the schema-on-read {@code raw_events} lake
 *       sharing it ({@code shareWith}), a producer role granted {@code grantWrite} on both and an
 *       analyst role granted {@code grantQuery}, and the outputs ClicksStreamName, WorkGroupName
 *       and DatabaseName,
 *   <li>defines the stack {@code IcebergExample} exactly as examples/typescript/stacks.ts does: the
 *       {@code events} lake with a {@code CatalogOptions} table format
 *       {@code TableFormat.iceberg(IcebergOptions.builder().partitionColumn("event_time").build())},
 *       the {@code orders} lake sharing it with {@code partitionColumn}, {@code uniqueKeys} and
 *       {@code snapshotRetentionPeriod(Duration.days(7))} and a {@code DeliveryOptions}
 *       {@code bufferingInterval}, and an analyst role granted {@code grantQuery} on both,
 *   <li>synthesizes into {@code examples/java/cdk.out} (the first argument; the pom passes it) and
 *       checks the templates with {@code software.amazon.awscdk.assertions}: among others the
 *       Lambda functions (the library's partition registrar, and aws-cdk-lib's bucket-notification
 *       handler, through which the library turns on EventBridge delivery), the KMS-encrypted log
 *       groups named with the stack's unique suffix, and the Firehose roles' and the logs key's
 *       permissions,
 *   <li>checks that the library's bundled Lambda handlers referenced by the cloud assembly (the
 *       partition registrar's; the batch producer's and the newline Lambda's) were shipped inside
 *       the jar (each asset directory exists and contains {@code index.js}),
 *   <li>checks CDK's validation report: no unacknowledged finding, and only the W7001 the library
 *       acknowledges itself on {@code LakeExample}, {@code ServerlessDataLakeExample} and
 *       {@code IcebergExample} (the Firehose CidrBlocks mapping, each stack's only one),
 *   <li>checks that the {@code ServerlessDataLakeExample} and {@code IcebergExample} templates have
 *       the resource types, counts, logical IDs per type and outputs of the TypeScript example's
 *       ({@code <stack>.template.json} in the directory of the second argument, which the pom
 *       passes: {@code cdk.out} at the repository root, from {@code npm run example}), and reports
 *       every difference, type by type,
 *   <li>checks the Iceberg facts of its own {@code IcebergExample} template: each
 *       {@code AWS::Glue::Table} is an Iceberg table
 *       ({@code OpenTableFormatInput.IcebergInput.IcebergTableInput}) partitioned by {@code hour}
 *       of {@code event_time} / {@code updated_at}, with {@code IdentifierFieldIds} [1]
 *       ({@code order_id}) for orders only; three {@code AWS::Glue::TableOptimizer}s per table
 *       (compaction, retention with the orders table's 7 days, orphan file deletion); each delivery
 *       stream has an {@code IcebergDestinationConfiguration}, with {@code UniqueKeys} [order_id]
 *       and {@code AppendOnly} false for orders, {@code AppendOnly} true and no unique keys for
 *       events.
 * </ul>
 *
 * <p>Prints one summary line per stack on success; throws (Maven exits non-zero) on any failed
 * check.
 */
public final class App {
    static final String STACK_NAME = "StreamIngestExample";
    static final String STACK_DESCRIPTION = "cdk-serverless-data-lake example: StreamIngest with its defaults";
    static final String VALIDATE_AGAINST_DEFAULT_RULES = "@aws-cdk/core:validateAgainstDefaultRules";

    // 2,500 records/s of 512 bytes, default 25% headroom:
    //   records: 2,500 * 1.25 / 1,000        = 3.125 -> 4 shards  (decides)
    //   bytes:   1.22 MiB/s * 1.25 / 1 MiB/s = 1.53  -> 2 shards
    //   reads:   1.22 MiB/s * 1.25 / 2 MiB/s = 0.76  -> 1 shard (one polling consumer)
    // With 1 KiB records the write-bytes figure also reaches 4 shards, and a tie is decided by
    // declaration order (WRITE_BYTES first), so 512-byte records keep the records limit the only one.
    static final int RECORDS_PER_SECOND = 2500;
    static final int RECORD_BYTES = 512;
    static final int EXPECTED_SHARDS = 4;
    static final ShardLimit EXPECTED_LIMIT = ShardLimit.WRITE_RECORDS;

    static final String LAKE_STACK_NAME = "LakeExample";
    static final String LAKE_STACK_DESCRIPTION = "cdk-serverless-data-lake example: the whole lake, from the stream to the catalog";
    // The Firehose L2 adds a region-to-CIDR mapping to every stack with a delivery stream; only
    // delivery into a VPC reads it, so CloudFormation validation reports it unused (W7001). The
    // library acknowledges that finding itself, on the stack, when the mapping is the stack's only
    // one: the app acknowledges nothing, and the report must show exactly that acknowledgement.
    static final String LIBRARY_ACKNOWLEDGED_ID = "CloudFormation-Validate::W7001";
    static final String LIBRARY_ACKNOWLEDGED_RULE = "W7001";
    static final String LIBRARY_ACKNOWLEDGED_MAPPING = "Mappings/awscdkawskinesisfirehoseCidrBlocks:";
    static final String LIBRARY_ACKNOWLEDGED_REASON_START = "The stack's only mapping is awscdkawskinesisfirehoseCidrBlocks";
    static final String VALIDATION_REPORT_FILE = "validation-report.json";
    // The name of the error the library throws for bad input.
    static final String LIBRARY_ERROR = "DataLakeValidationError";

    static final String SERVERLESS_STACK_NAME = "ServerlessDataLakeExample";
    static final String SERVERLESS_STACK_DESCRIPTION =
            "cdk-serverless-data-lake example: two lakes, each in one call, sharing a bucket, a key, a database and a workgroup";
    static final String ICEBERG_STACK_NAME = "IcebergExample";
    static final String ICEBERG_STACK_DESCRIPTION = "cdk-serverless-data-lake example: Firehose into Apache Iceberg tables, compacted by Glue";
    // The stacks on which the library acknowledges W7001 itself (each has a delivery stream, and
    // the Firehose mapping is its only one).
    static final List<String> LIBRARY_ACKNOWLEDGED_AT = List.of(LAKE_STACK_NAME, SERVERLESS_STACK_NAME, ICEBERG_STACK_NAME);
    // IcebergExample: each table's partition column (partitioned by its hour: the shared layout is
    // hourly), and the Glue table optimizers the library adds to every Iceberg table by default.
    static final Map<String, String> ICEBERG_PARTITION_COLUMNS = new TreeMap<>(Map.of("events", "event_time", "orders", "updated_at"));
    static final List<String> ICEBERG_OPTIMIZER_TYPES = List.of("compaction", "orphan_file_deletion", "retention");
    static final int ORDERS_SNAPSHOT_RETENTION_DAYS = 7;
    static final int ORDERS_BUFFERING_SECONDS = 60;
    static final String LAMBDA_RUNTIME = "nodejs24.x";
    // The runtime family of aws-cdk-lib's bucket-notification handler (inline Python code; the
    // exact version is aws-cdk-lib's choice).
    static final String NOTIFICATIONS_RUNTIME_PREFIX = "python3.";
    // What every log group name of the library ends in: the first group of hex digits of the
    // stack's UUID (the last part of its ID), new with each creation of the stack.
    static final Map<String, Object> STACK_SUFFIX = Map.of("Fn::Select", List.of(0,
            Map.of("Fn::Split", List.of("-",
                    Map.of("Fn::Select", List.of(2,
                            Map.of("Fn::Split", List.of("/", Map.of("Ref", "AWS::StackId")))))))));
    static final String HOURLY_LOCATION = "year=${year}/month=${month}/day=${day}/hour=${hour}/";
    static final String HOURLY_FIREHOSE = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";
    // The Glue types the orders schema must render to, written out here rather than taken from the
    // binding, so that the check compares the library's output with the Hive DDL Glue expects.
    static final String SHIPPING_TYPE = "struct<street:string,city:string,postcode:varchar(16),lines:array<string>>";
    static final List<List<String>> ORDERS_COLUMNS = List.of(
            List.of("order_id", "string"),
            List.of("customer_id", "bigint"),
            List.of("ordered_at", "timestamp"),
            List.of("amount", "decimal(12,2)"),
            List.of("customer_email", "varchar(64)"),
            List.of("country", "char(2)"),
            List.of("tags", "array<string>"),
            List.of("item_quantities", "map<string,bigint>"),
            List.of("shipping", SHIPPING_TYPE));
    static final List<List<String>> PAYMENTS_COLUMNS = List.of(
            List.of("payment_id", "string"),
            List.of("order_id", "string"),
            List.of("paid_at", "timestamp"),
            List.of("amount", "decimal(12,2)"));

    /** The LakeExample stack and the constructs its checks read back. */
    record Lake(
            Stack stack,
            StreamIngest ingest,
            StreamIngest rawIngest,
            PartitionedParquetLake lake,
            CrawledCatalog catalog,
            CrawledCatalog payments,
            CrawledCatalog rawEvents,
            NewlineTransformFirehose delivery,
            NewlineTransformFirehose rawDelivery,
            Role role) {}

    private App() {}

    public static void main(final String[] args) {
        Path outdir = Paths.get(args.length > 0 ? args[0] : "cdk.out").toAbsolutePath().normalize();
        // The TypeScript example's cloud assembly (`npm run example`, at the repository root): each
        // stack compared must have the same resources (types, counts and logical IDs) and outputs
        // as its <stack>.template.json there.
        Path typescriptAssembly = Paths.get(args.length > 1 ? args[1] : "../../cdk.out").toAbsolutePath().normalize();

        // Like the TypeScript example: errors found by CDK's built-in CloudFormation validation
        // fail the synth instead of being reported as warnings (its warnings are checked in the
        // report).
        software.amazon.awscdk.App app = new software.amazon.awscdk.App(AppProps.builder()
                .outdir(outdir.toString())
                .context(Map.of(VALIDATE_AGAINST_DEFAULT_RULES, true))
                .build());
        // The same stack as StreamIngestExample in examples/typescript/stacks.ts.
        Stack stack = new Stack(app, STACK_NAME, StackProps.builder().description(STACK_DESCRIPTION).build());
        StreamIngest ingest = new StreamIngest(stack, "Ingest");
        check(ingest.getEncryptionKey() != null, "StreamIngest.encryptionKey: expected the new KMS key, got null");
        check(ingest.getShardEstimate() == null, "StreamIngest.shardEstimate: expected null for the default capacity");

        String calculator = checkShardCalculator();
        String columnTypes = checkColumnTypes();
        String rejections = checkRejections();
        Lake lake = buildLake(app);
        buildServerlessLake(app);
        buildIcebergLake(app);

        CloudAssembly assembly = app.synth();
        Path templateFile = Paths.get(assembly.getStackByName(STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(templateFile), "expected the template at " + templateFile);
        Path lakeTemplateFile = Paths.get(assembly.getStackByName(LAKE_STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(lakeTemplateFile), "expected the template at " + lakeTemplateFile);
        Path serverlessTemplateFile = Paths.get(assembly.getStackByName(SERVERLESS_STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(serverlessTemplateFile), "expected the template at " + serverlessTemplateFile);
        Path icebergTemplateFile = Paths.get(assembly.getStackByName(ICEBERG_STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(icebergTemplateFile), "expected the template at " + icebergTemplateFile);

        String resources = checkTemplate(stack);
        System.out.println(STACK_NAME + ": " + resources + "; ShardCalculator " + calculator + "; template " + shown(templateFile));
        LakeTemplate lakeTemplate = checkLakeTemplate(lake);
        String assets = checkLambdaAssets(assembly, lakeTemplate.functions());
        String validation = checkValidationReport(assembly);
        System.out.println(LAKE_STACK_NAME + ": " + lakeTemplate.summary() + "; " + columnTypes + "; " + rejections + "; handlers " + assets + "; "
                + validation + "; template " + shown(lakeTemplateFile));
        Map<String, Object> serverlessTemplate = readTemplate(serverlessTemplateFile);
        String same = checkSameAsTypescript(SERVERLESS_STACK_NAME, serverlessTemplate, serverlessTemplateFile, typescriptAssembly);
        // The library's bundled handlers in this stack (the batch producer, the newline Lambda of
        // the schema-on-read lake, ...): their code is an asset that the jar shipped.
        Map<String, Map<String, Object>> bundled = new TreeMap<>();
        for (Map.Entry<String, Object> resource : map(serverlessTemplate.get("Resources")).entrySet()) {
            Map<String, Object> function = map(resource.getValue());
            if ("AWS::Lambda::Function".equals(function.get("Type")) && map(map(function.get("Properties")).get("Code")).containsKey("S3Key")) {
                bundled.put(resource.getKey(), function);
            }
        }
        check(bundled.size() >= 2, SERVERLESS_STACK_NAME + ": expected the bundled producer and newline functions, got " + bundled.keySet());
        String serverlessAssets = checkLambdaAssets(assembly, bundled, SERVERLESS_STACK_NAME);
        System.out.println(SERVERLESS_STACK_NAME + ": " + same + "; handlers " + serverlessAssets + "; template " + shown(serverlessTemplateFile));
        Map<String, Object> icebergTemplate = readTemplate(icebergTemplateFile);
        String icebergSame = checkSameAsTypescript(ICEBERG_STACK_NAME, icebergTemplate, icebergTemplateFile, typescriptAssembly);
        String iceberg = checkIcebergTemplate(icebergTemplate);
        System.out.println(ICEBERG_STACK_NAME + ": " + icebergSame + "; " + iceberg + "; template " + shown(icebergTemplateFile));
    }

    static Path shown(final Path file) {
        return Paths.get("").toAbsolutePath().relativize(file.toAbsolutePath());
    }

    static String checkShardCalculator() {
        ShardEstimate estimate = ShardCalculator.calculate(ShardCalculatorProps.builder()
                .recordsPerSecond(RECORDS_PER_SECOND)
                .averageRecordSize(Size.bytes(RECORD_BYTES))
                .build());
        check(is(estimate.getShardCount(), EXPECTED_SHARDS),
                "ShardCalculator: expected " + EXPECTED_SHARDS + " shards, got " + estimate.getShardCount() + " (" + estimate.getReason() + ")");
        check(estimate.getLimitingFactor() == EXPECTED_LIMIT,
                "ShardCalculator: expected " + EXPECTED_LIMIT + ", got " + estimate.getLimitingFactor() + " (" + estimate.getReason() + ")");
        check(is(estimate.getWriteRecordsShards(), 4), "writeRecordsShards: expected 4, got " + estimate.getWriteRecordsShards());
        check(is(estimate.getWriteBytesShards(), 2), "writeBytesShards: expected 2, got " + estimate.getWriteBytesShards());
        check(is(estimate.getReadBytesShards(), 1), "readBytesShards: expected 1, got " + estimate.getReadBytesShards());
        check(is(estimate.getEnhancedFanOutShards(), 0), "enhancedFanOutShards: expected 0, got " + estimate.getEnhancedFanOutShards());
        check(is(estimate.getBytesPerSecond(), (long) RECORDS_PER_SECOND * RECORD_BYTES),
                "bytesPerSecond: expected " + RECORDS_PER_SECOND * RECORD_BYTES + ", got " + estimate.getBytesPerSecond());
        check(estimate.getWarnings().isEmpty(), "warnings: expected none, got " + estimate.getWarnings());
        return RECORDS_PER_SECOND + " records/s x " + RECORD_BYTES + " B -> " + estimate.getShardCount().intValue()
                + " shards (" + estimate.getLimitingFactor() + ")";
    }

    static String checkTemplate(final Stack stack) {
        Template template = Template.fromStack(stack);

        template.resourceCountIs("AWS::KMS::Key", 1);
        template.hasResource("AWS::KMS::Key", Map.of(
                "Properties", Map.of("EnableKeyRotation", true),
                "DeletionPolicy", "Retain",
                "UpdateReplacePolicy", "Retain"));
        String keyId = only(template.findResources("AWS::KMS::Key"), "AWS::KMS::Key").getKey();

        template.resourceCountIs("AWS::Kinesis::Stream", 1);
        template.hasResource("AWS::Kinesis::Stream", Map.of(
                "Properties", Map.of(
                        "ShardCount", 1,
                        "RetentionPeriodHours", 168,
                        "StreamEncryption", Map.of("EncryptionType", "KMS")),
                "DeletionPolicy", "Retain",
                "UpdateReplacePolicy", "Retain"));
        Map.Entry<String, Map<String, Object>> stream =
                only(template.findResources("AWS::Kinesis::Stream"), "AWS::Kinesis::Stream");
        Object keyRef = ((Map<?, ?>) ((Map<?, ?>) stream.getValue().get("Properties")).get("StreamEncryption")).get("KeyId");
        check(references(keyRef, keyId),
                "stream " + stream.getKey() + ": KeyId should reference the key " + keyId + ", got " + keyRef);

        return "1 AWS::Kinesis::Stream (" + stream.getKey() + ": 1 shard, 168 h, KMS) + 1 AWS::KMS::Key (" + keyId
                + ": rotation on), both Retain";
    }

    /** {@code ColumnType} members and factories, and the properties of the objects they return. */
    @SuppressWarnings("deprecation") // ColumnType.doChar: checked on purpose, next to fixedChar
    static String checkColumnTypes() {
        record Expected(String call, ColumnType type, String inputString, boolean primitive) {}
        List<Expected> expected = List.of(
                new Expected("STRING", ColumnType.STRING, "string", true),
                new Expected("BIGINT", ColumnType.BIGINT, "bigint", true),
                new Expected("TIMESTAMP", ColumnType.TIMESTAMP, "timestamp", true),
                new Expected("decimal(12, 2)", ColumnType.decimal(12, 2), "decimal(12,2)", true),
                new Expected("varchar(64)", ColumnType.varchar(64), "varchar(64)", true),
                new Expected("fixedChar(2)", ColumnType.fixedChar(2), "char(2)", true),
                // Deprecated (`char` is a Java keyword, so jsii-pacmak names it doChar): still there,
                // and the same type as fixedChar.
                new Expected("doChar(2)", ColumnType.doChar(2), "char(2)", true),
                new Expected("array(STRING)", ColumnType.array(ColumnType.STRING), "array<string>", false),
                new Expected("map(STRING, BIGINT)", ColumnType.map(ColumnType.STRING, ColumnType.BIGINT), "map<string,bigint>", false));
        for (Expected e : expected) {
            check(e.inputString().equals(e.type().getInputString()),
                    "ColumnType." + e.call() + ".inputString: expected '" + e.inputString() + "', got '" + e.type().getInputString() + "'");
            check(Boolean.valueOf(e.primitive()).equals(e.type().getIsPrimitive()),
                    "ColumnType." + e.call() + ".isPrimitive: expected " + e.primitive() + ", got " + e.type().getIsPrimitive());
        }
        return expected.size() + " ColumnTypes";
    }

    static Column column(final String name, final ColumnType type) {
        return Column.builder().name(name).type(type).build();
    }

    /** {@code build} must throw the library's error, its message starting with {@code messageStart}. */
    static void expectRejected(final String what, final Runnable build, final String messageStart) {
        try {
            build.run();
        } catch (RuntimeException error) {
            // The JavaScript error, as jsii hands it to Java: from a constructor a JsiiError with
            // the message alone, from a static method a RuntimeException with `<name>: <message>`.
            String message = String.valueOf(error.getMessage());
            if (message.startsWith(LIBRARY_ERROR + ": ")) {
                message = message.substring(LIBRARY_ERROR.length() + 2);
            }
            check(message.startsWith(messageStart), what + ": expected an error starting '" + messageStart + "', got '" + message + "'");
            return;
        }
        throw new IllegalStateException(what + ": expected the library to reject it, but it was accepted");
    }

    /** What the library refuses when the construct is defined, in a scratch app that is never synthesized. */
    static String checkRejections() {
        Stack scratch = new Stack(new software.amazon.awscdk.App(), "Rejections");
        StreamIngest ingest = new StreamIngest(scratch, "Ingest");
        PartitionedParquetLake lake = new PartitionedParquetLake(scratch, "Lake");
        CrawledCatalog catalog = CrawledCatalog.Builder.create(scratch, "Catalog")
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("orders")
                .schema(new TableSchema(List.of(column("order_id", ColumnType.STRING))))
                .build();
        // Before Parquet a newline does nothing: the bundled Lambda would only add an invocation.
        expectRejected("NewlineStrategy.bundledFunction() with a Parquet table",
                () -> NewlineTransformFirehose.Builder.create(scratch, "Delivery")
                        .stream(ingest.getStream())
                        .bucket(lake.getBucket())
                        .layout(lake.getLayout())
                        .tableName("orders")
                        .table(catalog.getTable())
                        .newline(NewlineStrategy.bundledFunction())
                        .build(),
                "NewlineTransformFirehose at 'Rejections/Delivery': newline NewlineStrategy.bundledFunction() has no effect with table (Parquet)");
        // Without a schema the crawler creates the table, so a description would never be set.
        expectRejected("tableDescription without schema",
                () -> CrawledCatalog.Builder.create(scratch, "Described")
                        .bucket(lake.getBucket())
                        .layout(lake.getLayout())
                        .tableName("raw_events")
                        .tableDescription("Raw events, as the crawler finds them")
                        .build(),
                "CrawledCatalog at 'Rejections/Described': tableDescription describes the table this construct declares, got it without schema");
        // A value object's validation: the message names the method as every binding spells it.
        expectRejected("ColumnType.fixedChar(256)", () -> ColumnType.fixedChar(256),
                "ColumnType.fixedChar: length must be a whole number from 1 to 255, got 256: or use ColumnType.varchar(n) for longer values");
        return "3 rejections (bundledFunction with a Parquet table, tableDescription without schema, fixedChar(256))";
    }

    /** The LakeExample stack: every construct of the library, wired as in the README. */
    static Lake buildLake(final software.amazon.awscdk.App app) {
        Stack stack = new Stack(app, LAKE_STACK_NAME, StackProps.builder().description(LAKE_STACK_DESCRIPTION).build());

        // Sized for the same load as checkShardCalculator: 4 shards. The encryption and database
        // choices spelled out below are the defaults, given so that every value object of the
        // library crosses the binding.
        StreamIngest ingest = StreamIngest.Builder.create(stack, "Ingest")
                .capacity(StreamCapacity.fromThroughput(ShardCalculatorProps.builder()
                        .recordsPerSecond(RECORDS_PER_SECOND)
                        .averageRecordSize(Size.bytes(RECORD_BYTES))
                        .build()))
                .encryption(IngestEncryption.customerManagedKey())
                .build();
        PartitionedParquetLake lake = PartitionedParquetLake.Builder.create(stack, "Lake")
                .layout(PartitionLayout.hourly())
                .eventBridgeEnabled(true)
                .encryption(LakeEncryption.customerManagedKey())
                .build();

        TableSchema ordersSchema = new TableSchema(List.of(
                Column.builder().name("order_id").type(ColumnType.STRING).comment("unique per order").build(),
                column("customer_id", ColumnType.BIGINT),
                column("ordered_at", ColumnType.TIMESTAMP),
                Column.builder().name("amount").type(ColumnType.decimal(12, 2)).comment("order total in EUR").build(),
                column("customer_email", ColumnType.varchar(64)),
                Column.builder().name("country").type(ColumnType.fixedChar(2)).comment("ISO 3166-1 alpha-2").build(),
                column("tags", ColumnType.array(ColumnType.STRING)),
                column("item_quantities", ColumnType.map(ColumnType.STRING, ColumnType.BIGINT)),
                column("shipping", ColumnType.struct(List.of(
                        column("street", ColumnType.STRING),
                        column("city", ColumnType.STRING),
                        column("postcode", ColumnType.varchar(16)),
                        column("lines", ColumnType.array(ColumnType.STRING)))))));
        TableSchema paymentsSchema = new TableSchema(List.of(
                column("payment_id", ColumnType.STRING),
                column("order_id", ColumnType.STRING),
                column("paid_at", ColumnType.TIMESTAMP),
                column("amount", ColumnType.decimal(12, 2))));

        // Schema-first with partition projection (the default with a schema).
        CrawledCatalog catalog = CrawledCatalog.Builder.create(stack, "Catalog")
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("orders")
                .schema(ordersSchema)
                .database(CatalogDatabase.define())
                .build();
        // Schema-first with event-driven partition registration (needs EventBridge on the lake).
        CrawledCatalog payments = CrawledCatalog.Builder.create(stack, "Payments")
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("payments")
                .schema(paymentsSchema)
                .partitionDiscovery(PartitionDiscovery.eventDriven())
                .build();
        // Schema-on-read: the crawler creates the table from the JSON lines it finds.
        CrawledCatalog rawEvents = CrawledCatalog.Builder.create(stack, "RawEvents")
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("raw_events")
                .partitionDiscovery(PartitionDiscovery.crawler(CrawlerDiscoveryOptions.builder()
                        .recrawlPolicy(RecrawlPolicy.NEW_FOLDERS_ONLY)
                        .build()))
                .build();

        // Each delivery reads its own stream: a delivery stream reads every record of its stream,
        // so two tables fed from one stream would each receive every record.
        StreamIngest rawIngest = new StreamIngest(stack, "RawIngest");
        // Parquet against the orders table: Firehose converts the JSON itself, no processor runs
        // (the default with a table).
        NewlineTransformFirehose delivery = NewlineTransformFirehose.Builder.create(stack, "Delivery")
                .stream(ingest.getStream())
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("orders")
                .table(catalog.getTable())
                .build();
        // JSON lines (GZIP) for the crawler, newline by Firehose's built-in processor.
        NewlineTransformFirehose rawDelivery = NewlineTransformFirehose.Builder.create(stack, "RawDelivery")
                .stream(rawIngest.getStream())
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("raw_events")
                .newline(NewlineStrategy.appendDelimiter())
                .build();

        Role role = Role.Builder.create(stack, "Application")
                .assumedBy(new AccountRootPrincipal())
                .description("Example application: puts records into the orders stream and queries the orders table")
                .build();
        Grant readGrant = catalog.grantRead(role);
        Grant writeGrant = ingest.grantWrite(role);

        // What the constructs expose, read back through the binding before synthesis.
        ShardEstimate estimate = ingest.getShardEstimate();
        check(estimate != null, "LakeExample StreamIngest.shardEstimate: expected the estimate of fromThroughput, got null");
        check(is(estimate.getShardCount(), EXPECTED_SHARDS),
                "LakeExample StreamIngest.shardEstimate.shardCount: expected " + EXPECTED_SHARDS + ", got " + estimate.getShardCount());
        check(estimate.getLimitingFactor() == EXPECTED_LIMIT,
                "LakeExample StreamIngest.shardEstimate.limitingFactor: expected " + EXPECTED_LIMIT + ", got " + estimate.getLimitingFactor());
        // Value objects compare by name: a reference that comes back from JavaScript gets a new
        // Java proxy, so it is not == to the constant of the same JavaScript object.
        String granularity = lake.getLayout().getGranularity().getName();
        check("HOURLY".equals(granularity) && granularity.equals(PartitionGranularity.HOURLY.getName()),
                "PartitionLayout.hourly().granularity: expected HOURLY, got " + granularity);
        check(List.of("year", "month", "day", "hour").equals(lake.getLayout().getPartitionKeys()),
                "PartitionLayout.hourly().partitionKeys: got " + lake.getLayout().getPartitionKeys());
        check(("orders/" + HOURLY_FIREHOSE).equals(lake.dataPrefix("orders")),
                "PartitionedParquetLake.dataPrefix(\"orders\"): got " + lake.dataPrefix("orders"));
        check(catalog.getTable() != null && catalog.getCrawler() == null, "CrawledCatalog 'orders': expected a declared table and no crawler");
        check(payments.getRegistrationFunction() != null, "CrawledCatalog 'payments': expected the registration function");
        check(rawEvents.getTable() == null && rawEvents.getCrawler() != null, "CrawledCatalog 'raw_events': expected a crawler and no declared table");
        check(rawIngest.getShardEstimate() == null, "LakeExample StreamIngest 'RawIngest': expected no shard estimate for the default capacity");
        check(delivery.getConvertsToParquet() && delivery.getProcessorFunction() == null,
                "NewlineTransformFirehose 'orders': expected Parquet and no processor Lambda");
        check(!rawDelivery.getConvertsToParquet() && rawDelivery.getProcessorFunction() == null,
                "NewlineTransformFirehose 'raw_events': expected JSON lines and no processor Lambda");
        check(readGrant.getSuccess() && writeGrant.getSuccess(), "grantRead / grantWrite: expected both grants to succeed");

        return new Lake(stack, ingest, rawIngest, lake, catalog, payments, rawEvents, delivery, rawDelivery, role);
    }

    /**
     * The ServerlessDataLakeExample stack, as examples/typescript/stacks.ts defines it: the same
     * stack name, construct IDs and options, so that its logical IDs are the TypeScript template's.
     */
    static Stack buildServerlessLake(final software.amazon.awscdk.App app) {
        Stack stack = new Stack(app, SERVERLESS_STACK_NAME, StackProps.builder().description(SERVERLESS_STACK_DESCRIPTION).build());
        // Schema-first (Parquet, projection), monitored with a new topic for its alarms, and a batch
        // trigger for replays of the raw backup and the error output, invoked by you (replayPayload).
        ServerlessDataLake clickLake = ServerlessDataLake.Builder.create(stack, "Clicks")
                .tableName("clicks")
                .columns(List.of(
                        column("event_id", ColumnType.STRING),
                        column("user_id", ColumnType.BIGINT),
                        column("amount", ColumnType.decimal(10, 2)),
                        column("event_time", ColumnType.TIMESTAMP)))
                .monitoringOptions(LakeMonitoringOptions.builder().alarmActions(LakeAlarmActions.newTopic()).build())
                .batchTrigger(LakeBatchTriggerOptions.builder().source(BatchTriggerSource.directInvoke()).build())
                .build();
        // Schema-on-read (JSON lines, newline Lambda, crawler), sharing the first lake's bucket,
        // key, database and workgroup.
        ServerlessDataLake rawLake = ServerlessDataLake.Builder.create(stack, "Raw")
                .tableName("raw_events")
                .shareWith(clickLake)
                .build();
        Role producer = Role.Builder.create(stack, "Producer")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("Example producer: may put records into the clicks and raw_events streams")
                .build();
        clickLake.grantWrite(producer);
        rawLake.grantWrite(producer);
        Role analyst = Role.Builder.create(stack, "Analyst")
                .assumedBy(new AccountRootPrincipal())
                .description("Example analyst: may query the clicks table")
                .build();
        clickLake.grantQuery(analyst);
        CfnOutput.Builder.create(stack, "ClicksStreamName").value(clickLake.getIngest().getStream().getStreamName()).build();
        CfnOutput.Builder.create(stack, "WorkGroupName").value(clickLake.getQueryLayer().getWorkGroupName()).build();
        CfnOutput.Builder.create(stack, "DatabaseName").value(clickLake.getCatalog().getDatabaseName()).build();

        // What the facade exposes, read back through the binding before synthesis.
        check(clickLake.getSchema() != null && rawLake.getSchema() == null, "ServerlessDataLake: expected a schema for clicks and none for raw_events");
        check(clickLake.getMonitoring() != null && rawLake.getMonitoring() != null, "ServerlessDataLake: expected monitoring on both lakes (the default)");
        BatchTrigger batchTrigger = clickLake.getBatchTrigger();
        check(batchTrigger != null && rawLake.getBatchTrigger() == null, "ServerlessDataLake: expected a batch trigger on clicks only");
        check(batchTrigger.getUsesBundledProducer(), "ServerlessDataLake 'clicks': expected the bundled producer");
        check(rawLake.getLake().getBucket().getBucketName().equals(clickLake.getLake().getBucket().getBucketName()),
                "ServerlessDataLake 'raw_events': expected the clicks lake's bucket (shareWith)");
        String payload = batchTrigger.replayPayload(ReplayRequest.builder()
                .table("clicks")
                .start(Instant.parse("2026-12-01T00:00:00Z"))
                .end(Instant.parse("2026-12-02T00:00:00Z"))
                .build());
        String expectedPayload = "{\"replay\":{\"table\":\"clicks\",\"from\":\"2026-12-01T00:00:00.000Z\",\"to\":\"2026-12-02T00:00:00.000Z\",\"source\":\"raw\"}}";
        check(expectedPayload.equals(payload), "BatchTrigger.replayPayload: expected " + expectedPayload + ", got " + payload);
        return stack;
    }

    static Stack buildIcebergLake(final software.amazon.awscdk.App app) {
        Stack stack = new Stack(app, ICEBERG_STACK_NAME, StackProps.builder().description(ICEBERG_STACK_DESCRIPTION).build());
        // An append-only event table, partitioned by the hour of its event time.
        ServerlessDataLake eventsLake = ServerlessDataLake.Builder.create(stack, "Events")
                .tableName("events")
                .columns(List.of(
                        column("event_id", ColumnType.STRING),
                        column("user_id", ColumnType.BIGINT),
                        column("kind", ColumnType.STRING),
                        Column.builder().name("event_time").type(ColumnType.TIMESTAMP)
                                .comment("when it happened (UTC); send epoch microseconds or ISO-8601").build()))
                .catalog(CatalogOptions.builder()
                        .tableFormat(TableFormat.iceberg(IcebergOptions.builder().partitionColumn("event_time").build()))
                        .build())
                .build();
        // An orders table Firehose upserts by order id, partitioned by the hour of its update time,
        // sharing the first lake's bucket, key, database and workgroup.
        ServerlessDataLake ordersLake = ServerlessDataLake.Builder.create(stack, "Orders")
                .tableName("orders")
                .columns(List.of(
                        column("order_id", ColumnType.STRING),
                        column("status", ColumnType.STRING),
                        column("amount", ColumnType.decimal(12, 2)),
                        column("updated_at", ColumnType.TIMESTAMP)))
                .shareWith(eventsLake)
                .catalog(CatalogOptions.builder()
                        .tableFormat(TableFormat.iceberg(IcebergOptions.builder()
                                .partitionColumn("updated_at")
                                .uniqueKeys(List.of("order_id"))
                                .snapshotRetentionPeriod(Duration.days(ORDERS_SNAPSHOT_RETENTION_DAYS))
                                .build()))
                        .build())
                .delivery(DeliveryOptions.builder().bufferingInterval(Duration.seconds(ORDERS_BUFFERING_SECONDS)).build())
                .build();
        Role analyst = Role.Builder.create(stack, "Analyst")
                .assumedBy(new AccountRootPrincipal())
                .description("Example analyst: may query the events and orders tables")
                .build();
        eventsLake.grantQuery(analyst);
        ordersLake.grantQuery(analyst);

        // What the catalog exposes, read back through the binding before synthesis.
        for (ServerlessDataLake lake : List.of(eventsLake, ordersLake)) {
            TableFormat tableFormat = lake.getCatalog().getTableFormat();
            check(tableFormat.getIsIceberg() && "ICEBERG".equals(tableFormat.getName()),
                    "ServerlessDataLake '" + lake.getTableName() + "': expected an Iceberg table, got " + tableFormat.getName());
            check(lake.getCatalog().getTableOptimizers().size() == ICEBERG_OPTIMIZER_TYPES.size(),
                    "ServerlessDataLake '" + lake.getTableName() + "': expected " + ICEBERG_OPTIMIZER_TYPES.size() + " table optimizers, got "
                            + lake.getCatalog().getTableOptimizers().size());
        }
        IcebergOptions options = ordersLake.getCatalog().getTableFormat().getIcebergOptions();
        check(options != null && List.of("order_id").equals(options.getUniqueKeys()) && "updated_at".equals(options.getPartitionColumn()),
                "ServerlessDataLake 'orders': expected the Iceberg options uniqueKeys [order_id] and partitionColumn updated_at, got " + options);
        check(options.getSnapshotRetentionPeriod() != null && is(options.getSnapshotRetentionPeriod().toDays(), ORDERS_SNAPSHOT_RETENTION_DAYS),
                "ServerlessDataLake 'orders': expected a snapshot retention period of " + ORDERS_SNAPSHOT_RETENTION_DAYS + " days, got "
                        + options.getSnapshotRetentionPeriod());
        check(ordersLake.getLake().getBucket().getBucketName().equals(eventsLake.getLake().getBucket().getBucketName()),
                "ServerlessDataLake 'orders': expected the events lake's bucket (shareWith)");
        return stack;
    }

    /**
     * The Iceberg facts of this app's own IcebergExample template: the Glue tables, their optimizers
     * and the Firehose Iceberg destinations.
     */
    static String checkIcebergTemplate(final Map<String, Object> template) {
        Map<String, Map<String, Map<String, Object>>> byType = new TreeMap<>();
        for (Map.Entry<String, Object> resource : map(template.get("Resources")).entrySet()) {
            Map<String, Object> r = map(resource.getValue());
            byType.computeIfAbsent(String.valueOf(r.get("Type")), t -> new TreeMap<>()).put(resource.getKey(), r);
        }
        Function<String, Map<String, Map<String, Object>>> ofType = type -> byType.getOrDefault(type, Map.of());

        Map<Object, Map.Entry<String, Map<String, Object>>> tables =
                byProperty(ofType.apply("AWS::Glue::Table"), "AWS::Glue::Table", "name", p -> p.get("Name"));
        check(new TreeSet<>(tables.keySet()).equals(ICEBERG_PARTITION_COLUMNS.keySet()),
                "AWS::Glue::Table: expected " + ICEBERG_PARTITION_COLUMNS.keySet() + ", got " + tables.keySet());
        List<String> shownTables = new ArrayList<>();
        for (Map.Entry<String, String> expected : ICEBERG_PARTITION_COLUMNS.entrySet()) {
            String tableName = expected.getKey();
            String partitionColumn = expected.getValue();
            String tableId = tables.get(tableName).getKey();
            Map<String, Object> table = tables.get(tableName).getValue();
            check(!table.containsKey("TableInput"), "table " + tableName + " (" + tableId + "): an Iceberg table has no Hive TableInput, got " + table.keySet());
            Object format = table.get("OpenTableFormatInput");
            Object icebergInput = format instanceof Map<?, ?> f ? f.get("IcebergInput") : null;
            Object tableInput = icebergInput instanceof Map<?, ?> i ? i.get("IcebergTableInput") : null;
            check(tableInput instanceof Map<?, ?>, "table " + tableName + " (" + tableId + "): expected OpenTableFormatInput.IcebergInput.IcebergTableInput, got " + format);
            Map<String, Object> iceberg = map(tableInput);
            Map<String, Object> schema = map(iceberg.get("Schema"));
            Map<String, Double> fieldIds = new TreeMap<>();
            for (Object field : list(schema.get("Fields"))) {
                fieldIds.put(String.valueOf(map(field).get("Name")), ((Number) map(field).get("Id")).doubleValue());
            }
            List<Object> partition = new ArrayList<>();
            for (Object field : list(map(iceberg.getOrDefault("PartitionSpec", Map.of("Fields", List.of()))).get("Fields"))) {
                partition.add(canonical(List.of(String.valueOf(map(field).get("Transform")), map(field).get("SourceId"))));
            }
            Object expectedPartition = canonical(List.of(List.of("hour", fieldIds.getOrDefault(partitionColumn, -1.0))));
            check(partition.equals(expectedPartition),
                    "table " + tableName + " (" + tableId + "): expected the partition spec hour(" + partitionColumn + ") " + expectedPartition + ", got " + partition);
            Object identifiers = schema.get("IdentifierFieldIds");
            if ("orders".equals(tableName)) {
                check(canonical(List.of(1)).equals(canonical(identifiers)) && Double.valueOf(1).equals(fieldIds.get("order_id")),
                        "table orders (" + tableId + "): expected IdentifierFieldIds [1] (order_id), got " + identifiers + " of " + fieldIds);
                shownTables.add(tableName + ": hour(" + partitionColumn + "), identifier fields [1]");
            } else {
                check(identifiers == null, "table " + tableName + " (" + tableId + "): expected no IdentifierFieldIds (append-only), got " + identifiers);
                shownTables.add(tableName + ": hour(" + partitionColumn + ")");
            }
        }

        Map<String, Map<String, Map.Entry<String, Map<String, Object>>>> optimizers = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> optimizer : ofType.apply("AWS::Glue::TableOptimizer").entrySet()) {
            Map<String, Object> properties = map(optimizer.getValue().get("Properties"));
            optimizers.computeIfAbsent(String.valueOf(properties.get("TableName")), t -> new TreeMap<>())
                    .put(String.valueOf(properties.get("Type")), Map.entry(optimizer.getKey(), properties));
        }
        check(optimizers.keySet().equals(ICEBERG_PARTITION_COLUMNS.keySet()),
                "AWS::Glue::TableOptimizer: expected optimizers of " + ICEBERG_PARTITION_COLUMNS.keySet() + " only, got " + optimizers.keySet());
        for (Map.Entry<String, Map<String, Map.Entry<String, Map<String, Object>>>> kinds : optimizers.entrySet()) {
            check(new ArrayList<>(kinds.getValue().keySet()).equals(ICEBERG_OPTIMIZER_TYPES),
                    "AWS::Glue::TableOptimizer of " + kinds.getKey() + ": expected " + ICEBERG_OPTIMIZER_TYPES + ", got " + kinds.getValue().keySet());
            for (Map.Entry<String, Map.Entry<String, Map<String, Object>>> kind : kinds.getValue().entrySet()) {
                check(Boolean.TRUE.equals(map(kind.getValue().getValue().get("TableOptimizerConfiguration")).get("Enabled")),
                        "optimizer " + kind.getValue().getKey() + " (" + kinds.getKey() + " " + kind.getKey() + "): expected Enabled true");
            }
        }
        Map<String, Object> retention = optimizers.get("orders").get("retention").getValue();
        Object days = map(map(map(retention.get("TableOptimizerConfiguration")).get("RetentionConfiguration")).get("IcebergConfiguration"))
                .get("SnapshotRetentionPeriodInDays");
        check(days instanceof Number n && is(n, ORDERS_SNAPSHOT_RETENTION_DAYS),
                "retention optimizer of orders: expected SnapshotRetentionPeriodInDays " + ORDERS_SNAPSHOT_RETENTION_DAYS + ", got " + days);

        Map<Object, Map.Entry<String, Map<String, Object>>> streams = byProperty(ofType.apply("AWS::KinesisFirehose::DeliveryStream"),
                "AWS::KinesisFirehose::DeliveryStream", "destination table", p -> {
                    check(p.get("IcebergDestinationConfiguration") instanceof Map<?, ?>,
                            "delivery stream: expected an IcebergDestinationConfiguration, got " + p.keySet());
                    check(!p.containsKey("ExtendedS3DestinationConfiguration"),
                            "delivery stream: expected no ExtendedS3DestinationConfiguration beside the Iceberg destination");
                    List<Object> tableList = list(map(p.get("IcebergDestinationConfiguration")).getOrDefault("DestinationTableConfigurationList", List.of()));
                    check(tableList.size() == 1, "delivery stream: expected one destination table, got " + tableList);
                    return map(tableList.get(0)).get("DestinationTableName");
                });
        check(new TreeSet<>(streams.keySet()).equals(ICEBERG_PARTITION_COLUMNS.keySet()),
                "AWS::KinesisFirehose::DeliveryStream: expected " + ICEBERG_PARTITION_COLUMNS.keySet() + ", got " + streams.keySet());
        Map<String, List<Object>> expectedStreams = new TreeMap<>();
        expectedStreams.put("events", Arrays.asList(true, null));
        expectedStreams.put("orders", Arrays.asList(false, List.of("order_id")));
        for (Map.Entry<String, List<Object>> expected : expectedStreams.entrySet()) {
            String streamId = streams.get(expected.getKey()).getKey();
            Map<String, Object> destination = map(streams.get(expected.getKey()).getValue().get("IcebergDestinationConfiguration"));
            List<Object> got = Arrays.asList(destination.get("AppendOnly"),
                    map(list(destination.get("DestinationTableConfigurationList")).get(0)).get("UniqueKeys"));
            check(got.equals(expected.getValue()), "delivery stream " + streamId + " (" + expected.getKey() + "): expected (AppendOnly, UniqueKeys) "
                    + expected.getValue() + ", got " + got);
        }
        Object interval = map(map(streams.get("orders").getValue().get("IcebergDestinationConfiguration")).getOrDefault("BufferingHints", Map.of()))
                .get("IntervalInSeconds");
        check(interval instanceof Number n && is(n, ORDERS_BUFFERING_SECONDS),
                "delivery stream of orders: expected BufferingHints.IntervalInSeconds " + ORDERS_BUFFERING_SECONDS + ", got " + interval);

        return "2 Iceberg AWS::Glue::Table (" + String.join("; ", shownTables) + "), " + ICEBERG_OPTIMIZER_TYPES.size()
                + " AWS::Glue::TableOptimizer per table (" + String.join(", ", ICEBERG_OPTIMIZER_TYPES) + "; orders retention "
                + ((Number) days).intValue() + " days), 2 Iceberg delivery streams (events AppendOnly; orders UniqueKeys [order_id], buffering "
                + ((Number) interval).intValue() + " s)";
    }

    /** A template file as a map, parsed by aws-cdk-lib's assertions (the app has no JSON library of its own). */
    static Map<String, Object> readTemplate(final Path file) {
        try {
            return Template.fromString(Files.readString(file)).toJSON();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Resource type to sorted logical IDs of a template. */
    static Map<String, List<String>> resourceTypes(final Map<String, Object> template) {
        Map<String, List<String>> byType = new TreeMap<>();
        for (Map.Entry<String, Object> resource : map(template.getOrDefault("Resources", Map.of())).entrySet()) {
            byType.computeIfAbsent(String.valueOf(map(resource.getValue()).get("Type")), t -> new ArrayList<>()).add(resource.getKey());
        }
        byType.values().forEach(ids -> ids.sort(null));
        return byType;
    }

    static String countsLine(final Map<String, List<String>> byType) {
        List<String> parts = new ArrayList<>();
        byType.forEach((type, ids) -> parts.add(ids.size() + " " + type));
        return String.join(", ", parts);
    }

    /**
     * The Java template has the TypeScript template's resource types with the same counts, the same
     * logical IDs per type and the same outputs; a difference is reported type by type.
     */
    static String checkSameAsTypescript(final String stackName, final Map<String, Object> template, final Path templateFile,
            final Path typescriptAssembly) {
        Path typescriptFile = typescriptAssembly.resolve(stackName + ".template.json");
        check(Files.isRegularFile(typescriptFile), stackName + ": no TypeScript template at " + typescriptFile
                + ": run `npm run example` at the repository root first (or pass the directory of its cloud assembly as the second argument)");
        Map<String, Object> tsTemplate = readTemplate(typescriptFile);
        Map<String, List<String>> tsTypes = resourceTypes(tsTemplate);
        Map<String, List<String>> javaTypes = resourceTypes(template);
        List<String> problems = new ArrayList<>();
        Set<String> allTypes = new TreeSet<>(tsTypes.keySet());
        allTypes.addAll(javaTypes.keySet());
        for (String type : allTypes) {
            List<String> tsIds = tsTypes.getOrDefault(type, List.of());
            List<String> javaIds = javaTypes.getOrDefault(type, List.of());
            if (tsIds.size() != javaIds.size()) {
                problems.add(type + ": TypeScript " + tsIds.size() + ", Java " + javaIds.size());
            }
            if (!tsIds.equals(javaIds)) {
                Set<String> onlyTs = new TreeSet<>(tsIds);
                onlyTs.removeAll(javaIds);
                Set<String> onlyJava = new TreeSet<>(javaIds);
                onlyJava.removeAll(tsIds);
                problems.add(type + ": logical IDs only in TypeScript " + onlyTs + ", only in Java " + onlyJava);
            }
        }
        Object tsOutputs = canonical(tsTemplate.getOrDefault("Outputs", Map.of()));
        Object javaOutputs = canonical(template.getOrDefault("Outputs", Map.of()));
        if (!tsOutputs.equals(javaOutputs)) {
            problems.add("Outputs: TypeScript " + tsOutputs + ", Java " + javaOutputs);
        }
        if (!String.valueOf(tsTemplate.get("Description")).equals(String.valueOf(template.get("Description")))) {
            problems.add("Description: TypeScript '" + tsTemplate.get("Description") + "', Java '" + template.get("Description") + "'");
        }
        int tsCount = tsTypes.values().stream().mapToInt(List::size).sum();
        int javaCount = javaTypes.values().stream().mapToInt(List::size).sum();
        check(problems.isEmpty(), stackName + ": the Java template " + shown(templateFile) + " (" + javaCount
                + " resources) differs from the TypeScript template " + shown(typescriptFile) + " (" + tsCount + " resources):\n  "
                + String.join("\n  ", problems) + "\n  TypeScript: " + countsLine(tsTypes) + "\n  Java:       " + countsLine(javaTypes));
        Set<String> outputs = new TreeSet<>(map(template.getOrDefault("Outputs", Map.of())).keySet());
        return javaCount + " resources of " + javaTypes.size() + " types, the same types, counts and logical IDs as the TypeScript template "
                + shown(typescriptFile) + " (" + countsLine(javaTypes) + "); "
                + (outputs.isEmpty() ? "no outputs in either" : "the same outputs (" + String.join(", ", outputs) + ")");
    }

    /** The checked LakeExample template: its summary line and its Lambda functions by logical ID. */
    record LakeTemplate(String summary, Map<String, Map<String, Object>> functions) {}

    static LakeTemplate checkLakeTemplate(final Lake lake) {
        Stack stack = lake.stack();
        Template template = Template.fromStack(stack);
        String bucketId = resourceId(stack, lake.lake().getBucket().getBucketName());
        String lakeKeyId = resourceId(stack, lake.lake().getEncryptionKey().getKeyArn());

        // Kinesis: one stream per delivery (a delivery stream reads every record of its stream);
        // the orders stream sized by the calculator, the raw events stream with the default single
        // shard.
        template.resourceCountIs("AWS::Kinesis::Stream", 2);
        String ordersStreamId = resourceId(stack, lake.ingest().getStream().getStreamArn());
        String rawStreamId = resourceId(stack, lake.rawIngest().getStream().getStreamArn());
        Map<String, Object> shards = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> kinesis : template.findResources("AWS::Kinesis::Stream").entrySet()) {
            shards.put(kinesis.getKey(), canonical(map(kinesis.getValue().get("Properties")).get("ShardCount")));
        }
        Map<String, Object> expectedShards = new TreeMap<>(Map.of(ordersStreamId, canonical(EXPECTED_SHARDS), rawStreamId, canonical(1)));
        check(shards.equals(expectedShards), "AWS::Kinesis::Stream: expected shard counts " + expectedShards + ", got " + shards);

        // Glue: the two declared tables; raw_events is left to its crawler.
        template.resourceCountIs("AWS::Glue::Table", 2);
        Map<Object, Map.Entry<String, Map<String, Object>>> tables = byProperty(
                template.findResources("AWS::Glue::Table"), "AWS::Glue::Table", "name", p -> map(p.get("TableInput")).get("Name"));
        check(tables.keySet().equals(Set.of("orders", "payments")), "AWS::Glue::Table: expected orders and payments, got " + tables.keySet());
        String ordersId = tables.get("orders").getKey();
        Map<String, Object> ordersInput = map(tables.get("orders").getValue().get("TableInput"));
        Map<String, Object> parameters = map(ordersInput.get("Parameters"));
        check("true".equals(parameters.get("projection.enabled")),
                "table orders: projection.enabled should be 'true', got " + parameters.get("projection.enabled"));
        List<Object> location = joinParts(parameters.get("storage.location.template"));
        List<Object> expectedLocation = List.of("s3://", Map.of("Ref", bucketId), "/orders/" + HOURLY_LOCATION);
        check(expectedLocation.equals(location), "table orders: storage.location.template should be " + expectedLocation + ", got " + location);
        check(((String) location.get(location.size() - 1)).endsWith("/orders/" + HOURLY_LOCATION),
                "table orders: storage.location.template should end in /orders/" + HOURLY_LOCATION);
        List<List<String>> columns = columns(ordersInput);
        check(ORDERS_COLUMNS.equals(columns), "table orders: columns should be " + ORDERS_COLUMNS + ", got " + columns);
        for (String glueType : List.of("decimal(12,2)", "char(2)", "map<string,bigint>", SHIPPING_TYPE)) {
            check(columns.stream().anyMatch(c -> c.get(1).equals(glueType)), "table orders: no column of type " + glueType);
        }
        Map<String, Object> paymentsInput = map(tables.get("payments").getValue().get("TableInput"));
        check(!map(paymentsInput.get("Parameters")).containsKey("projection.enabled"),
                "table payments: partitions are registered from events, not projected");
        List<List<String>> paymentColumns = columns(paymentsInput);
        check(PAYMENTS_COLUMNS.equals(paymentColumns), "table payments: columns should be " + PAYMENTS_COLUMNS + ", got " + paymentColumns);

        template.resourceCountIs("AWS::Glue::Crawler", 1);
        Map.Entry<String, Map<String, Object>> crawler = only(template.findResources("AWS::Glue::Crawler"), "AWS::Glue::Crawler");
        Map<String, Object> crawlerProps = map(crawler.getValue().get("Properties"));
        check(Map.of("RecrawlBehavior", "CRAWL_NEW_FOLDERS_ONLY").equals(crawlerProps.get("RecrawlPolicy")),
                "crawler " + crawler.getKey() + ": expected CRAWL_NEW_FOLDERS_ONLY, got " + crawlerProps.get("RecrawlPolicy"));
        // RecrawlPolicy values are compared by identity in the library: LOG/LOG shows that the
        // policy passed from Java arrived as RecrawlPolicy.NEW_FOLDERS_ONLY itself.
        check(Map.of("UpdateBehavior", "LOG", "DeleteBehavior", "LOG").equals(crawlerProps.get("SchemaChangePolicy")),
                "crawler " + crawler.getKey() + ": NEW_FOLDERS_ONLY needs LOG/LOG, got " + crawlerProps.get("SchemaChangePolicy"));
        List<List<Object>> paths = new ArrayList<>();
        for (Object target : list(map(crawlerProps.get("Targets")).get("S3Targets"))) {
            paths.add(joinParts(map(target).get("Path")));
        }
        check(List.of(List.of("s3://", Map.of("Ref", bucketId), "/raw_events/")).equals(paths),
                "crawler " + crawler.getKey() + ": expected the raw_events folder, got " + paths);

        // Firehose: Parquet for orders with no processor, JSON lines for raw_events, each from its
        // own stream.
        template.resourceCountIs("AWS::KinesisFirehose::DeliveryStream", 2);
        Map<Object, Map.Entry<String, Map<String, Object>>> streams = byProperty(
                template.findResources("AWS::KinesisFirehose::DeliveryStream"), "AWS::KinesisFirehose::DeliveryStream", "Prefix",
                p -> map(p.get("ExtendedS3DestinationConfiguration")).get("Prefix"));
        String parquetPrefix = "orders/" + HOURLY_FIREHOSE;
        String jsonPrefix = "raw_events/" + HOURLY_FIREHOSE;
        check(streams.keySet().equals(Set.of(parquetPrefix, jsonPrefix)),
                "delivery stream prefixes: expected " + parquetPrefix + " and " + jsonPrefix + ", got " + streams.keySet());
        String parquetId = streams.get(parquetPrefix).getKey();
        Object source = map(streams.get(parquetPrefix).getValue().get("KinesisStreamSourceConfiguration")).get("KinesisStreamARN");
        check(references(source, ordersStreamId), "delivery stream " + parquetId + ": should read the orders stream " + ordersStreamId + ", got " + source);
        Map<String, Object> destination = map(streams.get(parquetPrefix).getValue().get("ExtendedS3DestinationConfiguration"));
        Map<String, Object> conversion = map(destination.getOrDefault("DataFormatConversionConfiguration", Map.of()));
        check(Boolean.TRUE.equals(conversion.get("Enabled")),
                "delivery stream " + parquetId + ": DataFormatConversionConfiguration.Enabled should be true, got " + conversion.get("Enabled"));
        // The table by its literal name (not a Ref to the AWS::Glue::Table), created before the stream.
        Object tableName = map(conversion.getOrDefault("SchemaConfiguration", Map.of())).get("TableName");
        check("orders".equals(tableName), "delivery stream " + parquetId + ": should convert against the table named orders, got " + tableName);
        Object dependsOn = map(template.findResources("AWS::KinesisFirehose::DeliveryStream").get(parquetId)).getOrDefault("DependsOn", List.of());
        check(dependsOn instanceof List<?> deps && deps.contains(ordersId),
                "delivery stream " + parquetId + ": should depend on the orders table " + ordersId + ", got " + dependsOn);
        // The conversion reads each record's JSON itself: no processor, no Lambda before it.
        check(!destination.containsKey("ProcessingConfiguration"),
                "delivery stream " + parquetId + ": Parquet should have no processor, got " + destination.get("ProcessingConfiguration"));
        String jsonId = streams.get(jsonPrefix).getKey();
        source = map(streams.get(jsonPrefix).getValue().get("KinesisStreamSourceConfiguration")).get("KinesisStreamARN");
        check(references(source, rawStreamId), "delivery stream " + jsonId + ": should read the raw events stream " + rawStreamId + ", got " + source);
        destination = map(streams.get(jsonPrefix).getValue().get("ExtendedS3DestinationConfiguration"));
        check(!destination.containsKey("DataFormatConversionConfiguration"), "delivery stream " + jsonId + ": JSON lines should not be converted");
        check("GZIP".equals(destination.get("CompressionFormat")),
                "delivery stream " + jsonId + ": expected GZIP, got " + destination.get("CompressionFormat"));
        List<Object> processors = list(map(destination.get("ProcessingConfiguration")).get("Processors"));
        check(processors.size() == 1 && "AppendDelimiterToRecord".equals(map(processors.get(0)).get("Type")),
                "delivery stream " + jsonId + ": expected AppendDelimiterToRecord only, got " + processors);

        // Bucket notifications: the library turns EventBridge delivery on through aws-cdk-lib's
        // notification custom resource, the one owner of the bucket's notification configuration.
        Map.Entry<String, Map<String, Object>> notifications =
                only(template.findResources("Custom::S3BucketNotifications"), "Custom::S3BucketNotifications");
        String notificationsId = notifications.getKey();
        Map<String, Object> notificationProps = map(notifications.getValue().get("Properties"));
        check(Map.of("Ref", bucketId).equals(notificationProps.get("BucketName")),
                notificationsId + ": expected the lake bucket " + bucketId + ", got " + notificationProps.get("BucketName"));
        check(Map.of("EventBridgeConfiguration", Map.of()).equals(notificationProps.get("NotificationConfiguration")),
                notificationsId + ": expected EventBridge delivery only, got " + notificationProps.get("NotificationConfiguration"));
        Map<String, Object> bucketProps = map(template.findResources("AWS::S3::Bucket").get(bucketId).get("Properties"));
        check(!bucketProps.containsKey("NotificationConfiguration"), "bucket " + bucketId + ": its notification configuration belongs to "
                + notificationsId + " alone, got " + bucketProps.get("NotificationConfiguration"));
        Object serviceToken = notificationProps.get("ServiceToken");
        check(serviceToken instanceof Map<?, ?> token && token.get("Fn::GetAtt") instanceof List<?> getAtt && getAtt.size() == 2,
                notificationsId + ": expected the ServiceToken to be a function's Arn, got " + serviceToken);
        String handlerId = String.valueOf(list(map(serviceToken).get("Fn::GetAtt")).get(0));

        // Lambda: the partition registration function and aws-cdk-lib's notification handler,
        // nothing else (the orders delivery has no processor, the raw events delivery Firehose's own).
        template.resourceCountIs("AWS::Lambda::Function", 2);
        Map<String, Map<String, Object>> functions = template.findResources("AWS::Lambda::Function");
        String registrationId = resourceId(stack, lake.payments().getRegistrationFunction().getFunctionArn());
        check(functions.keySet().equals(Set.of(registrationId, handlerId)),
                "AWS::Lambda::Function: expected " + registrationId + " and " + handlerId + ", got " + functions.keySet());
        Map<String, Object> registration = map(functions.get(registrationId).get("Properties"));
        check(LAMBDA_RUNTIME.equals(registration.get("Runtime")),
                "function " + registrationId + ": expected runtime " + LAMBDA_RUNTIME + ", got " + registration.get("Runtime"));
        Object tableEnv = map(map(registration.get("Environment")).get("Variables")).get("TABLE_NAME");
        check("payments".equals(tableEnv), "function " + registrationId + ": expected TABLE_NAME payments, got " + tableEnv);
        Map<String, Object> handler = map(functions.get(handlerId).get("Properties"));
        Object handlerRuntime = handler.get("Runtime");
        check(handlerRuntime instanceof String r && r.startsWith(NOTIFICATIONS_RUNTIME_PREFIX),
                "function " + handlerId + ": expected aws-cdk-lib's " + NOTIFICATIONS_RUNTIME_PREFIX + "x handler, got " + handlerRuntime);
        check(map(handler.get("Code")).containsKey("ZipFile"),
                "function " + handlerId + ": expected aws-cdk-lib's inline handler code, got " + map(handler.get("Code")).keySet());

        // Log groups: the registrar's and each delivery stream's, retained, encrypted with the lake
        // key, and named with the stack's unique suffix (so a re-created stack does not collide
        // with them).
        template.resourceCountIs("AWS::Logs::LogGroup", 3);
        Map<String, Map<String, Object>> logGroups = template.findResources("AWS::Logs::LogGroup");
        Object registrationLogs = map(registration.getOrDefault("LoggingConfig", Map.of())).get("LogGroup");
        check(registrationLogs instanceof Map<?, ?> ref && ref.get("Ref") instanceof String,
                "function " + registrationId + ": expected LoggingConfig.LogGroup to be a Ref, got " + registrationLogs);
        Map<String, String> groupPrefixes = new TreeMap<>();
        groupPrefixes.put((String) map(registrationLogs).get("Ref"), "/aws/lambda/");
        groupPrefixes.put(resourceId(stack, lake.delivery().getLogGroup().getLogGroupArn()), "/aws/kinesisfirehose/");
        groupPrefixes.put(resourceId(stack, lake.rawDelivery().getLogGroup().getLogGroupArn()), "/aws/kinesisfirehose/");
        check(logGroups.keySet().equals(groupPrefixes.keySet()),
                "AWS::Logs::LogGroup: expected " + groupPrefixes.keySet() + ", got " + new TreeSet<>(logGroups.keySet()));
        Map<String, String> groupNames = new TreeMap<>();
        for (Map.Entry<String, String> expected : groupPrefixes.entrySet()) {
            String logicalId = expected.getKey();
            String prefix = expected.getValue() + LAKE_STACK_NAME + "-";
            Map<String, Object> group = logGroups.get(logicalId);
            check("Retain".equals(group.get("DeletionPolicy")) && "Retain".equals(group.get("UpdateReplacePolicy")),
                    "log group " + logicalId + ": expected Retain, got " + group.get("DeletionPolicy") + "/" + group.get("UpdateReplacePolicy"));
            Map<String, Object> groupProps = map(group.get("Properties"));
            check(references(groupProps.get("KmsKeyId"), lakeKeyId),
                    "log group " + logicalId + ": expected KmsKeyId of the lake key " + lakeKeyId + ", got " + groupProps.get("KmsKeyId"));
            List<Object> parts = joinParts(groupProps.get("LogGroupName"));
            check(parts.size() == 2 && parts.get(0) instanceof String name && name.startsWith(prefix) && name.endsWith("-")
                    && canonical(STACK_SUFFIX).equals(canonical(parts.get(1))),
                    "log group " + logicalId + ": expected the name " + prefix + "<construct>-<stack suffix>, got " + parts);
            groupNames.put(logicalId, (String) parts.get(0));
        }
        check(new HashSet<>(groupNames.values()).size() == groupNames.size(), "log groups: expected distinct names, got " + groupNames);

        // Key policies: CloudWatch Logs may use the lake key for exactly these groups, and no key
        // lets the logs service call kms:DescribeKey (it does not need it).
        List<Map.Entry<String, Map<String, Object>>> logsStatements = new ArrayList<>();
        Object logsService = canonical(List.of("logs.", Map.of("Ref", "AWS::Region"), ".amazonaws.com"));
        for (Map.Entry<String, Map<String, Object>> key : template.findResources("AWS::KMS::Key").entrySet()) {
            for (Object item : list(map(map(map(key.getValue().get("Properties")).get("KeyPolicy"))).get("Statement"))) {
                Map<String, Object> statement = map(item);
                Object principal = statement.get("Principal");
                Object service = principal instanceof Map<?, ?> p ? p.get("Service") : null;
                if (service != null && logsService.equals(canonical(joinParts(service)))) {
                    logsStatements.add(Map.entry(key.getKey(), statement));
                    check(!actionsOf(statement).contains("kms:DescribeKey"),
                            "key " + key.getKey() + ": the logs statement " + statement.get("Sid") + " should not allow kms:DescribeKey");
                }
            }
        }
        for (Map.Entry<String, String> group : groupNames.entrySet()) {
            List<String> naming = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> entry : logsStatements) {
                Object condition = map(map(entry.getValue().getOrDefault("Condition", Map.of())).getOrDefault("ArnLike", Map.of()))
                        .get("kms:EncryptionContext:aws:logs:arn");
                List<Object> arn = condition == null ? List.of() : joinParts(condition);
                // Delivery log groups share one statement for every delivery group of this creation
                // of the stack (/aws/kinesisfirehose/*-<suffix>); the registrar's names its own group.
                String pattern = group.getValue().startsWith("/aws/kinesisfirehose/") ? "/aws/kinesisfirehose/*-" : group.getValue();
                if (arn.size() >= 2 && canonical(STACK_SUFFIX).equals(canonical(arn.get(arn.size() - 1)))
                        && arn.get(arn.size() - 2) instanceof String part && part.endsWith(":log-group:" + pattern)) {
                    naming.add(entry.getKey());
                }
            }
            check(List.of(lakeKeyId).equals(naming), "log group " + group.getKey() + ": expected one statement of the lake key " + lakeKeyId
                    + " for " + group.getValue() + "<suffix>, got it in " + naming);
        }

        // The Firehose roles: each reads its own stream, writes, gets and lists its own table's
        // prefixes.
        record Delivery(NewlineTransformFirehose delivery, String tableName, String streamId) {}
        for (Delivery d : List.of(new Delivery(lake.delivery(), "orders", ordersStreamId), new Delivery(lake.rawDelivery(), "raw_events", rawStreamId))) {
            String firehoseRoleId = resourceId(stack, d.delivery().getRole().getRoleArn());
            Map<String, List<String>> grants = granted(template, firehoseRoleId);
            List<String> prefixes = new ArrayList<>();
            for (String prefix : List.of("", "raw/", "errors/")) {
                prefixes.add(String.valueOf(canonical(Map.of("Fn::Join", List.of("",
                        List.of(Map.of("Fn::GetAtt", List.of(bucketId, "Arn")), "/" + prefix + d.tableName() + "/*"))))));
            }
            prefixes.sort(null);
            List<String> bucketArn = List.of(String.valueOf(canonical(Map.of("Fn::GetAtt", List.of(bucketId, "Arn")))));
            List<String> streamArn = List.of(String.valueOf(canonical(Map.of("Fn::GetAtt", List.of(d.streamId(), "Arn")))));
            Map<String, List<String>> expected = new LinkedHashMap<>();
            expected.put("s3:PutObject", prefixes);
            expected.put("s3:GetObject", prefixes);
            expected.put("s3:ListBucket", bucketArn);
            expected.put("kinesis:GetRecords", streamArn);
            for (Map.Entry<String, List<String>> e : expected.entrySet()) {
                List<String> got = new ArrayList<>(grants.getOrDefault(e.getKey(), List.of()));
                got.sort(null);
                check(got.equals(e.getValue()), "Firehose role " + firehoseRoleId + " (" + d.tableName() + "): " + e.getKey() + " should be on "
                        + e.getValue() + ", got " + got);
            }
        }

        // The application role: writes the orders stream, reads the orders table.
        String roleId = resourceId(stack, lake.role().getRoleName());
        Set<String> actions = granted(template, roleId).keySet();
        Set<String> needed = Set.of("kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kms:GenerateDataKey", "glue:GetTable",
                "glue:GetPartitions", "s3:GetObject", "s3:ListBucket", "kms:Decrypt");
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(actions);
        check(missing.isEmpty(), "role " + roleId + ": missing " + missing + " (has " + new TreeSet<>(actions) + ")");

        String summary = "2 AWS::Kinesis::Stream (" + ordersStreamId + ": " + EXPECTED_SHARDS + " shards, " + rawStreamId + ": 1), 2 AWS::Glue::Table (orders: projection, "
                + columns.size() + " columns; payments: events), 1 AWS::Glue::Crawler (raw_events), 2 AWS::KinesisFirehose::DeliveryStream (orders Parquet, "
                + "no processor; raw_events JSON lines), 2 AWS::Lambda::Function (" + registrationId + " " + LAMBDA_RUNTIME + "; " + handlerId + " "
                + handlerRuntime + " for " + notificationsId + "), 3 AWS::Logs::LogGroup (lake key, stack suffix), role " + roleId + " granted read + write";
        // The library's own functions, whose handler code is an asset of the cloud assembly
        // (aws-cdk-lib's notification handler is inline code).
        return new LakeTemplate(summary, Map.of(registrationId, functions.get(registrationId)));
    }

    /** Each function's code is a directory asset of the cloud assembly holding the handler's index.js. */
    static String checkLambdaAssets(final CloudAssembly assembly, final Map<String, Map<String, Object>> functions) {
        return checkLambdaAssets(assembly, functions, LAKE_STACK_NAME);
    }

    static String checkLambdaAssets(final CloudAssembly assembly, final Map<String, Map<String, Object>> functions, final String stackName) {
        List<CloudArtifact> manifests = assembly.getStackByName(stackName).getDependencies().stream()
                .filter(AssetManifestArtifact::isAssetManifestArtifact)
                .toList();
        check(manifests.size() == 1, stackName + ": expected one asset manifest, got " + manifests.size());
        // The binding hands dependencies out as CloudArtifact, without AssetManifestArtifact.getFile()
        // (and reading getManifest().getProperties(), a union of structs, fails in jsii). aws-cdk-lib
        // writes an asset manifest artifact <id> to <id>.json: load that through the typed schema API.
        Path manifestFile = Paths.get(assembly.getDirectory(), manifests.get(0).getId() + ".json");
        check(Files.isRegularFile(manifestFile), stackName + ": expected the asset manifest at " + manifestFile);
        Map<String, FileAsset> files = Manifest.loadAssetManifest(manifestFile.toString()).getFiles();
        List<String> shown = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> function : new TreeMap<>(functions).entrySet()) {
            Object key = map(map(function.getValue().get("Properties")).get("Code")).get("S3Key");
            check(key instanceof String s && s.endsWith(".zip"),
                    "function " + function.getKey() + ": expected an S3Key '<asset hash>.zip', got " + key);
            String hash = ((String) key).substring(0, ((String) key).length() - ".zip".length());
            FileAsset asset = files == null ? null : files.get(hash);
            check(asset != null, "function " + function.getKey() + ": asset " + key + " is not in " + manifestFile.getFileName());
            FileSource source = asset.getSource();
            check(source.getPackaging() == FileAssetPackaging.ZIP_DIRECTORY && source.getPath() != null,
                    "function " + function.getKey() + ": asset " + key + " should be a zipped directory, got " + source.getPackaging() + " " + source.getPath());
            Path directory = Paths.get(assembly.getDirectory(), source.getPath());
            check(Files.isDirectory(directory), "function " + function.getKey() + ": asset directory " + directory + " does not exist");
            Path handler = directory.resolve("index.js");
            long size = handler.toFile().length();
            check(Files.isRegularFile(handler) && size > 0, "function " + function.getKey() + ": " + handler + " is missing or empty");
            shown.add(source.getPath() + "/index.js (" + size + " B)");
        }
        return String.join(", ", shown);
    }

    /**
     * CDK's CloudFormation validation found nothing unacknowledged; the suppressed findings are the
     * W7001 the library acknowledges on LakeExample, ServerlessDataLakeExample and IcebergExample,
     * one each (the app acknowledges nothing itself).
     */
    static String checkValidationReport(final CloudAssembly assembly) {
        // Warnings of the built-in validation do not fail the synth: read its report to make sure
        // that the one warning of each lake stack is the one the library acknowledged, and that no
        // other is left.
        Path reportFile = Paths.get(assembly.getDirectory(), VALIDATION_REPORT_FILE);
        check(Files.isRegularFile(reportFile), "expected CDK's validation report at " + reportFile);
        PolicyValidationReportJson report = Manifest.loadValidationReport(reportFile.toString());
        List<SuppressedViolationJson> suppressed = new ArrayList<>();
        for (PluginReportJson plugin : report.getPluginReports()) {
            List<String> violations = new ArrayList<>();
            for (PolicyViolationJson v : plugin.getViolations()) {
                violations.add(v.getRuleName() + ": " + v.getDescription());
            }
            check(violations.isEmpty(), "validation plugin " + plugin.getPluginName() + ": unacknowledged findings " + violations);
            check("success".equals(plugin.getConclusion()),
                    "validation plugin " + plugin.getPluginName() + ": expected conclusion success, got " + plugin.getConclusion());
            if (plugin.getSuppressedViolations() != null) {
                suppressed.addAll(plugin.getSuppressedViolations());
            }
        }
        // Each lake stack's W7001 is suppressed: aws-cdk-lib 2.275 reports one suppressed finding per
        // stack; 2.263 (the Java example's) merges identical findings into one, with every such
        // stack among its violating constructs and the acknowledgement of one of them.
        List<List<String>> shown = new ArrayList<>();
        List<String> stacks = new ArrayList<>();
        for (SuppressedViolationJson finding : suppressed) {
            String at = finding.getAcknowledgedAt();
            List<String> paths = new ArrayList<>();
            for (ViolatingConstructJson c : finding.getViolatingConstructs()) {
                paths.add(c.getConstructPath());
            }
            shown.add(List.of(String.valueOf(finding.getAcknowledgedId()), String.valueOf(at), String.valueOf(paths)));
            check(LIBRARY_ACKNOWLEDGED_ID.equals(finding.getAcknowledgedId()) && paths.contains(at),
                    "validation report: expected only " + LIBRARY_ACKNOWLEDGED_ID + " acknowledged on the stacks it is about, got " + shown);
            check(LIBRARY_ACKNOWLEDGED_RULE.equals(finding.getRuleName()),
                    "validation report (" + at + "): expected the rule " + LIBRARY_ACKNOWLEDGED_RULE + ", got " + finding.getRuleName());
            check(finding.getDescription() != null && finding.getDescription().startsWith(LIBRARY_ACKNOWLEDGED_MAPPING),
                    "validation report (" + at + "): expected the finding to be about " + LIBRARY_ACKNOWLEDGED_MAPPING + ", got " + finding.getDescription());
            check(finding.getReason() != null && finding.getReason().startsWith(LIBRARY_ACKNOWLEDGED_REASON_START),
                    "validation report (" + at + "): expected the library's reason starting '" + LIBRARY_ACKNOWLEDGED_REASON_START + "', got "
                            + finding.getReason());
            stacks.addAll(paths);
        }
        stacks.sort(null);
        List<String> expected = new ArrayList<>(LIBRARY_ACKNOWLEDGED_AT);
        expected.sort(null);
        check(stacks.equals(expected),
                "validation report: expected " + LIBRARY_ACKNOWLEDGED_ID + " suppressed once on each of " + expected + " and nothing else, got " + shown);
        return LIBRARY_ACKNOWLEDGED_ID + " acknowledged by the library at " + String.join(", ", LIBRARY_ACKNOWLEDGED_AT) + ", nothing else";
    }

    /** A policy statement's actions as a list. */
    static List<String> actionsOf(final Map<String, Object> statement) {
        Object action = statement.getOrDefault("Action", List.of());
        List<String> actions = new ArrayList<>();
        if (action instanceof String a) {
            actions.add(a);
        } else {
            for (Object a : list(action)) {
                actions.add(String.valueOf(a));
            }
        }
        return actions;
    }

    /** What the AWS::IAM::Policy resources attached to a role allow: action to resources (in canonical form). */
    static Map<String, List<String>> granted(final Template template, final String roleId) {
        Map<String, List<String>> grants = new TreeMap<>();
        for (Map<String, Object> policy : template.findResources("AWS::IAM::Policy").values()) {
            Map<String, Object> policyProps = map(policy.get("Properties"));
            if (list(policyProps.getOrDefault("Roles", List.of())).contains(Map.of("Ref", roleId))) {
                for (Object item : list(map(policyProps.get("PolicyDocument")).get("Statement"))) {
                    Map<String, Object> statement = map(item);
                    check("Allow".equals(statement.get("Effect")), "role " + roleId + ": unexpected statement " + statement);
                    Object resource = statement.get("Resource");
                    List<Object> resources = resource instanceof List<?> ? list(resource) : List.of(resource);
                    for (String action : actionsOf(statement)) {
                        for (Object r : resources) {
                            grants.computeIfAbsent(action, a -> new ArrayList<>()).add(String.valueOf(canonical(r)));
                        }
                    }
                }
            }
        }
        return grants;
    }

    /**
     * A template value in a form that compares by content: maps sorted by key, and numbers as
     * doubles (jsii numbers arrive as any {@link Number} subclass).
     */
    static Object canonical(final Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sorted.put(String.valueOf(e.getKey()), canonical(e.getValue()));
            }
            return sorted;
        }
        if (value instanceof List<?> l) {
            List<Object> items = new ArrayList<>();
            for (Object item : l) {
                items.add(canonical(item));
            }
            return items;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        return value;
    }

    /** The logical ID a token (e.g. a bucket name, a function ARN) resolves to a Ref or Fn::GetAtt of. */
    static String resourceId(final Stack stack, final Object token) {
        Object resolved = stack.resolve(token);
        check(resolved instanceof Map<?, ?> m && m.size() == 1, "expected a Ref or Fn::GetAtt, got " + resolved);
        Map<?, ?> ref = (Map<?, ?>) resolved;
        if (ref.get("Ref") instanceof String id) {
            return id;
        }
        check(ref.get("Fn::GetAtt") instanceof List<?> getAtt && getAtt.size() == 2 && getAtt.get(0) instanceof String,
                "expected a Ref or Fn::GetAtt, got " + resolved);
        return (String) ((List<?>) ref.get("Fn::GetAtt")).get(0);
    }

    /** The parts of an Fn::Join with the empty delimiter, or the value itself as one part. */
    static List<Object> joinParts(final Object value) {
        if (value instanceof Map<?, ?> m && m.containsKey("Fn::Join")) {
            List<Object> join = list(m.get("Fn::Join"));
            check(join.size() == 2 && "".equals(join.get(0)), "expected Fn::Join with the empty delimiter, got " + value);
            return list(join.get(1));
        }
        return List.of(value);
    }

    /** The resources of one type keyed by {@code key(properties)}, which must be unique. */
    static Map<Object, Map.Entry<String, Map<String, Object>>> byProperty(final Map<String, Map<String, Object>> resources, final String type,
            final String what, final Function<Map<String, Object>, Object> key) {
        Map<Object, Map.Entry<String, Map<String, Object>>> found = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> resource : resources.entrySet()) {
            Map<String, Object> properties = map(resource.getValue().get("Properties"));
            Object k = key.apply(properties);
            check(!found.containsKey(k), "two " + type + " resources with " + what + " " + k + ": " + found.get(k) + " and " + resource.getKey());
            found.put(k, Map.entry(resource.getKey(), properties));
        }
        return found;
    }

    /** The (name, type) pairs of a Glue TableInput's columns. */
    static List<List<String>> columns(final Map<String, Object> tableInput) {
        List<List<String>> columns = new ArrayList<>();
        for (Object c : list(map(tableInput.get("StorageDescriptor")).get("Columns"))) {
            columns.add(List.of(String.valueOf(map(c).get("Name")), String.valueOf(map(c).get("Type"))));
        }
        return columns;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(final Object value) {
        check(value instanceof Map<?, ?>, "expected an object in the template, got " + value);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(final Object value) {
        check(value instanceof List<?>, "expected a list in the template, got " + value);
        return (List<Object>) value;
    }

    /** True when {@code value} is a {@code Ref} or {@code Fn::GetAtt} of the resource {@code logicalId}. */
    static boolean references(final Object value, final String logicalId) {
        if (!(value instanceof Map<?, ?> map) || map.size() != 1) {
            return false;
        }
        if (logicalId.equals(map.get("Ref"))) {
            return true;
        }
        return map.get("Fn::GetAtt") instanceof List<?> getAtt && getAtt.size() == 2 && logicalId.equals(getAtt.get(0));
    }

    static Map.Entry<String, Map<String, Object>> only(final Map<String, Map<String, Object>> resources, final String type) {
        check(resources.size() == 1, "expected exactly one " + type + ", found " + resources.size() + ": " + resources.keySet());
        return resources.entrySet().iterator().next();
    }

    /** jsii numbers arrive as any {@link Number} subclass: compare their values. */
    static boolean is(final Number actual, final long expected) {
        return actual != null && actual.doubleValue() == expected;
    }

    static void check(final boolean condition, final String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
