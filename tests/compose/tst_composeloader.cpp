#include <core/compose/composeloader.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Shoal::Core;

using StringMap = QMap<QString, QString>;

namespace {

ComposeLoadResult loadDir(const QString &dir, const StringMap &environment = {},
                          const QStringList &files = {}, const QStringList &profiles = {})
{
    ComposeLoadOptions options;
    options.workingDir = dir;
    options.files = files;
    options.environment = environment;
    options.profiles = profiles;
    return ComposeLoader::load(options);
}

ComposeLoadResult loadText(const QByteArray &text, const StringMap &environment = {})
{
    return ComposeLoader::loadFromString(text,
                                         QDir::temp().filePath(QStringLiteral("compose.yaml")),
                                         environment, QStringLiteral("inline"));
}

PortMapping port(const QString &hostIp, int published, int publishedEnd, int target, int targetEnd,
                 const QString &protocol = QStringLiteral("tcp"))
{
    PortMapping mapping;
    mapping.hostIp = hostIp;
    mapping.published = published;
    mapping.publishedEnd = publishedEnd;
    mapping.target = target;
    mapping.targetEnd = targetEnd;
    mapping.protocol = protocol;
    return mapping;
}

} // namespace

class TestComposeLoader : public QObject
{
    Q_OBJECT

private slots:
    void testUnsupportedKeysAreNamed();
    void testLoadsTheStackExample();
    void testInterpolatesFromShellAndDotEnv_data();
    void testInterpolatesFromShellAndDotEnv();
    void testInterpolationErrorsNameTheField_data();
    void testInterpolationErrorsNameTheField();
    void testParsesPortsInEverySyntax();
    void testRejectsBadPorts_data();
    void testRejectsBadPorts();
    void testMergesEnvFileBelowEnvironment();
    void testMapsHealthcheckForms_data();
    void testMapsHealthcheckForms();
    void testResolvesExtendsAcrossFiles();
    void testRejectsCircularExtends();
    void testAppliesMergeKeys();
    void testLoadsOverrideFileBesideDefault();
    void testMergesFilesGivenWithF();
    void testFiltersProfiles_data();
    void testFiltersProfiles();
    void testChoosesProjectName_data();
    void testChoosesProjectName();
    void testReadsVolumesAndSmallFields();
    void testErrorsNameFileLineAndPath_data();
    void testErrorsNameFileLineAndPath();
    void testWarnsAboutUnknownKeys();
    void testScaleAndReplicasConflictWarns();
    void testReadsShoalWeightsByReplicaNumber();
    void testWeightsWithoutWeightedBalanceWarn();
    void testJsonMatchesExpectedFile();
    void testYamlOutputLoadsBackToTheSameProject();
    void testSurvivesHostileInput_data();
    void testSurvivesHostileInput();
    void testReadsCpuLimits_data();
    void testReadsCpuLimits();
    void testRejectsConflictingCpuLimits();
};

void TestComposeLoader::testLoadsTheStackExample()
{
    const QString dir = QFINDTESTDATA("data/stack-example");

    const ComposeLoadResult result = loadDir(dir);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const ServiceSpec *web = result.project->service(QStringLiteral("web"));
    QVERIFY(web);
    QVERIFY(web->build.has_value());
    QCOMPARE(web->build->context, QDir(dir).absolutePath());
    QCOMPARE(web->ports, QList<PortMapping>{port({}, 8080, 8080, 3000, 3000)});
    QCOMPARE(web->replicas, 2);
    QCOMPARE(web->environment, (StringMap{{"NODE_ENV", "production"}, {"GREETING", "hello"}}));
    QCOMPARE(result.project->name, QStringLiteral("stack-example"));
    QCOMPARE(web->imageName(result.project->name), QStringLiteral("stack-example-web"));
    QVERIFY(result.warnings.isEmpty());
}

void TestComposeLoader::testInterpolatesFromShellAndDotEnv_data()
{
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("expected");

    QTest::newRow("colon dash when unset") << "UNSET_COLON_DASH"
                                           << "spare";
    QTest::newRow("colon dash when empty") << "BLANK_COLON_DASH"
                                           << "spare";
    QTest::newRow("dash when empty keeps empty") << "BLANK_DASH"
                                                 << "";
    QTest::newRow("escaped dollar before name") << "ESCAPED_NAME"
                                                << "$PATH/cache";
    QTest::newRow("escaped dollar before braces") << "ESCAPED_BRACES"
                                                  << "${KEEP_ME}";
    QTest::newRow("bare name stops at dash") << "BARE_NAME_STOPS"
                                             << "operator-tail";
    QTest::newRow("nested default") << "NESTED_DEFAULT"
                                    << "operator";
    QTest::newRow("colon plus when set") << "SET_COLON_PLUS"
                                         << "present";
    QTest::newRow("plus when unset") << "UNSET_PLUS"
                                     << "";
    QTest::newRow("default holding an operator") << "DEFAULT_WITH_OPERATOR"
                                                 << "/x:-y";
    QTest::newRow("single quotes still interpolate") << "SINGLE_QUOTED"
                                                     << "operator";
    QTest::newRow("question mark on empty") << "BLANK_QUESTION"
                                            << "";
}

void TestComposeLoader::testInterpolatesFromShellAndDotEnv()
{
    QFETCH(QString, variable);
    QFETCH(QString, expected);
    // Given a shell with VERSION, an empty BLANK and APP_USER, and a .env with VERSION too
    const StringMap shell{{"VERSION", "3.1"}, {"BLANK", ""}, {"APP_USER", "operator"}};

    const ComposeLoadResult result = loadDir(QFINDTESTDATA("data/interpolation"), shell);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const ServiceSpec *api = result.project->service(QStringLiteral("api"));
    // The shell's VERSION beats the .env one; MIRROR only exists in .env.
    QCOMPARE(api->image, QStringLiteral("mirror.internal:5443/acme/api:3.1"));
    QCOMPARE(api->environment.size(), 12);
    QVERIFY(api->environment.contains(variable));
    QCOMPARE(api->environment.value(variable), expected);
}

void TestComposeLoader::testInterpolationErrorsNameTheField_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("required variable") << "missing-required.yaml"
                                       << "missing-required.yaml:5: services.store.environment."
                                          "SECRET: required variable STORE_SECRET is missing a "
                                          "value: STORE_SECRET has to be provided";
    QTest::newRow("lone dollar") << "lone-dollar.yaml"
                                 << "lone-dollar.yaml:5: services.shop.environment.TOTAL: invalid "
                                    "interpolation format in \"sums up to 12$\": you may need to "
                                    "escape any $ with another $";
    QTest::newRow("space inside braces") << "spaced-template.yaml"
                                         << "spaced-template.yaml:3: services.shop.image: invalid "
                                            "template: \"nginx:${ VERSION}\"";
}

void TestComposeLoader::testInterpolationErrorsNameTheField()
{
    QFETCH(QString, file);
    QFETCH(QString, expectedError);

    const ComposeLoadResult result =
        loadDir(QFINDTESTDATA("data/interpolation"), {}, QStringList{file});

    QVERIFY(!result.ok());
    QCOMPARE(result.error, expectedError);
}

void TestComposeLoader::testParsesPortsInEverySyntax()
{
    const ComposeLoadResult result = loadDir(QFINDTESTDATA("data/ports"));

    QVERIFY2(result.ok(), qPrintable(result.error));
    const QList<PortMapping> expected = {
        port({}, 0, 0, 4000, 4000),
        port({}, 0, 0, 4000, 4002),
        port({}, 7000, 7000, 7000, 7000),
        port({}, 7100, 7101, 5100, 5101),
        port({}, 2022, 2022, 22, 22),
        port({}, 6000, 6500, 81, 81),
        port("127.0.0.1", 7001, 7001, 7001, 7001),
        port("127.0.0.1", 0, 0, 5500, 5500),
        port("::1", 6100, 6100, 6100, 6100),
        port({}, 6200, 6200, 6200, 6200, "udp"),
        port({}, 9443, 9443, 443, 443),
        port("127.0.0.1", 9444, 9444, 443, 443),
        port("127.0.0.1", 19100, 19100, 9100, 9100),
        port({}, 0, 0, 8125, 8125),
        port({}, 19200, 19200, 9200, 9200),
    };
    const QList<PortMapping> actual = result.project->service(QStringLiteral("gateway"))->ports;
    QCOMPARE(actual.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i) {
        QVERIFY2(actual.at(i) == expected.at(i), qPrintable(QStringLiteral("entry %1").arg(i)));
    }
}

void TestComposeLoader::testRejectsBadPorts_data()
{
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("range lengths differ")
        << QByteArray("services: { web: { image: nginx, ports: [\"9090-9092:8080-8081\"] } }")
        << "compose.yaml:1: services.web.ports[0]: invalid port \"9090-9092:8080-8081\": port "
           "ranges \"9090-9092\" and \"8080-8081\" differ in length";
    QTest::newRow("target range in long syntax")
        << QByteArray("services: { web: { image: nginx, ports: [ { target: \"20-21\", "
                      "published: \"20-21\" } ] } }")
        << "compose.yaml:1: services.web.ports[0]: target must be a single port";
    QTest::newRow("bad host ip in long syntax")
        << QByteArray("services: { web: { image: nginx, ports: [ { host_ip: notavalidip, "
                      "target: 1234, published: \"1234\" } ] } }")
        << "compose.yaml:1: services.web.ports[0]: invalid host IP \"notavalidip\"";
    QTest::newRow("cidr as host")
        << QByteArray("services: { web: { image: nginx, ports: [\"10.10.10.0/24:2:2\"] } }")
        << "compose.yaml:1: services.web.ports[0]: invalid port \"10.10.10.0/24:2:2\"";
    QTest::newRow("port out of range")
        << QByteArray("services: { web: { image: nginx, ports: [\"70000:80\"] } }")
        << "compose.yaml:1: services.web.ports[0]: invalid port \"70000:80\": port 70000 out "
           "of range";
    QTest::newRow("descending range on its own line")
        << QByteArray("services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n"
                      "      - \"90-80\"\n")
        << "compose.yaml:6: services.web.ports[1]: invalid port range \"90-80\"";
}

void TestComposeLoader::testRejectsBadPorts()
{
    QFETCH(QByteArray, yaml);
    QFETCH(QString, expectedError);

    const ComposeLoadResult result = loadText(yaml);

    QVERIFY(!result.ok());
    QVERIFY2(result.error.startsWith(expectedError), qPrintable(result.error));
}

void TestComposeLoader::testMergesEnvFileBelowEnvironment()
{
    // Given FROM_HOST and HOST_FILLED in the shell and ABSENT_FROM_HOST nowhere
    const StringMap shell{{"FROM_HOST", "hi"}, {"HOST_FILLED", "world"}};

    const ComposeLoadResult result = loadDir(QFINDTESTDATA("data/environment"), shell);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const StringMap listed{{"SHIPPED", "yes"},
                           {"COMMON", "a value with spaces"},
                           {"SETTINGS_ONLY", "just-here"},
                           {"TRAILING", "value"},
                           {"POUND", "x#y"},
                           {"ESCAPES", "first\nsecond"},
                           {"LITERAL", "$NO_EXPANSION"},
                           {"DERIVED", "just-here-derived"},
                           {"QUOTED_POUND", "p # q"},
                           {"WRAPPED", "\"stays wrapped\""},
                           {"BLANK", ""},
                           {"FROM_HOST", "hi"},
                           {"EQUALS", "k=v=w"}};
    QCOMPARE(result.project->service(QStringLiteral("listed"))->environment, listed);
    const StringMap mapped{{"WRAPPED", "unwrapped"},
                           {"BLANK_STRING", ""},
                           {"HOST_FILLED", "world"},
                           {"TOGGLE", "true"}};
    QCOMPARE(result.project->service(QStringLiteral("mapped"))->environment, mapped);
}

void TestComposeLoader::testMapsHealthcheckForms_data()
{
    QTest::addColumn<QString>("service");
    QTest::addColumn<QStringList>("test");
    QTest::addColumn<qint64>("intervalMs");
    QTest::addColumn<qint64>("timeoutMs");
    QTest::addColumn<qint64>("startPeriodMs");
    QTest::addColumn<int>("retries");
    QTest::addColumn<bool>("disabled");

    QTest::newRow("string becomes CMD-SHELL")
        << "shell-string" << QStringList{"CMD-SHELL", "wget -qO- http://localhost/ping || exit 1"}
        << qint64(135'000) << qint64(7'000) << qint64(25'000) << 4 << false;
    QTest::newRow("exec list kept")
        << "exec-list" << QStringList{"CMD", "curl", "-fs", "http://localhost:9000/ready"}
        << qint64(45'000) << qint64(0) << qint64(0) << 0 << false;
    QTest::newRow("escaped dollar reaches the shell once")
        << "shell-list"
        << QStringList{"CMD-SHELL", "mysqladmin ping --password=\"$(cat /run/secrets/pw)\""}
        << qint64(15'000) << qint64(3'000) << qint64(20'000) << 5 << false;
    QTest::newRow("disable flag") << "disabled-flag" << QStringList{"NONE"} << qint64(0)
                                  << qint64(0) << qint64(0) << 0 << true;
    QTest::newRow("NONE test") << "none-test" << QStringList{"NONE"} << qint64(0) << qint64(0)
                               << qint64(0) << 0 << true;
    QTest::newRow("timing only inherits the test")
        << "timing-only" << QStringList{} << qint64(3'000) << qint64(0) << qint64(0) << 0 << false;
    QTest::newRow("split CMD-SHELL passed through")
        << "split-shell"
        << QStringList{"CMD-SHELL", "curl -fs http://localhost/ready", "|", "grep", "OK"}
        << qint64(500) << qint64(0) << qint64(0) << 0 << false;
}

void TestComposeLoader::testMapsHealthcheckForms()
{
    QFETCH(QString, service);
    QFETCH(QStringList, test);
    QFETCH(qint64, intervalMs);
    QFETCH(qint64, timeoutMs);
    QFETCH(qint64, startPeriodMs);
    QFETCH(int, retries);
    QFETCH(bool, disabled);

    const ComposeLoadResult result = loadDir(QFINDTESTDATA("data/healthcheck"));

    QVERIFY2(result.ok(), qPrintable(result.error));
    const ServiceSpec *spec = result.project->service(service);
    QVERIFY(spec && spec->healthcheck);
    QCOMPARE(spec->healthcheck->test, test);
    QCOMPARE(spec->healthcheck->intervalMs, intervalMs);
    QCOMPARE(spec->healthcheck->timeoutMs, timeoutMs);
    QCOMPARE(spec->healthcheck->startPeriodMs, startPeriodMs);
    QCOMPARE(spec->healthcheck->retries, retries);
    QCOMPARE(spec->healthcheck->disabled, disabled);
    const bool warned =
        std::any_of(result.warnings.cbegin(), result.warnings.cend(), [](const QString &warning) {
            return warning.contains(QStringLiteral("split-shell"));
        });
    QVERIFY2(warned, "a CMD-SHELL list with extra strings should be warned about");
}

void TestComposeLoader::testResolvesExtendsAcrossFiles()
{
    const QString dir = QFINDTESTDATA("data/extends");

    const ComposeLoadResult result = loadDir(dir);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const QDir shared(QDir(dir).filePath(QStringLiteral("shared")));
    const StringMap environment{{"TEMPLATE_ONLY", "1"}, {"VERBOSITY", "trace"}, {"ZONE", "north"}};
    const QList<PortMapping> ports{port({}, 7070, 7070, 70, 70), port({}, 7171, 7171, 71, 71)};
    const ServiceSpec *api = result.project->service(QStringLiteral("api"));
    QVERIFY(api && api->build);
    QCOMPARE(api->build->context, shared.absoluteFilePath(QStringLiteral("api")));
    QCOMPARE(api->environment, environment);
    QCOMPARE(api->ports, ports);
    QCOMPARE(api->command, std::optional<QStringList>(QStringList{"run", "--watch"}));
    QCOMPARE(api->labels, (StringMap{{"layer", "backend"}}));
    QCOMPARE(api->dependsOn.size(), 1);
    QCOMPARE(api->dependsOn.first().service, QStringLiteral("cache"));

    const ServiceSpec *jobs = result.project->service(QStringLiteral("jobs"));
    QVERIFY(jobs && jobs->build);
    QCOMPARE(jobs->build->context, api->build->context);
    QCOMPARE(jobs->environment, environment);
    QCOMPARE(jobs->ports, ports);
    QCOMPARE(jobs->command, std::optional<QStringList>(QStringList{"consume"}));
    QVERIFY2(jobs->dependsOn.isEmpty(), "depends_on is never inherited through extends");

    QVERIFY(!result.project->service(QStringLiteral("template")));
    QCOMPARE(result.project->services.size(), 3);
    // jobs inherits both of api's host ports, so it cannot start next to api.
    QCOMPARE(result.warnings,
             (QStringList{"shared/base.yaml:8: services.jobs.ports: host port 7070/tcp is also "
                          "published by service api",
                          "shared/base.yaml:8: services.jobs.ports: host port 7171/tcp is also "
                          "published by service api"}));
}

void TestComposeLoader::testRejectsCircularExtends()
{
    const ComposeLoadResult result =
        loadDir(QFINDTESTDATA("data/extends"), {}, {QStringLiteral("cycle.yaml")});

    QVERIFY(!result.ok());
    QVERIFY2(result.error.startsWith(QStringLiteral("cycle.yaml:")), qPrintable(result.error));
    QVERIFY2(result.error.contains(QStringLiteral("circular extends: first -> second -> third -> "
                                                  "first")),
             qPrintable(result.error));
}

void TestComposeLoader::testAppliesMergeKeys()
{
    const ComposeLoadResult result = loadDir(QFINDTESTDATA("data/merge-keys"));

    QVERIFY2(result.ok(), qPrintable(result.error));
    const ServiceSpec *plain = result.project->service(QStringLiteral("plain"));
    QCOMPARE(plain->image, QStringLiteral("acme/base:1"));
    QCOMPARE(plain->restart, QStringLiteral("always"));
    QCOMPARE(plain->environment, (StringMap{{"LEVEL", "debug"}, {"REGION", "west"}}));

    // In a list of merged mappings the earlier one wins; an explicit key beats them all.
    const ServiceSpec *listed = result.project->service(QStringLiteral("listed"));
    QCOMPARE(listed->image, QStringLiteral("acme/listed:2"));
    QCOMPARE(listed->restart, QStringLiteral("on-failure"));
    QCOMPARE(listed->user, QStringLiteral("1000"));
    QCOMPARE(listed->workingDir, QStringLiteral("/srv"));
    QCOMPARE(listed->environment.value(QStringLiteral("REGION")), QStringLiteral("west"));

    const ServiceSpec *quoted = result.project->service(QStringLiteral("quoted-key"));
    QCOMPARE(quoted->labels, (StringMap{{"<<", "literal"}}));

    QVERIFY(result.project->extensions.contains(QStringLiteral("x-common")));
    QVERIFY(result.warnings.isEmpty());
}

void TestComposeLoader::testLoadsOverrideFileBesideDefault()
{
    const QString dir = QFINDTESTDATA("data/override");

    const ComposeLoadResult result = loadDir(dir);

    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.project->configFiles.size(), 2);
    QCOMPARE(result.project->name, QStringLiteral("override_demo"));
    const ServiceSpec *web = result.project->service(QStringLiteral("web"));
    QCOMPARE(web->image, QStringLiteral("nginx:1.27"));
    QCOMPARE(web->command,
             std::optional<QStringList>(QStringList{"nginx-debug", "-g", "daemon off;"}));
    QCOMPARE(web->ports,
             (QList<PortMapping>{port({}, 8080, 8080, 80, 80), port({}, 8443, 8443, 443, 443)}));
    QCOMPARE(web->environment, (StringMap{{"MODE", "dev"}, {"KEEP", "kept"}, {"EXTRA", "1"}}));
    QCOMPARE(web->labels, (StringMap{{"team", "web"}, {"owner", "alice"}}));
    QVERIFY(result.project->service(QStringLiteral("tools")));
}

void TestComposeLoader::testMergesFilesGivenWithF()
{
    const QString dir = QFINDTESTDATA("data/multi-file");

    const ComposeLoadResult result =
        loadDir(dir, {}, {QStringLiteral("base.yaml"), QStringLiteral("prod.yaml")});

    QVERIFY2(result.ok(), qPrintable(result.error));
    const ServiceSpec *api = result.project->service(QStringLiteral("api"));
    QCOMPARE(api->image, QStringLiteral("acme/api:2"));
    QCOMPARE(api->entrypoint, std::optional<QStringList>(QStringList{"/bin/start"}));
    QCOMPARE(api->expose, (QStringList{"9000", "9001"}));
    QCOMPARE(api->replicas, 3);
    // Volumes merge by mount path; relative paths are relative to the first file's folder.
    QCOMPARE(api->volumes, (QStringList{QDir(dir).absoluteFilePath(QStringLiteral("prod-data")) +
                                            QStringLiteral(":/var/lib/api:ro"),
                                        QStringLiteral("cache:/cache")}));
    QCOMPARE(api->healthcheck->test, (QStringList{"CMD", "check"}));
    QCOMPARE(api->healthcheck->intervalMs, qint64(10'000));
    QCOMPARE(api->dependsOn.size(), 1);
    QCOMPARE(api->dependsOn.first().condition, QStringLiteral("service_healthy"));
}

void TestComposeLoader::testFiltersProfiles_data()
{
    QTest::addColumn<QStringList>("profiles");
    QTest::addColumn<QString>("composeProfiles");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("none active") << QStringList{} << QString() << QStringList{"app"};
    QTest::newRow("option") << QStringList{"debug"} << QString() << QStringList{"app", "debugger"};
    QTest::newRow("environment, one of two profiles")
        << QStringList{} << "monitoring" << QStringList{"app", "metrics"};
    QTest::newRow("both sources") << QStringList{"debug"} << "ops, other"
                                  << QStringList{"app", "debugger", "metrics"};
    QTest::newRow("wildcard") << QStringList{"*"} << QString()
                              << QStringList{"app", "debugger", "metrics"};
}

void TestComposeLoader::testFiltersProfiles()
{
    QFETCH(QStringList, profiles);
    QFETCH(QString, composeProfiles);
    QFETCH(QStringList, expected);
    StringMap environment;
    if (!composeProfiles.isEmpty()) {
        environment.insert(QStringLiteral("COMPOSE_PROFILES"), composeProfiles);
    }

    const ComposeLoadResult result =
        loadDir(QFINDTESTDATA("data/profiles"), environment, {}, profiles);

    QVERIFY2(result.ok(), qPrintable(result.error));
    QStringList names;
    for (const ServiceSpec &spec : result.project->services) {
        names.append(spec.name);
    }
    QCOMPARE(names, expected);
}

void TestComposeLoader::testChoosesProjectName_data()
{
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("environment");
    QTest::addColumn<QString>("expected");

    const QByteArray named("name: From_File\nservices: {a: {image: x}}\n");
    const QByteArray unnamed("services: {a: {image: x}}\n");
    QTest::newRow("option wins") << named << "Cli.Name"
                                 << "env"
                                 << "cliname";
    QTest::newRow("environment beats name") << named << QString() << "From-Env"
                                            << "from-env";
    QTest::newRow("name key") << named << QString() << QString() << "from_file";
    QTest::newRow("folder name") << unnamed << QString() << QString() << "myproject-1";
    QTest::newRow("leading symbols dropped")
        << QByteArray("name: __-Odd Name\nservices: {}\n") << QString() << QString() << "oddname";
}

void TestComposeLoader::testChoosesProjectName()
{
    QFETCH(QByteArray, yaml);
    QFETCH(QString, option);
    QFETCH(QString, environment);
    QFETCH(QString, expected);
    StringMap env;
    if (!environment.isEmpty()) {
        env.insert(QStringLiteral("COMPOSE_PROJECT_NAME"), environment);
    }
    const QString file = QDir::temp().filePath(QStringLiteral("My Project-1/compose.yaml"));

    const ComposeLoadResult result = ComposeLoader::loadFromString(yaml, file, env, option);

    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.project->name, expected);
}

void TestComposeLoader::testReadsVolumesAndSmallFields()
{
    const QString dir = QFINDTESTDATA("data/volumes");

    const ComposeLoadResult result = loadDir(dir);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const ServiceSpec *files = result.project->service(QStringLiteral("files"));
    const QDir base(dir);
    QCOMPARE(
        files->volumes,
        (QStringList{base.absoluteFilePath("content") + ":/srv/content",
                     base.absoluteFilePath("config") + ":/etc/app:ro", "shared:/shared", "/var/log",
                     base.absoluteFilePath("more") + ":/more:ro", "shared:/again"}));
    QCOMPARE(files->stopGracePeriodMs, qint64(90'000));
    QCOMPARE(files->stopSignal, QStringLiteral("SIGINT"));
    QCOMPARE(files->workingDir, QStringLiteral("/srv"));
    QCOMPARE(files->user, QStringLiteral("1000:1000"));
    QCOMPARE(files->shoal.balance, QStringLiteral("least-connections"));
    QCOMPARE(files->shoal.mode, QStringLiteral("tcp"));
    QCOMPARE(files->shoal.healthPath, QStringLiteral("/healthz"));
    QCOMPARE(result.project->volumes.size(), 1);
    QCOMPARE(result.project->volumes.first().driver, QStringLiteral("local"));
    QCOMPARE(result.project->volumes.first().labels.value(QStringLiteral("purpose")),
             QStringLiteral("demo"));
    QVERIFY(result.warnings.isEmpty());
}

void TestComposeLoader::testErrorsNameFileLineAndPath_data()
{
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("yaml syntax") << QByteArray("services:\n  web:\n    image: [unclosed\n")
                                 << "compose.yaml:4:1: ";
    QTest::newRow("duplicate key")
        << QByteArray("services:\n  web:\n    image: a\n    image: b\n")
        << "compose.yaml:4:5: mapping key \"image\" already defined at line 3";
    QTest::newRow("services not a mapping")
        << QByteArray("services: [a, b]\n") << "compose.yaml:1: services: must be a mapping";
    QTest::newRow("ports not a list")
        << QByteArray("services:\n  web:\n    image: a\n    ports: 80\n")
        << "compose.yaml:4: services.web.ports: must be a list, not a string";
    QTest::newRow("replicas not a number")
        << QByteArray("services:\n  web:\n    image: a\n    deploy:\n      replicas: two\n")
        << "compose.yaml:5: services.web.deploy.replicas: must be an integer, not \"two\"";
    QTest::newRow("container name with replicas")
        << QByteArray("services:\n  web:\n    image: a\n    container_name: one\n"
                      "    deploy: {replicas: 2}\n")
        << "compose.yaml:4: services.web.container_name: can't set container_name and run 2 "
           "replicas";
    QTest::newRow("restart policy")
        << QByteArray("services:\n  web:\n    image: a\n    restart: sometimes\n")
        << "compose.yaml:4: services.web.restart: invalid restart policy \"sometimes\"";
    QTest::newRow("duration without unit")
        << QByteArray("services:\n  web:\n    image: a\n    healthcheck:\n      interval: 30\n")
        << "compose.yaml:5: services.web.healthcheck.interval: invalid duration \"30\"";
    QTest::newRow("healthcheck test kind")
        << QByteArray("services:\n  web:\n    image: a\n    healthcheck:\n      test: [curl, x]\n")
        << "compose.yaml:5: services.web.healthcheck.test: must start with CMD, CMD-SHELL or NONE";
    QTest::newRow("undefined network")
        << QByteArray("services:\n  web:\n    image: a\n    networks: [front]\n")
        << "compose.yaml:4: services.web.networks: refers to undefined network front";
    QTest::newRow("undefined volume")
        << QByteArray("services:\n  web:\n    image: a\n    volumes:\n      - data:/data\n")
        << "compose.yaml:5: services.web.volumes[0]: refers to undefined volume data";
    QTest::newRow("undefined dependency")
        << QByteArray("services:\n  web:\n    image: a\n    depends_on: [db]\n")
        << "compose.yaml:4: services.web.depends_on: depends on undefined service db";
    QTest::newRow("dependency condition")
        << QByteArray("services:\n  db: {image: b}\n  web:\n    image: a\n    depends_on:\n"
                      "      db: {condition: service_ready}\n")
        << "compose.yaml:6: services.web.depends_on.db.condition: unknown condition";
    QTest::newRow("no image nor build") << QByteArray("services:\n  web:\n    restart: always\n")
                                        << "compose.yaml:2: services.web: has neither an image";
    QTest::newRow("x-shoal balance")
        << QByteArray("services:\n  web:\n    image: a\n    x-shoal:\n      balance: random\n")
        << "compose.yaml:5: services.web.x-shoal.balance: must be round-robin, "
           "least-connections or weighted";
    QTest::newRow("x-shoal health path")
        << QByteArray("services:\n  web:\n    image: a\n    x-shoal: {health_path: healthz}\n")
        << "compose.yaml:4: services.web.x-shoal.health_path: must be a path starting with /";
    const QByteArray weighted("services:\n  web:\n    image: a\n    x-shoal:\n"
                              "      balance: weighted\n");
    QTest::newRow("x-shoal weights not a mapping")
        << weighted + "      weights: [3, 1]\n"
        << "compose.yaml:6: services.web.x-shoal.weights: must be a mapping of replica numbers "
           "to weights, not a list";
    QTest::newRow("x-shoal weights key not a number")
        << weighted + "      weights: {first: 3}\n"
        << "compose.yaml:6: services.web.x-shoal.weights.first: keys must be replica numbers "
           "(1, 2, ...), not \"first\"";
    QTest::newRow("x-shoal weights replica 0")
        << weighted + "      weights: {\"0\": 3}\n"
        << "compose.yaml:6: services.web.x-shoal.weights.0: keys must be replica numbers";
    QTest::newRow("x-shoal weight zero")
        << weighted + "      weights:\n        \"1\": 3\n        \"2\": 0\n"
        << "compose.yaml:8: services.web.x-shoal.weights.2: must be at least 1, not 0";
    QTest::newRow("x-shoal weight too large")
        << weighted + "      weights: {\"1\": 101}\n"
        << "compose.yaml:6: services.web.x-shoal.weights.1: must be at most 100, not 101";
    QTest::newRow("x-shoal weight not an integer")
        << weighted + "      weights: {\"1\": 1.5}\n"
        << "compose.yaml:6: services.web.x-shoal.weights.1: must be an integer, not \"1.5\"";
    QTest::newRow("unclosed quote in command")
        << QByteArray("services:\n  web:\n    image: a\n    command: echo \"oops\n")
        << "compose.yaml:4: services.web.command: unterminated quote";
    QTest::newRow("merge key of a scalar")
        << QByteArray("services:\n  web:\n    <<: 5\n    image: a\n")
        << "compose.yaml:3: <<: a merge key needs a mapping";
    QTest::newRow("extends unknown service")
        << QByteArray("services:\n  web:\n    extends: nowhere\n")
        << "compose.yaml:3: services.web.extends: service nowhere not found in compose.yaml";
    QTest::newRow("extends missing file")
        << QByteArray("services:\n  web:\n    extends: {file: no-such.yaml, service: x}\n")
        << "compose.yaml:3: services.web.extends.file: file no-such.yaml not found";
    QTest::newRow("env file missing")
        << QByteArray("services:\n  web:\n    image: a\n    env_file: ./no-such.env\n")
        << "compose.yaml:4: services.web.env_file: env file";
    QTest::newRow("top level list")
        << QByteArray("- a\n- b\n") << "compose.yaml:1: the top level must be a mapping";
}

void TestComposeLoader::testErrorsNameFileLineAndPath()
{
    QFETCH(QByteArray, yaml);
    QFETCH(QString, expectedError);

    const ComposeLoadResult result = loadText(yaml);

    QVERIFY(!result.ok());
    QVERIFY2(result.error.startsWith(expectedError), qPrintable(result.error));
}

void TestComposeLoader::testWarnsAboutUnknownKeys()
{
    const QByteArray yaml("version: \"3.8\"\n"
                          "services:\n"
                          "  web:\n"
                          "    image: a\n"
                          "    imgae: typo\n"
                          "    x-custom: fine\n"
                          "    healthcheck:\n"
                          "      intervall: 5s\n"
                          "colour: blue\n"
                          "x-top: kept\n");

    const ComposeLoadResult result = loadText(yaml);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const QStringList expected{"compose.yaml:1: version: obsolete, ignored",
                               "compose.yaml:9: colour: unknown key, ignored",
                               "compose.yaml:5: services.web.imgae: unknown key, ignored",
                               "compose.yaml:8: services.web.healthcheck.intervall: unknown key, "
                               "ignored"};
    QCOMPARE(result.warnings, expected);
    QCOMPARE(result.project->extensions.value(QStringLiteral("x-top")).toString(),
             QStringLiteral("kept"));
}

void TestComposeLoader::testScaleAndReplicasConflictWarns()
{
    const QByteArray yaml("services:\n  web:\n    image: a\n    scale: 4\n"
                          "    deploy:\n      replicas: 2\n  solo:\n    image: b\n    scale: 3\n");

    const ComposeLoadResult result = loadText(yaml);

    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.project->service(QStringLiteral("web"))->replicas, 2);
    QCOMPARE(result.project->service(QStringLiteral("solo"))->replicas, 3);
    QCOMPARE(result.warnings,
             QStringList{"compose.yaml:4: services.web.scale: differs from deploy.replicas (2); "
                         "using deploy.replicas"});
}

void TestComposeLoader::testReadsShoalWeightsByReplicaNumber()
{
    // Given weights for replicas 1 and 3, keys quoted or not
    const QByteArray yaml("services:\n  web:\n    image: a\n    x-shoal:\n"
                          "      balance: weighted\n      weights: {\"1\": 3, 3: 2}\n");

    const ComposeLoadResult result = loadText(yaml);

    // Then they are kept by replica number, and unlisted replicas weigh 1
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY(result.warnings.isEmpty());
    const ShoalServiceOptions &shoal = result.project->service(QStringLiteral("web"))->shoal;
    QCOMPARE(shoal.weights, (QMap<int, int>{{1, 3}, {3, 2}}));
    QCOMPARE(shoal.weightOf(1), 3);
    QCOMPARE(shoal.weightOf(2), 1);
    QCOMPARE(shoal.weightOf(3), 2);

    // And `shoal config` shows them, in a form that loads back to the same project
    const QJsonObject json = composeProjectToJson(*result.project);
    const QJsonObject xShoal =
        json.value(u"services").toObject().value(u"web").toObject().value(u"x-shoal").toObject();
    QCOMPARE(xShoal.value(u"weights").toObject(),
             (QJsonObject{{QStringLiteral("1"), 3}, {QStringLiteral("3"), 2}}));
    const ComposeLoadResult again =
        ComposeLoader::loadFromString(composeProjectToYaml(*result.project),
                                      QDir::temp().filePath(QStringLiteral("out.yaml")), {});
    QVERIFY2(again.ok(), qPrintable(again.error));
    QCOMPARE(again.project->service(QStringLiteral("web"))->shoal.weights, shoal.weights);
}

void TestComposeLoader::testWeightsWithoutWeightedBalanceWarn()
{
    const QByteArray yaml("services:\n  web:\n    image: a\n    x-shoal:\n"
                          "      weights: {\"1\": 3}\n");

    const ComposeLoadResult result = loadText(yaml);

    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.warnings,
             QStringList{"compose.yaml:5: services.web.x-shoal.weights: apply only with balance: "
                         "weighted (balance is round-robin); ignored"});
}

void TestComposeLoader::testJsonMatchesExpectedFile()
{
    const QString dir = QFINDTESTDATA("data/expected-json");
    QFile expectedFile(QDir(dir).filePath(QStringLiteral("expected.json")));
    QVERIFY(expectedFile.open(QIODevice::ReadOnly));
    const QJsonObject expected = QJsonDocument::fromJson(expectedFile.readAll()).object();

    const ComposeLoadResult result = loadDir(dir);

    QVERIFY2(result.ok(), qPrintable(result.error));
    const QJsonObject actual = composeProjectToJson(*result.project);
    QVERIFY2(actual == expected, QJsonDocument(actual).toJson(QJsonDocument::Indented).constData());
}

void TestComposeLoader::testYamlOutputLoadsBackToTheSameProject()
{
    const ComposeLoadResult first = loadDir(QFINDTESTDATA("data/expected-json"));
    QVERIFY2(first.ok(), qPrintable(first.error));

    const QByteArray yaml = composeProjectToYaml(*first.project);
    const ComposeLoadResult second = ComposeLoader::loadFromString(
        yaml, QDir(first.project->workingDir).filePath(QStringLiteral("out.yaml")), {});

    QVERIFY2(second.ok(), qPrintable(second.error + QLatin1Char('\n') + QString::fromUtf8(yaml)));
    QCOMPARE(composeProjectToJson(*second.project), composeProjectToJson(*first.project));
}

void TestComposeLoader::testSurvivesHostileInput_data()
{
    QTest::addColumn<QByteArray>("yaml");

    QByteArray laughs("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; ++i) {
        laughs += QStringLiteral("a%1: &a%1 [*a%2, *a%2, *a%2, *a%2, *a%2, *a%2, *a%2, *a%2, "
                                 "*a%2, *a%2]\n")
                      .arg(i)
                      .arg(i - 1)
                      .toUtf8();
    }
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("scalar document") << QByteArray("just text");
    QTest::newRow("binary") << QByteArray("\x00\xff\xfe{[", 5);
    QTest::newRow("alias bomb") << laughs;
    QTest::newRow("deep nesting") << QByteArray(5000, '[');
    QTest::newRow("deep mapping") << QByteArray("a: ").repeated(3000);
    QTest::newRow("service is a list") << QByteArray("services: {web: [1, 2]}");
    QTest::newRow("null service") << QByteArray("services: {web: }");
    QTest::newRow("numbers everywhere")
        << QByteArray("services: {1: {image: 2, ports: [3], environment: [4], command: 5}}");
    QTest::newRow("self merge") << QByteArray("a: &a {b: 1}\nservices: {web: {<<: [*a, *a]}}");
    QTest::newRow("key is a mapping") << QByteArray("? {a: b}\n: c\n");
    QTest::newRow("alias inside its own anchor")
        << QByteArray("x: &base\n  a: 1\n  b:\n    <<: *base\nservices: {}\n");
    QTest::newRow("self extends") << QByteArray("services: {a: {extends: a}}");
    QTest::newRow("nested variables")
        << QByteArray("services: {a: {image: \"${X:-${X:-${X:-${X:-${X:-}}}}}\"}}");
}

void TestComposeLoader::testSurvivesHostileInput()
{
    QFETCH(QByteArray, yaml);

    const ComposeLoadResult result = loadText(yaml);

    QVERIFY(result.ok() || !result.error.isEmpty());
}

void TestComposeLoader::testUnsupportedKeysAreNamed()
{
    // Given a service with a memory limit and a key compose does not know
    const QByteArray text = "services:\n"
                            "  api:\n"
                            "    image: shop/api\n"
                            "    mem_limit: 256m\n"
                            "    colour: blue\n";

    const ComposeLoadResult result = ComposeLoader::loadFromString(
        text, QStringLiteral("/srv/shop/compose.yaml"), {}, QStringLiteral("shop"));

    // Then both load, and each warning names the line and whether compose knows the key
    QVERIFY(result.ok());
    QCOMPARE(result.warnings,
             QStringList({QStringLiteral("compose.yaml:4: services.api.mem_limit: not "
                                         "supported by Shoal, ignored"),
                          QStringLiteral("compose.yaml:5: services.api.colour: unknown key, "
                                         "ignored")}));
}

void TestComposeLoader::testReadsCpuLimits_data()
{
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<double>("cpus");
    QTest::addColumn<QString>("cpuset");
    QTest::newRow("none") << QByteArray() << 0.0 << QString();
    QTest::newRow("cpus as a number") << QByteArray("    cpus: 0.5\n") << 0.5 << QString();
    QTest::newRow("cpus as a string") << QByteArray("    cpus: \"1.5\"\n") << 1.5 << QString();
    QTest::newRow("deploy limits")
        << QByteArray("    deploy:\n      resources:\n        limits:\n          cpus: '0.25'\n")
        << 0.25 << QString();
    QTest::newRow("same value twice")
        << QByteArray("    cpus: 2\n    deploy:\n      resources:\n        limits:\n"
                      "          cpus: 2\n")
        << 2.0 << QString();
    QTest::newRow("cpuset") << QByteArray("    cpuset: \"0-1\"\n") << 0.0 << QStringLiteral("0-1");
}

void TestComposeLoader::testReadsCpuLimits()
{
    QFETCH(QByteArray, fields);
    QFETCH(double, cpus);
    QFETCH(QString, cpuset);

    const ComposeLoadResult result = loadText("services:\n  api:\n    image: shop/api\n" + fields);

    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY2(result.warnings.isEmpty(), qPrintable(result.warnings.join(u'\n')));
    const ServiceSpec *api = result.project->service(QStringLiteral("api"));
    QCOMPARE(api->cpus, cpus);
    QCOMPARE(api->cpuset, cpuset);
}

void TestComposeLoader::testRejectsConflictingCpuLimits()
{
    // docker compose refuses two different values for the same engine limit
    const ComposeLoadResult result = loadText("services:\n  api:\n    image: shop/api\n"
                                              "    cpus: 1\n    deploy:\n      resources:\n"
                                              "        limits:\n          cpus: 0.5\n");
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QStringLiteral("deploy.resources.limits.cpus")) &&
                 result.error.contains(QStringLiteral("differs")),
             qPrintable(result.error));
    const ComposeLoadResult negative =
        loadText("services:\n  api:\n    image: shop/api\n    cpus: lots\n");
    QVERIFY(!negative.ok());
    QVERIFY2(negative.error.contains(QStringLiteral("services.api.cpus")),
             qPrintable(negative.error));
}

QTEST_GUILESS_MAIN(TestComposeLoader)
#include "tst_composeloader.moc"
