// Compares Shoal's loader with Debian's docker-compose 1.29 (`docker-compose config`, which
// works offline) on every corpus file both accept. Differences that are known and expected:
//
// | topic                         | docker-compose v1                     | Shoal (compose spec)  |
// |-------------------------------|---------------------------------------|-----------------------|
// | `$$` in `config` output       | printed escaped as `$$`               | resolved to `$`       |
// | `command:` given as a string  | printed as the string                 | split like a shell    |
// | port ranges                   | one entry per port                    | kept as a range       |
// | `${VAR:+alt}`, `${VAR+alt}`   | rejected (invalid interpolation)      | supported             |
// | top-level `name:`             | rejected (additional property)        | project name          |
// | env_file quoting, `${X}`      | quotes kept, no expansion             | dotenv rules          |
// | `profiles:` filtering         | `config` prints every service         | inactive ones dropped |
// | long-form port `host_ip`      | rejected (unsupported option)         | supported             |
// | `environment` value `true`    | rejected (must be a string)           | "true", as compose v2 |
// | extending a service that has  | rejected                              | allowed; depends_on   |
// |   `depends_on`                |                                       |   is not inherited    |
//
// The test therefore unescapes `$$` in v1's output, splits v1's command strings, expands
// ranges on both sides, compares only services without profiles, and leaves the environment
// of services with env_file out of the comparison.

#include <core/compose/composeloader.h>
#include <core/compose/portparser.h>
#include <core/compose/shellsplitter.h>

#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace Shoal::Core;

namespace {

using StringMap = QMap<QString, QString>;

struct ServiceView
{
    QString image;
    int replicas = 1;
    QStringList ports; ///< "ip|published|target|protocol", sorted
    StringMap environment;
    std::optional<QStringList> command;
    bool compareEnvironment = true;
};

StringMap testEnvironment()
{
    StringMap env{{"VERSION", "3.1"},
                  {"BLANK", ""},
                  {"APP_USER", "operator"},
                  {"FROM_HOST", "hi"},
                  {"HOST_FILLED", "world"}};
    env.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    env.insert(QStringLiteral("HOME"), QDir::tempPath());
    return env;
}

QString portKey(const QString &ip, const QString &published, int target, const QString &protocol)
{
    return QStringLiteral("%1|%2|%3|%4").arg(ip, published).arg(target).arg(protocol);
}

QStringList expandPorts(const PortMapping &port)
{
    QStringList keys;
    const int count = port.targetEnd - port.target + 1;
    for (int i = 0; i < count; ++i) {
        QString published;
        if (port.published > 0) {
            published = count == 1 && port.publishedEnd > port.published
                            ? QStringLiteral("%1-%2").arg(port.published).arg(port.publishedEnd)
                            : QString::number(port.published + i);
        }
        keys.append(portKey(port.hostIp, published, port.target + i, port.protocol));
    }
    return keys;
}

QMap<QString, ServiceView> viewOf(const ComposeProject &project)
{
    QMap<QString, ServiceView> views;
    for (const ServiceSpec &spec : project.services) {
        ServiceView view;
        view.image = spec.image;
        view.replicas = spec.replicas;
        for (const PortMapping &port : spec.ports) {
            view.ports += expandPorts(port);
        }
        view.ports.sort();
        view.environment = spec.environment;
        view.command = spec.command;
        views.insert(spec.name, view);
    }
    return views;
}

QString scalar(const YAML::Node &node)
{
    return node && node.IsScalar() ? QString::fromStdString(node.Scalar()) : QString();
}

QString unescape(const QString &value)
{
    return QString(value).replace(QStringLiteral("$$"), QStringLiteral("$"));
}

QMap<QString, ServiceView> viewOf(const YAML::Node &root)
{
    QMap<QString, ServiceView> views;
    for (const auto &entry : root["services"]) {
        const YAML::Node service = entry.second;
        if (service["profiles"]) {
            continue;
        }
        ServiceView view;
        view.image = unescape(scalar(service["image"]));
        if (service["scale"]) {
            view.replicas = scalar(service["scale"]).toInt();
        }
        if (service["deploy"] && service["deploy"]["replicas"]) {
            view.replicas = scalar(service["deploy"]["replicas"]).toInt();
        }
        for (const YAML::Node &port : service["ports"]) {
            if (port.IsScalar()) {
                const PortParser::Result parsed = PortParser::parseShort(scalar(port));
                if (parsed.mapping) {
                    view.ports += expandPorts(*parsed.mapping);
                }
                continue;
            }
            const QString protocol =
                port["protocol"] ? scalar(port["protocol"]) : QStringLiteral("tcp");
            view.ports += portKey(scalar(port["host_ip"]), scalar(port["published"]),
                                  scalar(port["target"]).toInt(), protocol);
        }
        view.ports.sort();
        for (const auto &variable : service["environment"]) {
            view.environment.insert(scalar(variable.first),
                                    variable.second.IsNull() ? QString()
                                                             : unescape(scalar(variable.second)));
        }
        view.compareEnvironment = !service["env_file"];
        const YAML::Node command = service["command"];
        if (command && command.IsScalar()) {
            view.command = ShellSplitter::split(unescape(scalar(command)));
        } else if (command && command.IsSequence()) {
            QStringList words;
            for (const YAML::Node &word : command) {
                words.append(unescape(scalar(word)));
            }
            view.command = words;
        }
        views.insert(QString::fromStdString(entry.first.Scalar()), view);
    }
    return views;
}

} // namespace

class TestComposeDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void testAgreesWithComposeV1_data();
    void testAgreesWithComposeV1();

private:
    QString m_dockerCompose;
};

void TestComposeDifferential::initTestCase()
{
    m_dockerCompose = QStandardPaths::findExecutable(QStringLiteral("docker-compose"));
    if (m_dockerCompose.isEmpty()) {
        QSKIP("docker-compose (v1) is not installed");
    }
}

void TestComposeDifferential::testAgreesWithComposeV1_data()
{
    QTest::addColumn<QString>("file");

    const QString data = QFINDTESTDATA("data");
    QDirIterator it(data, {QStringLiteral("*.yaml"), QStringLiteral("*.yml")}, QDir::Files,
                    QDirIterator::Subdirectories);
    QStringList files;
    while (it.hasNext()) {
        files.append(it.next());
    }
    files.sort();
    for (const QString &file : files) {
        if (file.contains(QLatin1String(".override."))) {
            continue;
        }
        QTest::newRow(qPrintable(QDir(data).relativeFilePath(file))) << file;
    }
}

void TestComposeDifferential::testAgreesWithComposeV1()
{
    QFETCH(QString, file);
    const StringMap environment = testEnvironment();

    ComposeLoadOptions options;
    options.files = QStringList{file};
    options.environment = environment;
    const ComposeLoadResult ours = ComposeLoader::load(options);

    QProcess v1;
    QProcessEnvironment processEnvironment;
    for (auto it = environment.cbegin(); it != environment.cend(); ++it) {
        processEnvironment.insert(it.key(), it.value());
    }
    v1.setProcessEnvironment(processEnvironment);
    v1.setWorkingDirectory(QFileInfo(file).absolutePath());
    v1.start(m_dockerCompose, {QStringLiteral("-f"), file, QStringLiteral("config")});
    QVERIFY(v1.waitForFinished(60'000));
    const bool theirsOk = v1.exitStatus() == QProcess::NormalExit && v1.exitCode() == 0;

    if (!ours.ok() || !theirsOk) {
        QSKIP(qPrintable(QStringLiteral("not accepted by both (Shoal: %1; v1: %2)")
                             .arg(ours.ok() ? QStringLiteral("ok") : ours.error,
                                  theirsOk ? QStringLiteral("ok")
                                           : QString::fromLocal8Bit(v1.readAllStandardError())
                                                 .trimmed()
                                                 .section(QLatin1Char('\n'), -1))));
    }

    YAML::Node theirsRoot;
    try {
        theirsRoot = YAML::Load(v1.readAllStandardOutput().toStdString());
    } catch (const YAML::Exception &e) {
        QFAIL(e.what());
    }
    const QMap<QString, ServiceView> theirs = viewOf(theirsRoot);
    QMap<QString, ServiceView> mine = viewOf(*ours.project);

    QCOMPARE(mine.keys(), theirs.keys());
    for (auto it = theirs.cbegin(); it != theirs.cend(); ++it) {
        const ServiceView &expected = it.value();
        const ServiceView &actual = mine[it.key()];
        const QByteArray where = it.key().toUtf8();
        QVERIFY2(actual.image == expected.image, where);
        QVERIFY2(actual.replicas == expected.replicas, where);
        QVERIFY2(actual.ports == expected.ports,
                 qPrintable(it.key() + QStringLiteral(": ") + actual.ports.join(' ') +
                            QStringLiteral(" vs ") + expected.ports.join(' ')));
        if (expected.compareEnvironment) {
            QVERIFY2(actual.environment == expected.environment, where);
        }
        QVERIFY2(actual.command == expected.command, where);
    }
}

QTEST_GUILESS_MAIN(TestComposeDifferential)
#include "tst_composedifferential.moc"
