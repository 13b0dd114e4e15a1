#include "../support/enginetestsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace Shoal::Core;
using namespace Shoal::Test;
using namespace Qt::StringLiterals;

// The shoal executable as a user drives it: `shoal run` in one process, the control
// commands in others, traffic with plain HTTP on 127.0.0.1.
class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void testRunSpreadsRequestsOverTheAskedReplicas();
    void testStatusJsonDescribesEveryContainer();
    void testPsScaleAndStatsTalkToTheRunningInstance();
    void testServiceCommandsTalkToTheRunningInstance();
    void testDownRemovesTheStackAndEndsTheInstance();
    void testBadComposeFileNamesFileAndLine();
    void testDownWorksWithoutARunningInstance();

private:
    QByteArray shoal(const QStringList &arguments, int *exitCode = nullptr);

    QTemporaryDir m_dir;
    QString m_project;
    QString m_file;
    quint16 m_port = 0;
    QProcess m_run;
    std::unique_ptr<DockerClient> m_client;
};

QByteArray TestCli::shoal(const QStringList &arguments, int *exitCode)
{
    QProcess process;
    process.start(QStringLiteral(SHOAL_BINARY_DIR "/app/shoal"), arguments);
    process.waitForFinished(120000);
    if (exitCode) {
        *exitCode = process.exitCode();
    }
    return process.readAllStandardOutput() + process.readAllStandardError();
}

void TestCli::initTestCase()
{
    m_project = u"shoaltest-cli-%1"_s.arg(QCoreApplication::applicationPid());
    m_port = freeLoopbackPort();
    m_file = m_dir.filePath(u"compose.yaml"_s);
    QFile file(m_file);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(uR"(
services:
  web:
    build: %1
    ports: ["%2:3000"]
    deploy:
      replicas: 2
)"_s.arg(QStringLiteral(SHOAL_SOURCE_DIR "/examples/whoami"))
                   .arg(m_port)
                   .toUtf8());
    file.close();
    m_client = std::make_unique<DockerClient>(resolveEngineEndpoint().endpoint);

    // shoal run -f FILE --scale web=3, as the README shows it
    m_run.start(QStringLiteral(SHOAL_BINARY_DIR "/app/shoal"),
                {u"run"_s, u"-f"_s, m_file, u"-p"_s, m_project, u"--scale"_s, u"web=3"_s,
                 u"--status-json"_s});
    QVERIFY(m_run.waitForStarted());
    QByteArray log;
    QElapsedTimer timer;
    timer.start();
    while (!log.contains(" is up") && m_run.state() == QProcess::Running &&
           timer.elapsed() < 180000) {
        m_run.waitForReadyRead(200);
        log += m_run.readAllStandardError();
    }
    QVERIFY2(m_run.state() == QProcess::Running && log.contains(" is up"), log.constData());
}

void TestCli::cleanupTestCase()
{
    if (m_run.state() == QProcess::Running) {
        m_run.terminate();
        m_run.waitForFinished(20000);
    }
    removeProject(*m_client, m_project);
    waitFor(m_client->deleteResource(u"/images/%1-web?force=1"_s.arg(m_project)));
}

void TestCli::testRunSpreadsRequestsOverTheAskedReplicas()
{
    // Replicas join the rotation once they answer; wait until three different ones do.
    QTRY_VERIFY_WITH_TIMEOUT(
        [this] {
            QSet<QByteArray> seen;
            for (int i = 0; i < 6; ++i) {
                seen.insert(httpGet(m_port).body);
            }
            return seen.size() == 3;
        }(),
        30000);

    QHash<QByteArray, int> perHost;
    for (int i = 0; i < 30; ++i) {
        const HttpResult result = httpGet(m_port);
        QCOMPARE(result.status, 200);
        ++perHost[result.body.trimmed()];
    }
    QCOMPARE(perHost.size(), 3);
    for (const int count : std::as_const(perHost)) {
        QCOMPARE(count, 10);
    }
}

void TestCli::testStatusJsonDescribesEveryContainer()
{
    // The proxy publishes its counters once a second: read lines until they show the 30
    // requests of the test before, for at most a few seconds.
    QJsonObject web;
    QElapsedTimer timer;
    timer.start();
    double served = 0;
    while (served < 30 && timer.elapsed() < 5000) {
        m_run.waitForReadyRead(500);
        while (m_run.canReadLine()) {
            const QJsonObject status = QJsonDocument::fromJson(m_run.readLine()).object();
            QCOMPARE(status.value(u"project").toString(), m_project);
            web = status.value(u"services").toArray().first().toObject();
        }
        served = 0;
        for (const QJsonValue &value : web.value(u"containers").toArray()) {
            served += value.toObject().value(u"requests").toDouble();
        }
    }

    QCOMPARE(web.value(u"name").toString(), u"web"_s);
    QCOMPARE(web.value(u"running").toInt(), 3);
    const QJsonArray containers = web.value(u"containers").toArray();
    QCOMPARE(containers.size(), 3);
    for (const QJsonValue &value : containers) {
        const QJsonObject container = value.toObject();
        QVERIFY(container.value(u"name").toString().startsWith(m_project + u"-web-"_s));
        QCOMPARE(container.value(u"state").toString(), u"running"_s);
        QVERIFY(container.contains(u"cpuPercent"_s));
        QVERIFY(container.value(u"requests").toDouble() >= 10);
    }
}

void TestCli::testPsScaleAndStatsTalkToTheRunningInstance()
{
    int exitCode = -1;
    QByteArray output = shoal({u"scale"_s, u"-p"_s, m_project, u"web=+1"_s}, &exitCode);
    QVERIFY2(exitCode == 0, output.constData());
    QVERIFY(output.contains("web scaled to 4"));

    output = shoal({u"ps"_s, u"-p"_s, m_project, u"--json"_s}, &exitCode);
    QCOMPARE(exitCode, 0);
    const QJsonObject web =
        QJsonDocument::fromJson(output).object().value(u"services").toArray().first().toObject();
    QCOMPARE(web.value(u"containers").toArray().size(), 4);

    output = shoal({u"stats"_s, u"-p"_s, m_project}, &exitCode);
    QCOMPARE(exitCode, 0);
    QVERIFY2(output.contains("CPU %") && output.contains((m_project + u"-web-4"_s).toUtf8()),
             output.constData());

    // A count that is a typo is refused, not read as zero
    output = shoal({u"scale"_s, u"-p"_s, m_project, u"web=99999999999"_s}, &exitCode);
    QCOMPARE(exitCode, 2);
    QVERIFY2(output.contains("at most 1000 replicas"), output.constData());

    output = shoal({u"scale"_s, u"-p"_s, m_project, u"nosuch=2"_s}, &exitCode);
    QCOMPARE(exitCode, 1);
    QVERIFY2(output.contains("no service nosuch"), output.constData());
}

void TestCli::testServiceCommandsTalkToTheRunningInstance()
{
    // web runs four replicas after the test before
    int exitCode = -1;
    QByteArray output = shoal({u"restart"_s, u"-p"_s, m_project, u"web"_s}, &exitCode);
    QVERIFY2(exitCode == 0, output.constData());
    QVERIFY2(output.contains("web restarted"), output.constData());

    output = shoal({u"stop"_s, u"-p"_s, m_project, u"web"_s}, &exitCode);
    QVERIFY2(exitCode == 0, output.constData());
    QVERIFY2(output.contains("web stopped"), output.constData());
    output = shoal({u"ps"_s, u"-p"_s, m_project, u"--json"_s}, &exitCode);
    QJsonObject web =
        QJsonDocument::fromJson(output).object().value(u"services").toArray().first().toObject();
    QCOMPARE(web.value(u"desired").toInt(), 0);
    QCOMPARE(web.value(u"containers").toArray().size(), 0);

    // start brings back the count the service had
    output = shoal({u"start"_s, u"-p"_s, m_project, u"web"_s}, &exitCode);
    QVERIFY2(exitCode == 0, output.constData());
    QVERIFY2(output.contains("web started"), output.constData());
    output = shoal({u"ps"_s, u"-p"_s, m_project, u"--json"_s}, &exitCode);
    web = QJsonDocument::fromJson(output).object().value(u"services").toArray().first().toObject();
    QCOMPARE(web.value(u"desired").toInt(), 4);

    output = shoal({u"restart"_s, u"-p"_s, m_project, u"nosuch"_s}, &exitCode);
    QCOMPARE(exitCode, 1);
    QVERIFY2(output.contains("no service nosuch"), output.constData());
    output = shoal({u"stop"_s, u"-p"_s, m_project}, &exitCode);
    QCOMPARE(exitCode, 2);
}

void TestCli::testDownRemovesTheStackAndEndsTheInstance()
{
    int exitCode = -1;
    const QByteArray output = shoal({u"down"_s, u"-p"_s, m_project}, &exitCode);
    QVERIFY2(exitCode == 0, output.constData());
    QVERIFY(m_run.waitForFinished(30000));
    QCOMPARE(m_run.exitCode(), 0);

    EngineReply *left = m_client->listContainers({u"com.docker.compose.project="_s + m_project});
    QVERIFY(waitFor(left));
    QVERIFY(left->json().array().isEmpty());

    // With no instance left, the control commands say so clearly
    const QByteArray none = shoal({u"ps"_s, u"-p"_s, m_project}, &exitCode);
    QCOMPARE(exitCode, 1);
    QVERIFY2(none.contains("no running Shoal has project"), none.constData());
}

void TestCli::testBadComposeFileNamesFileAndLine()
{
    const QString broken = m_dir.filePath(u"broken.yaml"_s);
    QFile file(broken);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("services:\n  web:\n    image: x\n    ports:\n      - \"90-80:3000\"\n");
    file.close();

    int exitCode = -1;
    const QByteArray output = shoal({u"config"_s, u"-f"_s, broken}, &exitCode);
    QCOMPARE(exitCode, 1);
    QVERIFY2(output.contains("broken.yaml:5") && output.contains("services.web.ports[0]"),
             output.constData());
}

void TestCli::testDownWorksWithoutARunningInstance()
{
    // Given a stack left running by an instance that was killed, which leaves its control
    // socket behind with nobody answering there
    const QString project = m_project + u"-left"_s;
    QProcess run;
    run.start(QStringLiteral(SHOAL_BINARY_DIR "/app/shoal"),
              {u"run"_s, u"-f"_s, m_file, u"-p"_s, project, u"--scale"_s, u"web=1"_s});
    QVERIFY(run.waitForStarted());
    QByteArray log;
    QElapsedTimer timer;
    timer.start();
    while (!log.contains(" is up") && run.state() == QProcess::Running &&
           timer.elapsed() < 120000) {
        run.waitForReadyRead(200);
        log += run.readAllStandardError();
    }
    QVERIFY2(log.contains(" is up"), log.constData());
    run.kill();
    QVERIFY(run.waitForFinished(20000));
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    const QString socketDirectory = !runtime.isEmpty() && QDir(runtime).exists()
                                        ? runtime + u"/shoal"_s
                                        : u"/tmp/shoal-%1"_s.arg(::getuid());
    const QString leftSocket = socketDirectory + u'/' + project + u".sock"_s;
    QVERIFY(QFile::exists(leftSocket));
    const auto removeLeftSocket = qScopeGuard([&] { QFile::remove(leftSocket); });
    EngineReply *before = m_client->listContainers({u"com.docker.compose.project="_s + project});
    QVERIFY(waitFor(before));
    QCOMPARE(before->json().array().size(), 1);

    // When `shoal down -p NAME` runs with no instance
    int exitCode = -1;
    const QByteArray output = shoal({u"down"_s, u"-p"_s, project}, &exitCode);

    // Then the stack is gone from the engine all the same
    QVERIFY2(exitCode == 0, output.constData());
    EngineReply *after = m_client->listContainers({u"com.docker.compose.project="_s + project});
    QVERIFY(waitFor(after));
    QVERIFY(after->json().array().isEmpty());
    removeProject(*m_client, project);
    waitFor(m_client->removeImage(project + u"-web"_s, true));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
