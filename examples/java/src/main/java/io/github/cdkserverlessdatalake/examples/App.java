package io.github.cdkserverlessdatalake.examples;

import io.github.cdkserverlessdatalake.CatalogDatabase;
import io.github.cdkserverlessdatalake.Column;
import io.github.cdkserverlessdatalake.ColumnType;
import io.github.cdkserverlessdatalake.CrawledCatalog;
import io.github.cdkserverlessdatalake.CrawlerDiscoveryOptions;
import io.github.cdkserverlessdatalake.IngestEncryption;
import io.github.cdkserverlessdatalake.LakeEncryption;
import io.github.cdkserverlessdatalake.NewlineStrategy;
import io.github.cdkserverlessdatalake.NewlineTransformFirehose;
import io.github.cdkserverlessdatalake.PartitionDiscovery;
import io.github.cdkserverlessdatalake.PartitionGranularity;
import io.github.cdkserverlessdatalake.PartitionLayout;
import io.github.cdkserverlessdatalake.PartitionedParquetLake;
import io.github.cdkserverlessdatalake.RecrawlPolicy;
import io.github.cdkserverlessdatalake.ShardCalculator;
import io.github.cdkserverlessdatalake.ShardCalculatorProps;
import io.github.cdkserverlessdatalake.ShardEstimate;
import io.github.cdkserverlessdatalake.ShardLimit;
import io.github.cdkserverlessdatalake.StreamCapacity;
import io.github.cdkserverlessdatalake.StreamIngest;
import io.github.cdkserverlessdatalake.TableSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cloud_assembly_schema.FileAsset;
import software.amazon.awscdk.cloud_assembly_schema.FileAssetPackaging;
import software.amazon.awscdk.cloud_assembly_schema.FileSource;
import software.amazon.awscdk.cloud_assembly_schema.Manifest;
import software.amazon.awscdk.cloud_assembly_schema.PluginReportJson;
import software.amazon.awscdk.cloud_assembly_schema.PolicyValidationReportJson;
import software.amazon.awscdk.cloud_assembly_schema.PolicyViolationJson;
import software.amazon.awscdk.cloud_assembly_schema.SuppressedViolationJson;
import software.amazon.awscdk.cxapi.AssetManifestArtifact;
import software.amazon.awscdk.cxapi.CloudArtifact;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.Grant;
import software.amazon.awscdk.services.iam.Role;

/**
 * The whole lake from Java: synthesizes two stacks and checks their templates.
 *
 * <p>A CDK app with no environment (no AWS account or credentials needed) that
 *
 * <ul>
 *   <li>defines {@code StreamIngest} with its defaults in the stack {@code StreamIngestExample},
 *   <li>calls {@code ShardCalculator.calculate} so that a struct and an enum cross the jsii
 *       boundary,
 *   <li>defines a whole lake in the stack {@code LakeExample} with every public construct and value
 *       object: {@code StreamIngest} sized by {@code StreamCapacity.fromThroughput},
 *       {@code PartitionedParquetLake} with {@code PartitionLayout.hourly()}, a {@code TableSchema}
 *       of {@code Column}s built from {@code ColumnType} members and factories (Java calls
 *       {@code ColumnType.char} {@code doChar}: jsii-pacmak renames methods named after Java
 *       keywords), three {@code CrawledCatalog}s (partition projection,
 *       {@code PartitionDiscovery.eventDriven()}, and schema-on-read with
 *       {@code PartitionDiscovery.crawler} and {@code RecrawlPolicy.NEW_FOLDERS_ONLY}), two
 *       {@code NewlineTransformFirehose}s (Parquet with the bundled Lambda, JSON lines with
 *       {@code NewlineStrategy.appendDelimiter()}) and a role granted {@code grantRead} and
 *       {@code grantWrite}; the defaults {@code IngestEncryption}, {@code LakeEncryption},
 *       {@code CatalogDatabase} and {@code NewlineStrategy.bundledFunction()} are passed explicitly,
 *   <li>synthesizes into {@code examples/java/cdk.out} (the first argument; the pom passes it),
 *       checks the templates with {@code software.amazon.awscdk.assertions}, and checks that the
 *       bundled Lambda handlers referenced by the cloud assembly were shipped inside the jar (their
 *       asset directories exist and contain {@code index.js}).
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
    // delivery into a VPC reads it, so CloudFormation validation reports it unused (W7001).
    static final String W7001 = "CloudFormation-Validate::W7001";
    static final String W7001_REASON = "aws-cdk-lib's Firehose construct adds the awscdkawskinesisfirehoseCidrBlocks mapping for VPC "
            + "destinations; S3 delivery does not read it";
    static final String VALIDATION_REPORT_FILE = "validation-report.json";
    static final String LAMBDA_RUNTIME = "nodejs24.x";
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
        Lake lake = buildLake(app);

        CloudAssembly assembly = app.synth();
        Path templateFile = Paths.get(assembly.getStackByName(STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(templateFile), "expected the template at " + templateFile);
        Path lakeTemplateFile = Paths.get(assembly.getStackByName(LAKE_STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(lakeTemplateFile), "expected the template at " + lakeTemplateFile);

        String resources = checkTemplate(stack);
        System.out.println(STACK_NAME + ": " + resources + "; ShardCalculator " + calculator + "; template " + shown(templateFile));
        LakeTemplate lakeTemplate = checkLakeTemplate(lake);
        String assets = checkLambdaAssets(assembly, lakeTemplate.functions());
        String validation = checkValidationReport(assembly);
        System.out.println(LAKE_STACK_NAME + ": " + lakeTemplate.summary() + "; " + columnTypes + "; handlers " + assets + "; "
                + validation + "; template " + shown(lakeTemplateFile));
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
    static String checkColumnTypes() {
        record Expected(String call, ColumnType type, String inputString, boolean primitive) {}
        List<Expected> expected = List.of(
                new Expected("STRING", ColumnType.STRING, "string", true),
                new Expected("BIGINT", ColumnType.BIGINT, "bigint", true),
                new Expected("TIMESTAMP", ColumnType.TIMESTAMP, "timestamp", true),
                new Expected("decimal(12, 2)", ColumnType.decimal(12, 2), "decimal(12,2)", true),
                new Expected("varchar(64)", ColumnType.varchar(64), "varchar(64)", true),
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

    /** The LakeExample stack: every construct of the library, wired as in the README. */
    static Lake buildLake(final software.amazon.awscdk.App app) {
        Stack stack = new Stack(app, LAKE_STACK_NAME, StackProps.builder().description(LAKE_STACK_DESCRIPTION).build());

        // Sized for the same load as checkShardCalculator: 4 shards. The encryption, database and
        // newline choices spelled out below are the defaults, given so that every value object of
        // the library crosses the binding.
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
                // ColumnType.char: `char` is a Java keyword, so jsii-pacmak names the method doChar.
                Column.builder().name("country").type(ColumnType.doChar(2)).comment("ISO 3166-1 alpha-2").build(),
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

        // Parquet against the orders table, newline by the bundled Lambda (the default).
        NewlineTransformFirehose delivery = NewlineTransformFirehose.Builder.create(stack, "Delivery")
                .stream(ingest.getStream())
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("orders")
                .table(catalog.getTable())
                .newline(NewlineStrategy.bundledFunction())
                .build();
        // JSON lines (GZIP) for the crawler, newline by Firehose's built-in processor.
        NewlineTransformFirehose rawDelivery = NewlineTransformFirehose.Builder.create(stack, "RawDelivery")
                .stream(ingest.getStream())
                .bucket(lake.getBucket())
                .layout(lake.getLayout())
                .tableName("raw_events")
                .newline(NewlineStrategy.appendDelimiter())
                .build();

        Role role = Role.Builder.create(stack, "Application")
                .assumedBy(new AccountRootPrincipal())
                .description("Example application: puts records into the stream and queries the orders table")
                .build();
        Grant readGrant = catalog.grantRead(role);
        Grant writeGrant = ingest.grantWrite(role);

        Validations.of(stack).acknowledge(Acknowledgment.builder().id(W7001).reason(W7001_REASON).build());

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
        check(delivery.getConvertsToParquet() && delivery.getProcessorFunction() != null,
                "NewlineTransformFirehose 'orders': expected Parquet and the bundled processor");
        check(!rawDelivery.getConvertsToParquet() && rawDelivery.getProcessorFunction() == null,
                "NewlineTransformFirehose 'raw_events': expected JSON lines and no processor Lambda");
        check(readGrant.getSuccess() && writeGrant.getSuccess(), "grantRead / grantWrite: expected both grants to succeed");

        return new Lake(stack, ingest, lake, catalog, payments, rawEvents, delivery, rawDelivery, role);
    }

    /** The checked LakeExample template: its summary line and its Lambda functions by logical ID. */
    record LakeTemplate(String summary, Map<String, Map<String, Object>> functions) {}

    static LakeTemplate checkLakeTemplate(final Lake lake) {
        Stack stack = lake.stack();
        Template template = Template.fromStack(stack);
        String bucketId = resourceId(stack, lake.lake().getBucket().getBucketName());

        template.resourceCountIs("AWS::Kinesis::Stream", 1);
        template.hasResourceProperties("AWS::Kinesis::Stream", Map.of("ShardCount", EXPECTED_SHARDS));

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

        // Firehose: Parquet for orders through the bundled Lambda, JSON lines for raw_events.
        template.resourceCountIs("AWS::KinesisFirehose::DeliveryStream", 2);
        Map<Object, Map.Entry<String, Map<String, Object>>> streams = byProperty(
                template.findResources("AWS::KinesisFirehose::DeliveryStream"), "AWS::KinesisFirehose::DeliveryStream", "Prefix",
                p -> map(p.get("ExtendedS3DestinationConfiguration")).get("Prefix"));
        String parquetPrefix = "orders/" + HOURLY_FIREHOSE;
        String jsonPrefix = "raw_events/" + HOURLY_FIREHOSE;
        check(streams.keySet().equals(Set.of(parquetPrefix, jsonPrefix)),
                "delivery stream prefixes: expected " + parquetPrefix + " and " + jsonPrefix + ", got " + streams.keySet());
        String parquetId = streams.get(parquetPrefix).getKey();
        Map<String, Object> destination = map(streams.get(parquetPrefix).getValue().get("ExtendedS3DestinationConfiguration"));
        Map<String, Object> conversion = map(destination.getOrDefault("DataFormatConversionConfiguration", Map.of()));
        check(Boolean.TRUE.equals(conversion.get("Enabled")),
                "delivery stream " + parquetId + ": DataFormatConversionConfiguration.Enabled should be true, got " + conversion.get("Enabled"));
        Object tableRef = map(conversion.getOrDefault("SchemaConfiguration", Map.of())).get("TableName");
        check(references(tableRef, ordersId), "delivery stream " + parquetId + ": should convert against the orders table " + ordersId + ", got " + tableRef);
        List<Object> processors = list(map(destination.get("ProcessingConfiguration")).get("Processors"));
        check(processors.size() == 1 && "Lambda".equals(map(processors.get(0)).get("Type")),
                "delivery stream " + parquetId + ": expected one Lambda processor, got " + processors);
        Object lambdaArn = null;
        for (Object parameter : list(map(processors.get(0)).get("Parameters"))) {
            if ("LambdaArn".equals(map(parameter).get("ParameterName"))) {
                lambdaArn = map(parameter).get("ParameterValue");
            }
        }
        String newlineId = resourceId(stack, lake.delivery().getProcessorFunction().getFunctionArn());
        check(references(lambdaArn, newlineId),
                "delivery stream " + parquetId + ": the processor should be the bundled function " + newlineId + ", got " + lambdaArn);
        String jsonId = streams.get(jsonPrefix).getKey();
        destination = map(streams.get(jsonPrefix).getValue().get("ExtendedS3DestinationConfiguration"));
        check(!destination.containsKey("DataFormatConversionConfiguration"), "delivery stream " + jsonId + ": JSON lines should not be converted");
        check("GZIP".equals(destination.get("CompressionFormat")),
                "delivery stream " + jsonId + ": expected GZIP, got " + destination.get("CompressionFormat"));
        processors = list(map(destination.get("ProcessingConfiguration")).get("Processors"));
        check(processors.size() == 1 && "AppendDelimiterToRecord".equals(map(processors.get(0)).get("Type")),
                "delivery stream " + jsonId + ": expected AppendDelimiterToRecord only, got " + processors);

        // Lambda: the bundled newline function and the partition registration function, nothing else.
        template.resourceCountIs("AWS::Lambda::Function", 2);
        Map<String, Map<String, Object>> functions = template.findResources("AWS::Lambda::Function");
        String registrationId = resourceId(stack, lake.payments().getRegistrationFunction().getFunctionArn());
        check(functions.keySet().equals(Set.of(newlineId, registrationId)),
                "AWS::Lambda::Function: expected " + newlineId + " and " + registrationId + ", got " + functions.keySet());
        for (Map.Entry<String, Map<String, Object>> function : functions.entrySet()) {
            Object runtime = map(function.getValue().get("Properties")).get("Runtime");
            check(LAMBDA_RUNTIME.equals(runtime), "function " + function.getKey() + ": expected runtime " + LAMBDA_RUNTIME + ", got " + runtime);
        }
        Map<String, Object> registration = map(functions.get(registrationId).get("Properties"));
        Object tableEnv = map(map(registration.get("Environment")).get("Variables")).get("TABLE_NAME");
        check("payments".equals(tableEnv), "function " + registrationId + ": expected TABLE_NAME payments, got " + tableEnv);

        // The application role: writes the stream, reads the orders table.
        String roleId = resourceId(stack, lake.role().getRoleName());
        Set<Object> actions = new HashSet<>();
        for (Map<String, Object> policy : template.findResources("AWS::IAM::Policy").values()) {
            Map<String, Object> policyProps = map(policy.get("Properties"));
            if (list(policyProps.getOrDefault("Roles", List.of())).contains(Map.of("Ref", roleId))) {
                for (Object statement : list(map(policyProps.get("PolicyDocument")).get("Statement"))) {
                    Object action = map(statement).get("Action");
                    if (action instanceof String) {
                        actions.add(action);
                    } else {
                        actions.addAll(list(action));
                    }
                }
            }
        }
        Set<String> needed = Set.of("kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kms:GenerateDataKey", "glue:GetTable",
                "glue:GetPartitions", "s3:GetObject", "s3:ListBucket", "kms:Decrypt");
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(actions);
        check(missing.isEmpty(), "role " + roleId + ": missing " + missing + " (has " + actions + ")");

        String summary = "1 AWS::Kinesis::Stream (" + EXPECTED_SHARDS + " shards), 2 AWS::Glue::Table (orders: projection, " + columns.size()
                + " columns; payments: events), 1 AWS::Glue::Crawler (raw_events), 2 AWS::KinesisFirehose::DeliveryStream (orders Parquet via "
                + newlineId + "; raw_events JSON lines), 2 AWS::Lambda::Function (" + LAMBDA_RUNTIME + "), role " + roleId + " granted read + write";
        return new LakeTemplate(summary, functions);
    }

    /** Each function's code is a directory asset of the cloud assembly holding the handler's index.js. */
    static String checkLambdaAssets(final CloudAssembly assembly, final Map<String, Map<String, Object>> functions) {
        List<CloudArtifact> manifests = assembly.getStackByName(LAKE_STACK_NAME).getDependencies().stream()
                .filter(AssetManifestArtifact::isAssetManifestArtifact)
                .toList();
        check(manifests.size() == 1, LAKE_STACK_NAME + ": expected one asset manifest, got " + manifests.size());
        // The binding hands dependencies out as CloudArtifact, without AssetManifestArtifact.getFile()
        // (and reading getManifest().getProperties(), a union of structs, fails in jsii). aws-cdk-lib
        // writes an asset manifest artifact <id> to <id>.json: load that through the typed schema API.
        Path manifestFile = Paths.get(assembly.getDirectory(), manifests.get(0).getId() + ".json");
        check(Files.isRegularFile(manifestFile), LAKE_STACK_NAME + ": expected the asset manifest at " + manifestFile);
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

    /** CDK's CloudFormation validation found nothing unacknowledged, and W7001 only on LakeExample. */
    static String checkValidationReport(final CloudAssembly assembly) {
        // Warnings of the built-in validation do not fail the synth: read its report to make sure
        // that the one warning of LakeExample is the one acknowledged, and that no other is left.
        Path reportFile = Paths.get(assembly.getDirectory(), VALIDATION_REPORT_FILE);
        check(Files.isRegularFile(reportFile), "expected CDK's validation report at " + reportFile);
        PolicyValidationReportJson report = Manifest.loadValidationReport(reportFile.toString());
        List<List<String>> suppressed = new ArrayList<>();
        for (PluginReportJson plugin : report.getPluginReports()) {
            List<String> violations = new ArrayList<>();
            for (PolicyViolationJson v : plugin.getViolations()) {
                violations.add(v.getRuleName() + ": " + v.getDescription());
            }
            check(violations.isEmpty(), "validation plugin " + plugin.getPluginName() + ": unacknowledged findings " + violations);
            if (plugin.getSuppressedViolations() != null) {
                for (SuppressedViolationJson v : plugin.getSuppressedViolations()) {
                    suppressed.add(List.of(String.valueOf(v.getAcknowledgedId()), String.valueOf(v.getAcknowledgedAt())));
                }
            }
        }
        check(List.of(List.of(W7001, LAKE_STACK_NAME)).equals(suppressed),
                "validation report: expected only " + W7001 + " acknowledged on " + LAKE_STACK_NAME + ", got " + suppressed);
        return W7001 + " acknowledged on " + LAKE_STACK_NAME;
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
