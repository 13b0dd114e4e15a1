#include "replyrecorder.h"

#include <core/engine/buildcontext.h>
#include <core/engine/containerstats.h>
#include <core/engine/dockerclient.h>
#include <core/engine/logstreamdecoder.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Shoal::Core;
using namespace Shoal::Core::Testing;
using Kind = EngineReply::ErrorKind;

namespace {

// One image per run: two runs at once must not remove each other's image.
const QString ImageTag =
    QStringLiteral("shoaltest-engine-busybox-%1:1").arg(QCoreApplication::applicationPid());
const QString SuiteLabel = QStringLiteral("shoaltest-engine.suite");
const QString BusyboxPath = QStringLiteral("/bin/busybox");
constexpr int CallTimeoutMs = 60000;

/// Names unique to this run, so parallel runs and leftovers never collide.
QString uniqueName(const QString &what)
{
    return QStringLiteral("shoaltest-engine-%1-%2")
        .arg(QCoreApplication::applicationPid())
        .arg(what);
}

ReplyRecord run(EngineReply *reply, int timeoutMs = CallTimeoutMs)
{
    ReplyRecorder recorder(reply);
    return recorder.wait(timeoutMs);
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

} // namespace

class TestDockerClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void testNegotiatedVersion();
    void testBuiltImageIsInspectable();
    void testFailingBuildIsAnErrorDespite200();
    void testContainerLifecycle();
    void testNameConflictShowsEngineMessage();
    void testNoSuchContainer();
    void testPullFromUnreachableRegistryFailsQuickly();
    void testEventsStreamSeesStart();
    void testNetworks();
    void testImagesVolumesAndInfo();

private:
    QJsonObject containerSpec(const QStringList &command) const;
    QString createAndStart(const QString &name, const QJsonObject &spec);
    void removeOurContainersAndNetworks();

    std::unique_ptr<DockerClient> m_client;
    QString m_suiteValue;
};

void TestDockerClient::initTestCase()
{
    if (!QFile::exists(BusyboxPath)) {
        QSKIP("needs a static /bin/busybox (Debian package busybox-static) for the test image");
    }
    const EndpointResolution resolution = resolveEngineEndpoint();
    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));
    m_client = std::make_unique<DockerClient>(resolution.endpoint);
    m_suiteValue = QString::number(QCoreApplication::applicationPid());

    QString lost;
    bool connected = false;
    connect(m_client.get(), &DockerClient::connected, this, [&] { connected = true; });
    connect(m_client.get(), &DockerClient::engineLost, this,
            [&](const QString &reason) { lost = reason; });
    m_client->negotiate();
    QVERIFY(QTest::qWaitFor([&] { return connected || !lost.isEmpty(); }, 15000));
    QVERIFY2(connected, qPrintable(lost));

    // The test image: busybox on an empty base, built through Shoal's own packer and client.
    QTemporaryDir context;
    QVERIFY(context.isValid());
    QVERIFY(QFile::copy(BusyboxPath, context.filePath(QStringLiteral("busybox"))));
    QVERIFY(writeFile(context.filePath(QStringLiteral("Dockerfile")),
                      "FROM scratch\nCOPY busybox /bin/busybox\n"
                      "ENTRYPOINT [\"/bin/busybox\"]\nCMD [\"sleep\", \"3600\"]\n"));
    QVERIFY(writeFile(context.filePath(QStringLiteral(".dockerignore")), "*.log\n"));
    QVERIFY(writeFile(context.filePath(QStringLiteral("build.log")), "not for the engine\n"));
    const PackedContext packed = packBuildContext(context.path());
    QVERIFY2(packed.error.isEmpty(), qPrintable(packed.error));

    const QMap<QString, QString> imageLabels = {{SuiteLabel, QStringLiteral("image")}};
    const ReplyRecord build =
        run(m_client->buildImage(packed.tar, ImageTag, {}, {}, imageLabels), 120000);
    QVERIFY(build.finished);
    QVERIFY2(!build.error, qPrintable(build.errorString));
    QVERIFY(!build.lines.isEmpty());
}

void TestDockerClient::cleanup()
{
    removeOurContainersAndNetworks();
}

void TestDockerClient::cleanupTestCase()
{
    if (!m_client) {
        return;
    }
    removeOurContainersAndNetworks();
    const ReplyRecord removed =
        run(m_client->deleteResource(QStringLiteral("/images/%1?force=1").arg(ImageTag)));
    QVERIFY2(!removed.error || removed.status == 404, qPrintable(removed.errorString));
}

void TestDockerClient::removeOurContainersAndNetworks()
{
    if (!m_client) {
        return;
    }
    const QStringList ours = {SuiteLabel + QLatin1Char('=') + m_suiteValue};
    const ReplyRecord list = run(m_client->listContainers(ours, true));
    for (const QJsonValue &container : QJsonDocument::fromJson(list.body).array()) {
        run(m_client->removeContainer(container.toObject().value("Id").toString(), true));
    }
    const ReplyRecord networks = run(m_client->listNetworks(ours));
    for (const QJsonValue &network : QJsonDocument::fromJson(networks.body).array()) {
        run(m_client->removeNetwork(network.toObject().value("Id").toString()));
    }
}

QJsonObject TestDockerClient::containerSpec(const QStringList &command) const
{
    QJsonObject labels;
    labels.insert(SuiteLabel, m_suiteValue);
    labels.insert(QStringLiteral("shoaltest-engine.role"), QStringLiteral("web"));
    QJsonObject binding;
    binding.insert(QStringLiteral("HostIp"), QStringLiteral("127.0.0.1"));
    binding.insert(QStringLiteral("HostPort"), QString());
    QJsonObject portBindings;
    portBindings.insert(QStringLiteral("8080/tcp"), QJsonArray{binding});
    QJsonObject hostConfig;
    hostConfig.insert(QStringLiteral("PortBindings"), portBindings);
    QJsonObject exposed;
    exposed.insert(QStringLiteral("8080/tcp"), QJsonObject());

    QJsonObject spec;
    spec.insert(QStringLiteral("Image"), ImageTag);
    spec.insert(QStringLiteral("Cmd"), QJsonArray::fromStringList(command));
    spec.insert(QStringLiteral("Env"), QJsonArray{QStringLiteral("SHOAL_GREETING=ahoy")});
    spec.insert(QStringLiteral("Labels"), labels);
    spec.insert(QStringLiteral("ExposedPorts"), exposed);
    spec.insert(QStringLiteral("HostConfig"), hostConfig);
    return spec;
}

QString TestDockerClient::createAndStart(const QString &name, const QJsonObject &spec)
{
    const ReplyRecord created = run(m_client->createContainer(name, spec));
    if (created.error) {
        qWarning("create failed: %s", qPrintable(created.errorString));
        return {};
    }
    const QString id = QJsonDocument::fromJson(created.body).object().value("Id").toString();
    const ReplyRecord started = run(m_client->startContainer(id));
    if (started.error) {
        qWarning("start failed: %s", qPrintable(started.errorString));
        return {};
    }
    return id;
}

void TestDockerClient::testNegotiatedVersion()
{
    const int minor = m_client->apiVersion().section(QLatin1Char('.'), 1).toInt();
    QVERIFY(m_client->apiVersion().startsWith(QStringLiteral("1.")));
    QVERIFY(minor >= DockerClient::MinimumApiMinor && minor <= DockerClient::MaximumApiMinor);
    QVERIFY(!m_client->engineVersion().isEmpty());
    QVERIFY(m_client->isReachable());
}

void TestDockerClient::testBuiltImageIsInspectable()
{
    const ReplyRecord image = run(m_client->inspectImage(ImageTag));

    QVERIFY2(!image.error, qPrintable(image.errorString));
    const QJsonObject info = QJsonDocument::fromJson(image.body).object();
    QVERIFY(info.value("Id").toString().startsWith(QStringLiteral("sha256:")));
    QCOMPARE(info.value("Config").toObject().value("Labels").toObject().value(SuiteLabel),
             QJsonValue(QStringLiteral("image")));
}

void TestDockerClient::testFailingBuildIsAnErrorDespite200()
{
    QTemporaryDir context;
    QVERIFY(writeFile(context.filePath(QStringLiteral("Dockerfile")),
                      "FROM " + ImageTag.toUtf8() + "\nRUN [\"/bin/busybox\", \"false\"]\n"));
    const PackedContext packed = packBuildContext(context.path());
    QVERIFY2(packed.error.isEmpty(), qPrintable(packed.error));

    const ReplyRecord build =
        run(m_client->buildImage(packed.tar, uniqueName(QStringLiteral("broken:1"))), 120000);

    QVERIFY(build.finished);
    QCOMPARE(build.status, 200);
    QCOMPARE(build.kind, Kind::StreamError);
    QVERIFY2(build.streamError.contains(QStringLiteral("returned a non-zero code: 1")),
             qPrintable(build.streamError));
    QVERIFY(build.errorString.endsWith(build.streamError));
}

void TestDockerClient::testContainerLifecycle()
{
    // Given a container that writes to both streams and then sleeps,
    const QString name = uniqueName(QStringLiteral("web-1"));
    const QJsonObject spec = containerSpec(
        {QStringLiteral("sh"), QStringLiteral("-c"),
         QStringLiteral(
             "echo out-$SHOAL_GREETING; echo err-line >&2; exec /bin/busybox sleep 300")});
    const ReplyRecord created = run(m_client->createContainer(name, spec));
    QVERIFY2(!created.error, qPrintable(created.errorString));
    QCOMPARE(created.status, 201);
    const QString id = QJsonDocument::fromJson(created.body).object().value("Id").toString();
    QVERIFY(!id.isEmpty());

    // when it is started twice, the second start is a 304 and still a success.
    const ReplyRecord started = run(m_client->startContainer(id));
    QVERIFY2(!started.error, qPrintable(started.errorString));
    QCOMPARE(started.status, 204);
    const ReplyRecord again = run(m_client->startContainer(id));
    QVERIFY2(!again.error, qPrintable(again.errorString));
    QCOMPARE(again.status, 304);

    // Inspect shows labels, env and a port published on 127.0.0.1 only.
    const ReplyRecord inspected = run(m_client->inspectContainer(name));
    QVERIFY2(!inspected.error, qPrintable(inspected.errorString));
    const QJsonObject info = QJsonDocument::fromJson(inspected.body).object();
    QCOMPARE(info.value("Name").toString(), QLatin1Char('/') + name);
    QVERIFY(info.value("State").toObject().value("Running").toBool());
    QCOMPARE(info.value("Config").toObject().value("Labels").toObject().value(SuiteLabel),
             QJsonValue(m_suiteValue));
    QVERIFY(info.value("Config").toObject().value("Env").toArray().contains(
        QStringLiteral("SHOAL_GREETING=ahoy")));
    const QJsonArray published = info.value("NetworkSettings")
                                     .toObject()
                                     .value("Ports")
                                     .toObject()
                                     .value("8080/tcp")
                                     .toArray();
    QVERIFY(!published.isEmpty());
    for (const QJsonValue &binding : published) {
        QCOMPARE(binding.toObject().value("HostIp").toString(), QStringLiteral("127.0.0.1"));
        QVERIFY(binding.toObject().value("HostPort").toString().toInt() > 0);
    }

    // Listing by label finds exactly this one.
    const ReplyRecord listed =
        run(m_client->listContainers({SuiteLabel + QLatin1Char('=') + m_suiteValue,
                                      QStringLiteral("shoaltest-engine.role=web")}));
    QVERIFY2(!listed.error, qPrintable(listed.errorString));
    const QJsonArray containers = QJsonDocument::fromJson(listed.body).array();
    QCOMPARE(containers.size(), 1);
    QCOMPARE(containers.at(0).toObject().value("Id").toString(), id);

    // The stats stream yields a computed sample within a few seconds.
    std::optional<StatsSample> sample;
    int frames = 0;
    {
        ReplyRecorder stats(m_client->containerStats(id, true),
                            [&](EngineReply *reply, const QByteArray &line) {
                                ++frames;
                                const auto frame = QJsonDocument::fromJson(line).object();
                                sample = computeStatsSample(frame);
                                if (sample) {
                                    reply->abort();
                                }
                            });
        const ReplyRecord &record = stats.wait(15000);
        QVERIFY(record.finished);
        QCOMPARE(record.kind, Kind::Cancelled);
    }
    QVERIFY2(sample.has_value(), qPrintable(QStringLiteral("%1 frames, none usable").arg(frames)));
    QVERIFY(sample->onlineCpus > 0);
    QVERIFY(sample->memoryLimit > 0);
    QVERIFY(sample->cpuPercent >= 0);

    // A one-off stats call (stream=false, one-shot=false) comes with its previous sample.
    const ReplyRecord once = run(m_client->containerStats(id, false));
    QVERIFY2(!once.error, qPrintable(once.errorString));
    QVERIFY(computeStatsSample(QJsonDocument::fromJson(once.body).object()).has_value());

    // Logs come as multiplexed frames, one stream per output.
    const ReplyRecord logs = run(m_client->containerLogs(id, false, -1));
    QVERIFY2(!logs.error, qPrintable(logs.errorString));
    LogStreamDecoder decoder;
    QByteArray out;
    QByteArray err;
    for (const auto &frame : decoder.feed(logs.body)) {
        (frame.stream == LogStreamDecoder::Stream::Stderr ? err : out) += frame.payload;
    }
    QVERIFY(!decoder.failed());
    QCOMPARE(out, QByteArray("out-ahoy\n"));
    QCOMPARE(err, QByteArray("err-line\n"));

    // Stop twice (the second is a 304), then remove.
    const ReplyRecord stopped = run(m_client->stopContainer(id, 1));
    QVERIFY2(!stopped.error, qPrintable(stopped.errorString));
    QCOMPARE(stopped.status, 204);
    const ReplyRecord stoppedAgain = run(m_client->stopContainer(id, 1));
    QVERIFY2(!stoppedAgain.error, qPrintable(stoppedAgain.errorString));
    QCOMPARE(stoppedAgain.status, 304);
    const ReplyRecord removed = run(m_client->removeContainer(id));
    QVERIFY2(!removed.error, qPrintable(removed.errorString));
    QCOMPARE(removed.status, 204);
}

void TestDockerClient::testNameConflictShowsEngineMessage()
{
    const QString name = uniqueName(QStringLiteral("twin"));
    const QJsonObject spec = containerSpec({QStringLiteral("true")});
    const ReplyRecord first = run(m_client->createContainer(name, spec));
    QVERIFY2(!first.error, qPrintable(first.errorString));

    const ReplyRecord second = run(m_client->createContainer(name, spec));

    QCOMPARE(second.status, 409);
    QCOMPARE(second.kind, Kind::HttpError);
    QVERIFY2(second.engineMessage.contains(
                 QStringLiteral("The container name \"/%1\" is already in use").arg(name)),
             qPrintable(second.engineMessage));
    QVERIFY(!second.errorString.contains(QStringLiteral("{\"message\"")));
    QVERIFY(second.errorString.startsWith(QStringLiteral("POST /containers/create?name=")));
}

void TestDockerClient::testNoSuchContainer()
{
    const QString ghost = uniqueName(QStringLiteral("ghost"));
    const ReplyRecord record = run(m_client->inspectContainer(ghost));

    QCOMPARE(record.status, 404);
    QCOMPARE(record.engineMessage, QStringLiteral("No such container: %1").arg(ghost));
}

void TestDockerClient::testPullFromUnreachableRegistryFailsQuickly()
{
    // A registry address on this machine that nothing listens on: the engine's attempt stays
    // on 127.0.0.1 and fails at once.
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    m_client->setRequestTimeout(30000);
    const QString image = QStringLiteral("127.0.0.1:%1/shoaltest-engine-missing").arg(closedPort);

    QElapsedTimer clock;
    clock.start();
    const ReplyRecord record = run(m_client->pullImage(image, QStringLiteral("1")), 40000);
    m_client->setRequestTimeout(DockerClient::DefaultRequestTimeoutMs);

    QVERIFY(record.finished);
    QVERIFY(record.error);
    QVERIFY2(record.kind == Kind::HttpError || record.kind == Kind::StreamError,
             qPrintable(record.errorString));
    QVERIFY2(record.engineMessage.contains(QStringLiteral("127.0.0.1:%1").arg(closedPort)),
             qPrintable(record.engineMessage));
    QVERIFY(clock.elapsed() < 30000);
}

void TestDockerClient::testEventsStreamSeesStart()
{
    // Given an events stream filtered by a label only this test uses,
    const QString marker = uniqueName(QStringLiteral("events"));
    QJsonObject spec = containerSpec({QStringLiteral("sleep"), QStringLiteral("300")});
    QJsonObject labels = spec.value("Labels").toObject();
    labels.insert(QStringLiteral("shoaltest-engine.marker"), marker);
    spec.insert(QStringLiteral("Labels"), labels);
    ReplyRecorder events(m_client->events({QStringLiteral("shoaltest-engine.marker=") + marker},
                                          QDateTime::currentSecsSinceEpoch() - 1));

    // when a container with that label is created and started,
    const QString id = createAndStart(marker, spec);
    QVERIFY(!id.isEmpty());

    // then the stream reports its start.
    const bool sawStart = events.waitUntil(
        [&id](const ReplyRecord &record) {
            for (const QByteArray &line : record.lines) {
                const QJsonObject event = QJsonDocument::fromJson(line).object();
                if (event.value("Action").toString() == QLatin1String("start") &&
                    event.value("Actor").toObject().value("ID").toString() == id) {
                    return true;
                }
            }
            return false;
        },
        15000);
    if (events.reply()) {
        events.reply()->abort();
    }
    QVERIFY2(sawStart,
             qPrintable(QStringLiteral("%1 events seen").arg(events.record().lines.size())));
    QCOMPARE(events.record().kind, Kind::Cancelled);
}

void TestDockerClient::testNetworks()
{
    const QString name = uniqueName(QStringLiteral("net"));
    const ReplyRecord created = run(m_client->createNetwork(name, {{SuiteLabel, m_suiteValue}}));
    QVERIFY2(!created.error, qPrintable(created.errorString));
    QCOMPARE(created.status, 201);

    const ReplyRecord listed =
        run(m_client->listNetworks({SuiteLabel + QLatin1Char('=') + m_suiteValue}));
    QVERIFY2(!listed.error, qPrintable(listed.errorString));
    const QJsonArray networks = QJsonDocument::fromJson(listed.body).array();
    QCOMPARE(networks.size(), 1);
    QCOMPARE(networks.at(0).toObject().value("Name").toString(), name);

    const ReplyRecord removed = run(m_client->removeNetwork(name));
    QVERIFY2(!removed.error, qPrintable(removed.errorString));
    QCOMPARE(removed.status, 204);
}

void TestDockerClient::testImagesVolumesAndInfo()
{
    // The test image is found by its label
    const ReplyRecord images = run(m_client->listImages({SuiteLabel + QStringLiteral("=image")}));
    QVERIFY2(!images.error, qPrintable(images.errorString));
    const QJsonArray found = QJsonDocument::fromJson(images.body).array();
    QCOMPARE(found.size(), 1);
    QVERIFY(found.at(0).toObject().value("RepoTags").toArray().contains(ImageTag));

    // A volume with labels can be created, listed by label and removed
    const QString volume = uniqueName(QStringLiteral("vol"));
    const ReplyRecord created = run(m_client->createVolume(volume, {{SuiteLabel, m_suiteValue}}));
    QVERIFY2(!created.error, qPrintable(created.errorString));
    const ReplyRecord listed =
        run(m_client->listVolumes({SuiteLabel + QLatin1Char('=') + m_suiteValue}));
    const QJsonArray volumes =
        QJsonDocument::fromJson(listed.body).object().value("Volumes").toArray();
    QCOMPARE(volumes.size(), 1);
    QCOMPARE(volumes.at(0).toObject().value("Name").toString(), volume);
    const ReplyRecord removed = run(m_client->removeVolume(volume));
    QVERIFY2(!removed.error, qPrintable(removed.errorString));
    QCOMPARE(run(m_client->removeVolume(volume)).status, 404);

    // /info tells the CPUs and the swarm state the window shows
    const QJsonObject info = QJsonDocument::fromJson(run(m_client->info()).body).object();
    QVERIFY(info.value("NCPU").toInt() >= 1);
    QVERIFY(info.value("Swarm").toObject().contains("LocalNodeState"));
}

QTEST_GUILESS_MAIN(TestDockerClient)
#include "tst_dockerclient.moc"
