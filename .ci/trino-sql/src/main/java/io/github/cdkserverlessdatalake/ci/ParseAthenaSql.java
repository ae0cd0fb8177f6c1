package io.github.cdkserverlessdatalake.ci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trino.sql.parser.ParsingException;
import io.trino.sql.parser.SqlParser;
import io.trino.sql.tree.Node;
import io.trino.sql.tree.Parameter;
import io.trino.sql.tree.Statement;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Parses the SQL of every Athena named query ({@code AWS::Athena::NamedQuery}, property
 * {@code QueryString}) and prepared statement ({@code AWS::Athena::PreparedStatement}, property
 * {@code QueryStatement}) in the CloudFormation templates of one or more CDK cloud assemblies with
 * Trino's SQL parser: Athena engine version 3 is Trino, so this is the grammar Athena parses.
 *
 * <p>Usage: {@code ParseAthenaSql DIR...}. Every {@code *.template.json} under each directory
 * (nested assemblies included) is read. One line is printed per statement:
 * {@code <template> <logical id> <resource type> OK <statement kind>} or
 * {@code ... FAIL <message>}. A query that is not a plain string (an {@code Fn::Join}, {@code Fn::Sub}
 * or {@code Ref} object) fails: the library must emit literal SQL, which is what Athena stores and
 * what can be checked before deployment. The last line is
 * {@code trino-sql: N statements parsed, M failed}.
 *
 * <p>Exit code: 0 when at least one statement was found and none failed; 1 when one failed or
 * none was found (a check that parsed nothing must not pass); 2 on a usage error.
 *
 * <p>Only the syntax is checked: tables, columns and functions are not resolved, and Athena's Hive
 * DDL (CREATE EXTERNAL TABLE, MSCK REPAIR TABLE, ...) and UNLOAD are not Trino SQL and fail here.
 */
public final class ParseAthenaSql {
    private static final String NAMED_QUERY = "AWS::Athena::NamedQuery";
    private static final String PREPARED_STATEMENT = "AWS::Athena::PreparedStatement";
    private static final Map<String, String> SQL_PROPERTY = Map.of(
            NAMED_QUERY, "QueryString",
            PREPARED_STATEMENT, "QueryStatement");
    private static final int MAX_SHOWN = 300;

    private final ObjectMapper mapper = new ObjectMapper();
    private final SqlParser parser = new SqlParser();
    private final PrintStream out;
    private int statements;
    private int failed;

    private ParseAthenaSql(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: ParseAthenaSql CLOUD_ASSEMBLY_DIR...");
            System.exit(2);
        }
        for (String arg : args) {
            if (!Files.isDirectory(Path.of(arg))) {
                System.err.println("trino-sql: not a directory: " + arg);
                System.exit(2);
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ParseAthenaSql check = new ParseAthenaSql(out);
        for (String arg : args) {
            List<Path> templates = templatesUnder(Path.of(arg));
            if (templates.isEmpty()) {
                out.println("trino-sql: no *.template.json under " + arg);
            }
            for (Path template : templates) {
                check.checkTemplate(template);
            }
        }
        out.printf("trino-sql: %d statements parsed, %d failed%n", check.statements, check.failed);
        if (check.statements == 0) {
            out.println("trino-sql: no AWS::Athena::NamedQuery or AWS::Athena::PreparedStatement in "
                    + String.join(" ", args) + ": nothing was checked");
            System.exit(1);
        }
        System.exit(check.failed == 0 ? 0 : 1);
    }

    private static List<Path> templatesUnder(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files
                    .filter(p -> p.getFileName().toString().endsWith(".template.json"))
                    .filter(Files::isRegularFile)
                    .map(Path::normalize)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkTemplate(Path template) {
        JsonNode root;
        try {
            root = mapper.readTree(template.toFile());
        } catch (IOException e) {
            // An unreadable template hides whatever statements it holds: count it as a failure.
            statements++;
            fail(template, "-", "-", "template is not valid JSON: " + e.getMessage());
            return;
        }
        JsonNode resources = root.path("Resources");
        for (Map.Entry<String, JsonNode> resource : resources.properties()) {
            String type = resource.getValue().path("Type").asText();
            String property = SQL_PROPERTY.get(type);
            if (property == null) {
                continue;
            }
            statements++;
            String logicalId = resource.getKey();
            JsonNode sql = resource.getValue().path("Properties").path(property);
            if (sql.isMissingNode() || sql.isNull()) {
                fail(template, logicalId, type, property + " is missing");
            } else if (!sql.isTextual()) {
                fail(template, logicalId, type, property + " is not a plain string: " + compact(sql));
            } else {
                parse(template, logicalId, type, sql.textValue());
            }
        }
    }

    private void parse(Path template, String logicalId, String type, String sql) {
        Statement statement;
        try {
            statement = parser.createStatement(sql);
        } catch (ParsingException e) {
            // getMessage() is "line L:C: <what the parser expected>".
            fail(template, logicalId, type, e.getMessage());
            return;
        } catch (RuntimeException | StackOverflowError e) {
            fail(template, logicalId, type, "parser error: " + e);
            return;
        }
        String kind = statement.getClass().getSimpleName();
        int parameters = countParameters(statement);
        String detail = parameters == 0 ? kind : kind + " (" + parameters + " parameter" + (parameters == 1 ? "" : "s") + ")";
        out.println(template + " " + logicalId + " " + type + " OK " + detail);
    }

    private void fail(Path template, String logicalId, String type, String message) {
        failed++;
        out.println(template + " " + logicalId + " " + type + " FAIL " + oneLine(message));
    }

    /** The number of {@code ?} parameters in the statement's syntax tree. */
    private static int countParameters(Node root) {
        int count = 0;
        List<Node> pending = new ArrayList<>();
        pending.add(root);
        while (!pending.isEmpty()) {
            Node node = pending.removeLast();
            if (node instanceof Parameter) {
                count++;
            }
            pending.addAll(node.getChildren());
        }
        return count;
    }

    private String compact(JsonNode value) {
        try {
            return truncate(mapper.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            return value.getNodeType().toString();
        }
    }

    private static String oneLine(String message) {
        return truncate(String.valueOf(message).replaceAll("\\s+", " ").trim());
    }

    private static String truncate(String text) {
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "...";
    }
}
