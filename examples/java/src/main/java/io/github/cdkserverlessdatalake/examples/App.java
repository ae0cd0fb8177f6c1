package io.github.cdkserverlessdatalake.examples;

import io.github.cdkserverlessdatalake.ShardCalculator;
import io.github.cdkserverlessdatalake.ShardCalculatorProps;
import io.github.cdkserverlessdatalake.ShardEstimate;
import io.github.cdkserverlessdatalake.ShardLimit;
import io.github.cdkserverlessdatalake.StreamIngest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * StreamIngest from Java: synthesizes the stack and checks the template.
 *
 * <p>A CDK app with no environment (no AWS account or credentials needed) that
 *
 * <ul>
 *   <li>defines {@code StreamIngest} with its defaults in the stack {@code StreamIngestExample},
 *   <li>calls {@code ShardCalculator.calculate} so that a struct and an enum cross the jsii
 *       boundary,
 *   <li>synthesizes into {@code examples/java/cdk.out} (the first argument; the pom passes it) and
 *       checks the template with {@code software.amazon.awscdk.assertions}.
 * </ul>
 *
 * <p>Prints one summary line on success; throws (Maven exits non-zero) on any failed check.
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

    private App() {}

    public static void main(final String[] args) {
        Path outdir = Paths.get(args.length > 0 ? args[0] : "cdk.out").toAbsolutePath().normalize();

        // Like the TypeScript example: findings of CDK's built-in CloudFormation validation fail
        // the synth instead of being reported as warnings.
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

        CloudAssembly assembly = app.synth();
        Path templateFile = Paths.get(assembly.getStackByName(STACK_NAME).getTemplateFullPath());
        check(Files.isRegularFile(templateFile), "expected the template at " + templateFile);

        String resources = checkTemplate(stack);
        Path shown = Paths.get("").toAbsolutePath().relativize(templateFile.toAbsolutePath());
        System.out.println(STACK_NAME + ": " + resources + "; ShardCalculator " + calculator + "; template " + shown);
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
