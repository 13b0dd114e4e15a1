#include "../support/enginetestsupport.h"
#include "../support/loadgenerator.h"

#include <core/engine/buildcontext.h>
#include <core/proxy/proxyserver.h>
#include <core/stack/stackcontroller.h>

#include <QJsonArray>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Shoal::Core;
using namespace Shoal::Test;
using namespace Qt::StringLiterals;

// Whole-stack behaviour on the real engine: start order, sharing a stack with docker
// compose, and scaling under load without losing a request.
class TestStackLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void testDependenciesStartInOrder();
    void testFailedDependencyStopsUp();
    void testDockerComposeSeesShoalStack();
    void testAdoptsStackStartedByDockerCompose();
    void testScalingUnderLoadLosesNoRequest();
    void testChangedDefinitionRecreatesReplicasWithoutLoss();
    void testNetworksAndVolumesFollowTheProject();

private:
    ComposeProject load(const QString &yaml, const QString &project);
    bool bringUp(StackController &stack, const QMap<QString, int> &scales = {},
                 QString *error = nullptr);
    bool scale(StackController &stack, int replicas);
    QJsonObject inspect(const QString &name);
    int runCompose(const QString &project, const QStringList &arguments, QByteArray *output);

    std::unique_ptr<DockerClient> m_client;
    QTemporaryDir m_dir;
    QString m_prefix;
    QString m_image;
    QStringList m_projects;
};

void TestStackLifecycle::initTestCase()
{
    m_prefix = u"shoaltest-life-%1"_s.arg(QCoreApplication::applicationPid());
    m_image = m_prefix + u"-img:1"_s;
    m_client = std::make_unique<DockerClient>(resolveEngineEndpoint().endpoint);
    QSignalSpy connected(m_client.get(), &DockerClient::connected);
    m_client->negotiate();
    QVERIFY(connected.wait(10000));

    // One image for every project here, built from the example's folder.
    const PackedContext context =
        packBuildContext(QStringLiteral(SHOAL_SOURCE_DIR "/examples/whoami"));
    QVERIFY2(context.error.isEmpty(), qPrintable(context.error));
    EngineReply *build = m_client->buildImage(context.tar, m_image);
    QVERIFY(waitFor(build, 120000));
    QVERIFY2(!build->isError(), qPrintable(build->errorString()));
}

void TestStackLifecycle::cleanup()
{
    for (const QString &project : std::as_const(m_projects)) {
        removeProject(*m_client, project);
    }
    m_projects.clear();
}

void TestStackLifecycle::cleanupTestCase()
{
    cleanup();
    waitFor(m_client->deleteResource(u"/images/%1?force=1"_s.arg(m_image)));
}

ComposeProject TestStackLifecycle::load(const QString &yaml, const QString &project)
{
    const QString path = m_dir.filePath(project + u".yaml"_s);
    QFile file(path);
    file.open(QIODevice::WriteOnly);
    file.write(QString(yaml).replace(u"IMAGE"_s, m_image).toUtf8());
    file.close();
    ComposeLoadOptions options;
    options.files = {path};
    options.projectName = project;
    const ComposeLoadResult result = ComposeLoader::load(options);
    if (!result.ok()) {
        qFatal("test compose file does not load: %s", qPrintable(result.error));
    }
    m_projects.append(project);
    return *result.project;
}

bool TestStackLifecycle::bringUp(StackController &stack, const QMap<QString, int> &scales,
                                 QString *error)
{
    QSignalSpy up(&stack, &StackController::upFinished);
    stack.up(scales);
    if (!up.wait(120000)) {
        for (const ReplicaInfo &replica : stack.replicas()) {
            qWarning("up did not finish; %s is %s (exit %d)", qPrintable(replica.name),
                     qPrintable(replica.state), replica.exitCode);
        }
        return false;
    }
    if (error) {
        *error = up.first().at(1).toString();
    }
    return up.first().at(0).toBool();
}

bool TestStackLifecycle::scale(StackController &stack, int replicas)
{
    QSignalSpy finished(&stack, &StackController::scaleFinished);
    stack.scale(u"web"_s, replicas);
    return finished.wait(120000) && finished.first().at(1).toBool();
}

QJsonObject TestStackLifecycle::inspect(const QString &name)
{
    EngineReply *reply = m_client->inspectContainer(name);
    waitFor(reply);
    return reply->json().object();
}

int TestStackLifecycle::runCompose(const QString &project, const QStringList &arguments,
                                   QByteArray *output)
{
    QProcess compose;
    compose.start(u"docker-compose"_s,
                  QStringList{u"-p"_s, project, u"-f"_s, m_dir.filePath(project + u".yaml"_s)} +
                      arguments);
    if (!compose.waitForFinished(120000)) {
        compose.kill();
        return -1;
    }
    *output = compose.readAllStandardOutput() + compose.readAllStandardError();
    return compose.exitCode();
}

void TestStackLifecycle::testDependenciesStartInOrder()
{
    // Given web waiting for a healthy backend and a migration job that must succeed
    const QString name = m_prefix + u"-order"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  backend:
    image: IMAGE
    healthcheck:
      test: ["CMD", "/whoami", "probe"]
      interval: 1s
      retries: 30
  migrate:
    image: IMAGE
    command: ["exit", "0"]
  web:
    image: IMAGE
    depends_on:
      backend:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
)"_s,
                                               name));

    // When the stack comes up
    QString error;
    QVERIFY2(bringUp(stack, {}, &error), qPrintable(error));

    // Then web started only after the migration ended and the backend was healthy
    const QJsonObject web = inspect(name + u"-web-1"_s).value(u"State").toObject();
    const QJsonObject migrate = inspect(name + u"-migrate-1"_s).value(u"State").toObject();
    const QJsonObject backend = inspect(name + u"-backend-1"_s).value(u"State").toObject();
    const auto time = [](const QJsonValue &value) {
        return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    };
    QCOMPARE(migrate.value(u"ExitCode").toInt(), 0);
    QVERIFY(time(web.value(u"StartedAt")) >= time(migrate.value(u"FinishedAt")));
    QDateTime firstHealthy;
    for (const QJsonValue &probe : backend.value(u"Health").toObject().value(u"Log").toArray()) {
        if (probe.toObject().value(u"ExitCode").toInt() == 0) {
            firstHealthy = time(probe.toObject().value(u"End"));
            break;
        }
    }
    QVERIFY(firstHealthy.isValid());
    QVERIFY(time(web.value(u"StartedAt")) >= firstHealthy);
}

void TestStackLifecycle::testFailedDependencyStopsUp()
{
    const QString name = m_prefix + u"-fail"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  migrate:
    image: IMAGE
    command: ["exit", "3"]
  web:
    image: IMAGE
    depends_on:
      migrate:
        condition: service_completed_successfully
)"_s,
                                               name));

    QString error;
    QVERIFY(!bringUp(stack, {}, &error));
    QVERIFY2(error.contains(u"exited with status 3"_s), qPrintable(error));
    QCOMPARE(inspect(name + u"-web-1"_s).value(u"Id").toString(), QString());
}

void TestStackLifecycle::testDockerComposeSeesShoalStack()
{
    if (QStandardPaths::findExecutable(u"docker-compose"_s).isEmpty()) {
        QSKIP("docker-compose is not installed");
    }
    const QString name = m_prefix + u"-seen"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  web:
    image: IMAGE
    ports: ["127.0.0.1::3000"]
)"_s,
                                               name));
    QVERIFY(bringUp(stack, {{u"web"_s, 2}}));

    QByteArray output;
    QCOMPARE(runCompose(name, {u"ps"_s, u"-q"_s}, &output), 0);
    QCOMPARE(output.trimmed().split('\n').size(), 2);
    QCOMPARE(runCompose(name, {u"ps"_s, u"--services"_s}, &output), 0);
    QCOMPARE(output.trimmed(), QByteArray("web"));
}

void TestStackLifecycle::testAdoptsStackStartedByDockerCompose()
{
    if (QStandardPaths::findExecutable(u"docker-compose"_s).isEmpty()) {
        QSKIP("docker-compose is not installed");
    }
    // Given a stack that docker compose started with two replicas
    const QString name = m_prefix + u"-adopt"_s;
    const ComposeProject project = load(uR"(
services:
  web:
    image: IMAGE
    ports: ["127.0.0.1::3000"]
)"_s,
                                        name);
    QByteArray output;
    QVERIFY2(runCompose(name, {u"up"_s, u"-d"_s, u"--scale"_s, u"web=2"_s}, &output) == 0,
             output.constData());

    // When Shoal opens it, it keeps the two, and scaling continues their numbering
    StackController stack(m_client.get(), project);
    QVERIFY(bringUp(stack));
    QCOMPARE(stack.replicas(u"web"_s).size(), 2);
    QVERIFY(scale(stack, 4));

    QStringList names;
    for (const ReplicaInfo &replica : stack.replicas(u"web"_s)) {
        QCOMPARE(replica.state, u"running"_s);
        names.append(replica.name);
    }
    QCOMPARE(names.size(), 4);
    QVERIFY2(names.contains(name + u"-web-3"_s) && names.contains(name + u"-web-4"_s),
             qPrintable(names.join(u' ')));

    // And docker compose sees all four
    QCOMPARE(runCompose(name, {u"ps"_s, u"-q"_s}, &output), 0);
    QCOMPARE(output.trimmed().split('\n').size(), 4);
}

void TestStackLifecycle::testScalingUnderLoadLosesNoRequest()
{
    // Given one replica behind the proxy and clients that never retry
    const QString name = m_prefix + u"-load"_s;
    const quint16 port = freeLoopbackPort();
    StackController stack(m_client.get(), load(uR"(
services:
  web:
    image: IMAGE
    ports: ["127.0.0.1:%1:3000"]
    stop_grace_period: 5s
)"_s.arg(port),
                                               name));
    QVERIFY(bringUp(stack, {{u"web"_s, 1}}));
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), 1, 20000);

    LoadGenerator load(port, 6, std::chrono::milliseconds(2));
    load.start(std::chrono::seconds(240));

    // When web goes 1 -> 8 -> 1 -> 4 with requests flowing all the time
    for (const int replicas : {8, 1, 4}) {
        QVERIFY(scale(stack, replicas));
        QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), replicas, 30000);
        QTest::qWait(500);
    }
    const LoadGenerator::Totals totals = load.stop();

    // Then not one request failed
    qInfo("requests: %ld ok, %ld non-2xx, %ld socket errors", totals.ok, totals.non2xx,
          totals.socketErrors);
    QCOMPARE(totals.non2xx, 0L);
    QCOMPARE(totals.socketErrors, 0L);
    QVERIFY(totals.ok > 500);
}

void TestStackLifecycle::testChangedDefinitionRecreatesReplicasWithoutLoss()
{
    // Given two replicas serving traffic
    const QString name = m_prefix + u"-recreate"_s;
    const quint16 port = freeLoopbackPort();
    const QString yaml = uR"(
services:
  web:
    image: IMAGE
    ports: ["127.0.0.1:%1:3000"]
    environment:
      RELEASE: "%2"
    stop_grace_period: 5s
)"_s;
    QStringList before;
    {
        StackController first(m_client.get(), load(yaml.arg(port).arg(1), name));
        QVERIFY(bringUp(first, {{u"web"_s, 2}}));
        for (const ReplicaInfo &replica : first.replicas(u"web"_s)) {
            before.append(replica.name);
        }
    }
    QCOMPARE(before.size(), 2);

    // When the definition changes and the stack is brought up again under load
    StackController second(m_client.get(), load(yaml.arg(port).arg(2), name));
    LoadGenerator load(port, 4, std::chrono::milliseconds(2));
    QString error;
    QSignalSpy up(&second, &StackController::upFinished);
    second.up();
    QTRY_VERIFY_WITH_TIMEOUT(
        second.proxy(u"web"_s) && second.proxy(u"web"_s)->backends().size() == 2, 30000);
    load.start(std::chrono::seconds(120));
    QVERIFY(up.wait(120000) || up.count() == 1);
    QTRY_VERIFY_WITH_TIMEOUT(!second.isBusy(), 60000);
    QTest::qWait(500);
    const LoadGenerator::Totals totals = load.stop();

    // Then both replicas were replaced, and no request failed on the way
    QStringList after;
    for (const ReplicaInfo &replica : second.replicas(u"web"_s)) {
        after.append(replica.name);
        const QJsonArray env =
            inspect(replica.name).value(u"Config").toObject().value(u"Env").toArray();
        QVERIFY(env.contains(u"RELEASE=2"_s));
    }
    QCOMPARE(after.size(), 2);
    for (const QString &old : before) {
        QVERIFY2(!after.contains(old), qPrintable(after.join(u' ')));
    }
    QCOMPARE(totals.non2xx, 0L);
    QCOMPARE(totals.socketErrors, 0L);
}

void TestStackLifecycle::testNetworksAndVolumesFollowTheProject()
{
    // Given a service on two declared networks with a named volume
    const QString name = m_prefix + u"-res"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  web:
    image: IMAGE
    networks: [front, back]
    volumes: ["data:/data"]
networks:
  front: {}
  back: {}
volumes:
  data: {}
)"_s,
                                               name));
    QVERIFY(bringUp(stack));

    // Then the replica is on both networks and the volume carries the project's label
    const QJsonObject networks = inspect(name + u"-web-1"_s)
                                     .value(u"NetworkSettings"_s)
                                     .toObject()
                                     .value(u"Networks"_s)
                                     .toObject();
    QVERIFY2(networks.contains(name + u"_front"_s) && networks.contains(name + u"_back"_s),
             qPrintable(networks.keys().join(u' ')));
    EngineReply *volume = m_client->get(u"/volumes/%1_data"_s.arg(name));
    QVERIFY(waitFor(volume));
    QCOMPARE(volume->json()
                 .object()
                 .value(u"Labels")
                 .toObject()
                 .value(u"com.docker.compose.project")
                 .toString(),
             name);

    // When it goes down with its volumes, nothing of it is left
    QSignalSpy down(&stack, &StackController::downFinished);
    stack.down(true);
    QVERIFY(down.wait(60000));
    QVERIFY2(down.first().at(0).toBool(), qPrintable(down.first().at(1).toString()));
    EngineReply *gone = m_client->get(u"/volumes/%1_data"_s.arg(name));
    QVERIFY(waitFor(gone));
    QCOMPARE(gone->statusCode(), 404);
    EngineReply *left = m_client->listNetworks({u"com.docker.compose.project="_s + name});
    QVERIFY(waitFor(left));
    QVERIFY(left->json().array().isEmpty());
}

QTEST_GUILESS_MAIN(TestStackLifecycle)
#include "tst_stacklifecycle.moc"
