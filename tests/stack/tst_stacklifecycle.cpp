#include "../support/enginetestsupport.h"
#include "../support/loadgenerator.h"

#include <core/engine/buildcontext.h>
#include <core/metrics/metricsstore.h>
#include <core/proxy/proxyserver.h>
#include <core/stack/stackcontroller.h>

#include <QJsonArray>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

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
    void testStopAndStartTouchOnlyTheService();
    void testStartBringsUpStoppedDependencies();
    void testRollingRestartUnderLoadLosesNoRequest();
    void testCancelStopsSlowImageWork_data();
    void testCancelStopsSlowImageWork();
    void testCancelKeepsReplicasAlreadyMade();
    void testCpuLimitReachesEngineAndMetrics();
    void testHealthPathGatesTheRotation();
    void testStoppedReplicaIsKeptOutUntilRestarted();

private:
    ComposeProject load(const QString &yaml, const QString &project);
    bool bringUp(StackController &stack, const QMap<QString, int> &scales = {},
                 QString *error = nullptr);
    bool scale(StackController &stack, int replicas);
    bool serviceAction(StackController &stack, void (StackController::*action)(const QString &),
                       const QString &service, QString *error = nullptr);
    bool tagImage(const QString &target);
    QString idOf(const QString &container);
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

namespace {

// One web service published through the proxy, with time to drain before a stop.
QString webBehindProxy(quint16 port)
{
    return uR"(
services:
  web:
    image: IMAGE
    ports: ["127.0.0.1:%1:3000"]
    stop_grace_period: 5s
)"_s.arg(port);
}

} // namespace

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

bool TestStackLifecycle::serviceAction(StackController &stack,
                                       void (StackController::*action)(const QString &),
                                       const QString &service, QString *error)
{
    QSignalSpy finished(&stack, &StackController::serviceActionFinished);
    (stack.*action)(service);
    // A refusal is reported at once, before there is anything to wait for.
    if (finished.isEmpty() && !finished.wait(120000)) {
        return false;
    }
    if (error) {
        *error = finished.first().at(2).toString();
    }
    return finished.first().at(0).toString() == service && finished.first().at(1).toBool();
}

// Gives the test image a second name, so that an image the engine could not get becomes
// one it has.
bool TestStackLifecycle::tagImage(const QString &target)
{
    const qsizetype colon = target.lastIndexOf(u':');
    const bool tagged = colon > target.lastIndexOf(u'/');
    const QString repository = tagged ? target.left(colon) : target;
    EngineReply *tag = m_client->post(u"/images/%1/tag?repo=%2&tag=%3"_s.arg(
        m_image, QString::fromLatin1(QUrl::toPercentEncoding(repository)),
        tagged ? target.mid(colon + 1) : u"latest"_s));
    return waitFor(tag) && !tag->isError();
}

QString TestStackLifecycle::idOf(const QString &container)
{
    return inspect(container).value(u"Id").toString();
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
    StackController stack(m_client.get(), load(webBehindProxy(port), name));
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
    totals.log();
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

void TestStackLifecycle::testStopAndStartTouchOnlyTheService()
{
    // Given web (two replicas) depending on db, and a second stack beside them
    const QString name = m_prefix + u"-svc"_s;
    const QString other = m_prefix + u"-svcother"_s;
    const quint16 port = freeLoopbackPort();
    StackController stack(m_client.get(), load(uR"(
services:
  db:
    image: IMAGE
  web:
    image: IMAGE
    ports: ["127.0.0.1:%1:3000"]
    depends_on: [db]
    stop_grace_period: 2s
)"_s.arg(port),
                                               name));
    StackController neighbour(m_client.get(), load(uR"(
services:
  web:
    image: IMAGE
)"_s,
                                                   other));
    QVERIFY(bringUp(stack, {{u"web"_s, 2}, {u"db"_s, 1}}));
    QVERIFY(bringUp(neighbour, {{u"web"_s, 1}}));
    const QString db = idOf(name + u"-db-1"_s);
    const QString neighbourWeb = idOf(other + u"-web-1"_s);
    QVERIFY(!db.isEmpty() && !neighbourWeb.isEmpty());

    // When web is stopped
    QVERIFY(serviceAction(stack, &StackController::stopService, u"web"_s));

    // Then its replicas are gone, its count is 0, and db and the other stack are untouched
    QCOMPARE(stack.desiredReplicas(u"web"_s), 0);
    QVERIFY(stack.replicas(u"web"_s).isEmpty());
    QVERIFY(idOf(name + u"-web-1"_s).isEmpty());
    QCOMPARE(idOf(name + u"-db-1"_s), db);
    QCOMPARE(inspect(db).value(u"State").toObject().value(u"Status").toString(), u"running"_s);
    QCOMPARE(idOf(other + u"-web-1"_s), neighbourWeb);
    QCOMPARE(httpGet(port).status, 503);

    // When it is started again, it comes back at the count it had, and serves
    QVERIFY(serviceAction(stack, &StackController::startService, u"web"_s));
    QCOMPARE(stack.desiredReplicas(u"web"_s), 2);
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), 2, 30000);
    QCOMPARE(httpGet(port).status, 200);
    QCOMPARE(idOf(name + u"-db-1"_s), db);
    QCOMPARE(idOf(other + u"-web-1"_s), neighbourWeb);

    // An unknown service is refused without touching anything
    QString error;
    QVERIFY(!serviceAction(stack, &StackController::stopService, u"nosuch"_s, &error));
    QVERIFY2(error.contains(u"no service nosuch"_s), qPrintable(error));
}

void TestStackLifecycle::testStartBringsUpStoppedDependencies()
{
    // Given web depending on a healthy db, both stopped
    const QString name = m_prefix + u"-deps"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  db:
    image: IMAGE
    healthcheck:
      test: ["CMD", "/whoami", "probe"]
      interval: 1s
      retries: 10
  web:
    image: IMAGE
    depends_on:
      db:
        condition: service_healthy
)"_s,
                                               name));
    QVERIFY(bringUp(stack, {{u"web"_s, 1}, {u"db"_s, 1}}));
    QVERIFY(serviceAction(stack, &StackController::stopService, u"web"_s));
    QVERIFY(serviceAction(stack, &StackController::stopService, u"db"_s));
    QVERIFY(stack.replicas().isEmpty());

    // When only web is started
    QVERIFY(serviceAction(stack, &StackController::startService, u"web"_s));

    // Then db was started first and was healthy before web started
    const QJsonObject db = inspect(name + u"-db-1"_s);
    const QJsonObject web = inspect(name + u"-web-1"_s);
    QCOMPARE(db.value(u"State").toObject().value(u"Health").toObject().value(u"Status").toString(),
             u"healthy"_s);
    QVERIFY(db.value(u"State").toObject().value(u"StartedAt").toString() <
            web.value(u"State").toObject().value(u"StartedAt").toString());
}

void TestStackLifecycle::testRollingRestartUnderLoadLosesNoRequest()
{
    // Given two replicas behind the proxy and clients that never retry
    const QString name = m_prefix + u"-roll"_s;
    const quint16 port = freeLoopbackPort();
    StackController stack(m_client.get(), load(webBehindProxy(port), name));
    QVERIFY(bringUp(stack, {{u"web"_s, 2}}));
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), 2, 20000);
    QStringList startedBefore;
    for (const QString &replica : {name + u"-web-1"_s, name + u"-web-2"_s}) {
        startedBefore.append(
            inspect(replica).value(u"State").toObject().value(u"StartedAt").toString());
    }
    QSignalSpy progress(&stack, &StackController::progress);

    LoadGenerator load(port, 6, std::chrono::milliseconds(2));
    load.start(std::chrono::seconds(120));

    // When the service is restarted with requests flowing all the time
    QVERIFY(serviceAction(stack, &StackController::restartService, u"web"_s));
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), 2, 30000);
    QTest::qWait(500);
    const LoadGenerator::Totals totals = load.stop();

    // Then both replicas were restarted, one after the other, and not one request failed
    for (int i = 0; i < 2; ++i) {
        const QString replica = name + u"-web-%1"_s.arg(i + 1);
        const QString started =
            inspect(replica).value(u"State").toObject().value(u"StartedAt").toString();
        QVERIFY2(started > startedBefore.at(i), qPrintable(replica));
    }
    QStringList restarts;
    for (const QList<QVariant> &signal : std::as_const(progress)) {
        if (signal.first().toString().startsWith(u"restarting "_s)) {
            restarts.append(signal.first().toString());
        }
    }
    QCOMPARE(restarts,
             (QStringList{u"restarting %1-web-1"_s.arg(name), u"restarting %1-web-2"_s.arg(name)}));
    QCOMPARE(stack.replicas(u"web"_s).size(), 2);
    totals.log();
    QCOMPARE(totals.non2xx, 0L);
    QCOMPARE(totals.socketErrors, 0L);
    QVERIFY(totals.ok > 200);
}

void TestStackLifecycle::testCancelStopsSlowImageWork_data()
{
    QTest::addColumn<bool>("build");
    QTest::newRow("pull") << false;
    QTest::newRow("build") << true;
}

void TestStackLifecycle::testCancelStopsSlowImageWork()
{
    QFETCH(bool, build);
    // Given a registry on 127.0.0.1 that accepts connections and never answers, so that
    // the engine's pull (or the build's FROM) hangs until it is cancelled
    QTcpServer registry;
    QVERIFY(registry.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> held;
    connect(&registry, &QTcpServer::newConnection, &registry, [&] {
        while (QTcpSocket *socket = registry.nextPendingConnection()) {
            held.append(socket);
        }
    });
    const QString name = m_prefix + (build ? u"-cancelbuild"_s : u"-cancelpull"_s);
    const QString remote = u"127.0.0.1:%1/%2-img:1"_s.arg(registry.serverPort()).arg(name);
    QTemporaryDir context;
    QFile dockerfile(context.filePath(u"Dockerfile"_s));
    QVERIFY(dockerfile.open(QIODevice::WriteOnly));
    dockerfile.write(u"FROM %1\n"_s.arg(remote).toUtf8());
    dockerfile.close();
    const QString service =
        build ? u"    build: %1\n"_s.arg(context.path()) : u"    image: %1\n"_s.arg(remote);
    StackController stack(m_client.get(), load(u"services:\n  web:\n"_s + service, name));
    const QString image = build ? stack.project().services.first().imageName(name) : remote;

    // When up() is cancelled while the engine waits for the registry
    QSignalSpy up(&stack, &StackController::upFinished);
    stack.up({{u"web"_s, 2}});
    QTRY_VERIFY_WITH_TIMEOUT(!held.isEmpty(), 60000);
    QElapsedTimer timer;
    timer.start();
    stack.cancel();

    // Then up finishes promptly with "cancelled" (left alone, the engine gives up on the
    // registry much later and with its own message), and no container was made
    QVERIFY(!up.isEmpty() || up.wait(10000));
    QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(up.size(), 1);
    QCOMPARE(up.first().at(0).toBool(), false);
    QCOMPARE(up.first().at(1).toString(), u"cancelled"_s);
    QVERIFY(!stack.isBusy());
    EngineReply *list = m_client->listContainers({ComposeLabels::Project + u'=' + name}, true);
    QVERIFY(waitFor(list));
    QVERIFY(list->json().array().isEmpty());

    // And once the image exists, the same controller brings the stack up
    QVERIFY(tagImage(image));
    QString error;
    const bool ok = bringUp(stack, {{u"web"_s, 2}}, &error);
    waitFor(m_client->deleteResource(u"/images/%1"_s.arg(image)));
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(stack.replicas(u"web"_s).size(), 2);
}

void TestStackLifecycle::testCancelKeepsReplicasAlreadyMade()
{
    // Given one replica
    const QString name = m_prefix + u"-cancelscale"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  web:
    image: IMAGE
)"_s,
                                               name));
    QVERIFY(bringUp(stack, {{u"web"_s, 1}}));

    // When a scale to twelve is cancelled as soon as the first create goes out
    QSignalSpy finished(&stack, &StackController::scaleFinished);
    bool cancelled = false;
    auto cancelOnCreate = connect(&stack, &StackController::progress, &stack,
                                  [&stack, &cancelled](const QString &message) {
                                      if (!cancelled && message.startsWith(u"creating "_s)) {
                                          cancelled = true;
                                          stack.cancel();
                                      }
                                  });
    stack.scale(u"web"_s, 12);
    QVERIFY(finished.wait(30000));
    disconnect(cancelOnCreate);

    // Then the scale reports "cancelled", what was made stays and becomes the count, and
    // nothing is removed afterwards
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(finished.first().at(2).toString(), u"cancelled"_s);
    QTest::qWait(3000);
    const qsizetype kept = stack.replicas(u"web"_s).size();
    QVERIFY(kept >= 1 && kept <= 12);
    QCOMPARE(stack.desiredReplicas(u"web"_s), int(kept));
    QTest::qWait(2000);
    QCOMPARE(stack.replicas(u"web"_s).size(), kept);

    // And a later scale works as usual
    QVERIFY(scale(stack, 2));
    QCOMPARE(stack.replicas(u"web"_s).size(), 2);
}

void TestStackLifecycle::testCpuLimitReachesEngineAndMetrics()
{
    // Given a service limited to half a core and one pinned to CPU 0
    const QString name = m_prefix + u"-cpus"_s;
    StackController stack(m_client.get(), load(uR"(
services:
  half:
    image: IMAGE
    cpus: 0.5
  pinned:
    image: IMAGE
    cpuset: "0"
    deploy:
      replicas: 2
)"_s,
                                               name));
    QVERIFY(bringUp(stack));

    // Then the engine holds the limits, and the metrics report them for each replica
    const QJsonObject host = inspect(name + u"-half-1"_s).value(u"HostConfig").toObject();
    QCOMPARE(host.value(u"NanoCpus").toDouble(), 5e8);
    QCOMPARE(inspect(name + u"-pinned-2"_s).value(u"HostConfig").toObject().value(u"CpusetCpus"),
             QJsonValue(u"0"_s));
    MetricsStore *metrics = stack.metrics();
    QTRY_COMPARE_WITH_TIMEOUT(metrics->latest(name + u"-half-1"_s).cpuLimit, 0.5, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(metrics->latest(name + u"-pinned-1"_s).cpuLimit, 1.0, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(metrics->latest(name + u"-pinned-2"_s).cpuLimit, 1.0, 20000);
    // Two replicas pinned to one CPU share it: together they may use one core, not two
    const QList<ReplicaMetrics> pinned{metrics->latest(name + u"-pinned-1"_s),
                                       metrics->latest(name + u"-pinned-2"_s)};
    QCOMPARE(MetricsStore::combinedCpuLimit(pinned), 1.0);
}

void TestStackLifecycle::testHealthPathGatesTheRotation()
{
    // Given two services whose health paths differ: one the app serves, one it answers 404 on
    const QString name = m_prefix + u"-gate"_s;
    const quint16 goodPort = freeLoopbackPort();
    const quint16 badPort = freeLoopbackPort();
    StackController stack(m_client.get(), load(uR"(
services:
  good:
    image: IMAGE
    ports: ["127.0.0.1:%1:3000"]
    x-shoal: {health_path: /health}
  bad:
    image: IMAGE
    ports: ["127.0.0.1:%2:3000"]
    x-shoal: {health_path: /not-served}
)"_s.arg(goodPort)
                                                   .arg(badPort),
                                               name));

    // When both come up
    QVERIFY(bringUp(stack));

    // Then the replica that passes takes traffic, and the one that never passes takes none
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"good"_s)->backends().size(), 1, 20000);
    QCOMPARE(httpGet(goodPort).status, 200);
    QTest::qWait(3000);
    QCOMPARE(stack.proxy(u"bad"_s)->backends().size(), 0);
    QCOMPARE(httpGet(badPort).status, 503);
    QCOMPARE(stack.replicas(u"bad"_s).size(), 1);
}

void TestStackLifecycle::testStoppedReplicaIsKeptOutUntilRestarted()
{
    // Given two replicas behind the proxy and clients that never retry
    const QString name = m_prefix + u"-stopone"_s;
    const quint16 port = freeLoopbackPort();
    StackController stack(m_client.get(), load(webBehindProxy(port), name));
    QVERIFY(bringUp(stack, {{u"web"_s, 2}}));
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), 2, 20000);
    LoadGenerator load(port, 4, std::chrono::milliseconds(2));
    load.start(std::chrono::seconds(60));

    // When one replica is stopped from its menu while requests flow
    const QString stopped = name + u"-web-2"_s;
    stack.stopReplica(stopped);

    // Then it leaves the rotation, its container is stopped but kept, and no request fails
    QTRY_COMPARE_WITH_TIMEOUT(
        inspect(stopped).value(u"State").toObject().value(u"Running").toBool(), false, 30000);
    QTest::qWait(1500);
    QCOMPARE(stack.proxy(u"web"_s)->backends().size(), 1);
    QCOMPARE(stack.replicas(u"web"_s).size(), 2);

    // And a restart brings it back into the rotation
    stack.restartReplica(stopped);
    QTRY_COMPARE_WITH_TIMEOUT(stack.proxy(u"web"_s)->backends().size(), 2, 30000);
    const LoadGenerator::Totals totals = load.stop();
    totals.log();
    QVERIFY(totals.ok > 100);
    QCOMPARE(totals.non2xx, 0L);
    QCOMPARE(totals.socketErrors, 0L);
}

QTEST_GUILESS_MAIN(TestStackLifecycle)
#include "tst_stacklifecycle.moc"
