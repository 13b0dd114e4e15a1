#include <core/engine/engineendpoint.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Shoal::Core;
using Kind = EngineEndpoint::Kind;

namespace {

const char *const DockerVariables[] = {"DOCKER_HOST",      "DOCKER_TLS_VERIFY", "DOCKER_TLS",
                                       "DOCKER_CERT_PATH", "DOCKER_CONTEXT",    "DOCKER_CONFIG"};

void writeFile(const QString &path, const QByteArray &content)
{
    QVERIFY(QDir().mkpath(QFileInfo(path).path()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
}

QString contextDigest(const QString &name)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(name.toUtf8(), QCryptographicHash::Sha256).toHex());
}

} // namespace

class TestEngineEndpoint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void testParseAddress_data();
    void testParseAddress();
    void testDockerHostWithTls();
    void testExplicitAddressWinsOverDockerHost();
    void testCurrentContextFromConfig();
    void testDockerContextVariableWinsOverConfig();
    void testMissingContextIsAnError();
    void testDefaultContextMeansDefaultSocket();
    void testDefaultSocketWithoutAnything();
    void testEngineChoiceByContextOrAddress();

private:
    std::unique_ptr<QTemporaryDir> m_config;
    QMap<QByteArray, QByteArray> m_saved;
};

void TestEngineEndpoint::init()
{
    for (const char *name : DockerVariables) {
        if (qEnvironmentVariableIsSet(name)) {
            m_saved.insert(name, qgetenv(name));
        }
        qunsetenv(name);
    }
    // Every case reads a config folder of its own, never the user's ~/.docker.
    m_config = std::make_unique<QTemporaryDir>();
    QVERIFY(m_config->isValid());
    qputenv("DOCKER_CONFIG", QFile::encodeName(m_config->path()));
}

void TestEngineEndpoint::cleanup()
{
    for (const char *name : DockerVariables) {
        qunsetenv(name);
    }
    for (auto it = m_saved.cbegin(); it != m_saved.cend(); ++it) {
        qputenv(it.key().constData(), it.value());
    }
    m_saved.clear();
    m_config.reset();
}

void TestEngineEndpoint::testParseAddress_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("where");

    QTest::newRow("unix socket") << "unix:///run/user/1000/docker.sock" << false << QString()
                                 << int(Kind::Unix) << "unix:///run/user/1000/docker.sock";
    QTest::newRow("tcp with port") << "tcp://127.0.0.1:23750" << false << QString()
                                   << int(Kind::Tcp) << "tcp://127.0.0.1:23750";
    QTest::newRow("tcp default port")
        << "tcp://localhost" << false << QString() << int(Kind::Tcp) << "tcp://localhost:2375";
    QTest::newRow("tls default port")
        << "tcp://localhost" << true << QString() << int(Kind::Tls) << "tcp://localhost:2376";
    QTest::newRow("ipv6 loopback")
        << "tcp://[::1]:2999" << false << QString() << int(Kind::Tcp) << "tcp://[::1]:2999";
    QTest::newRow("trailing slash") << "tcp://127.0.0.1:2375/" << false << QString()
                                    << int(Kind::Tcp) << "tcp://127.0.0.1:2375";
    QTest::newRow("ssh is refused with a way out")
        << "ssh://deploy@build-box" << false
        << "ssh:// engine addresses are not supported; forward the socket with ssh -L" << 0
        << QString();
    QTest::newRow("relative unix path")
        << "unix://docker.sock" << false << "absolute socket path" << 0 << QString();
    QTest::newRow("unknown scheme") << "npipe:////./pipe/docker_engine" << false
                                    << "unsupported engine address" << 0 << QString();
    QTest::newRow("no scheme") << "/var/run/docker.sock" << false << "unsupported engine address"
                               << 0 << QString();
    QTest::newRow("tcp with a path")
        << "tcp://127.0.0.1:2375/engine" << false << "expected tcp://host:port" << 0 << QString();
    QTest::newRow("tcp with a bad port")
        << "tcp://127.0.0.1:99999" << false << "expected tcp://host:port" << 0 << QString();
}

void TestEngineEndpoint::testParseAddress()
{
    QFETCH(QString, address);
    QFETCH(bool, tls);
    QFETCH(QString, error);
    QFETCH(int, kind);
    QFETCH(QString, where);

    const EndpointResolution resolution =
        parseEngineAddress(address, tls, QStringLiteral("/certs"));

    if (!error.isEmpty()) {
        QVERIFY2(resolution.error.contains(error), qPrintable(resolution.error));
        return;
    }
    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));
    QCOMPARE(int(resolution.endpoint.kind), kind);
    QCOMPARE(resolution.endpoint.toString(), where);
}

void TestEngineEndpoint::testDockerHostWithTls()
{
    qputenv("DOCKER_HOST", "tcp://127.0.0.1:2376");
    qputenv("DOCKER_TLS_VERIFY", "1");
    qputenv("DOCKER_CERT_PATH", "/etc/shoaltest-engine/certs");

    const EndpointResolution resolution = resolveEngineEndpoint();

    QCOMPARE(resolution.source, QStringLiteral("DOCKER_HOST"));
    QCOMPARE(resolution.endpoint.kind, Kind::Tls);
    QCOMPARE(resolution.endpoint.certPath, QStringLiteral("/etc/shoaltest-engine/certs"));
    QVERIFY(resolution.endpoint.verifyPeer);

    qunsetenv("DOCKER_CERT_PATH");
    QCOMPARE(resolveEngineEndpoint().endpoint.certPath, m_config->path());

    qunsetenv("DOCKER_TLS_VERIFY");
    qputenv("DOCKER_TLS", "1");
    const EndpointResolution unverified = resolveEngineEndpoint();
    QCOMPARE(unverified.endpoint.kind, Kind::Tls);
    QVERIFY(!unverified.endpoint.verifyPeer);
}

void TestEngineEndpoint::testExplicitAddressWinsOverDockerHost()
{
    qputenv("DOCKER_HOST", "tcp://127.0.0.1:2375");

    const EndpointResolution resolution =
        resolveEngineEndpoint(QStringLiteral("unix:///tmp/shoaltest-engine.sock"));

    QCOMPARE(resolution.source, QStringLiteral("flag"));
    QCOMPARE(resolution.endpoint.socketPath, QStringLiteral("/tmp/shoaltest-engine.sock"));
}

void TestEngineEndpoint::testCurrentContextFromConfig()
{
    // Given a config whose current context points at a TLS engine on localhost,
    const QString name = QStringLiteral("lab-bench");
    const QDir config(m_config->path());
    writeFile(config.filePath(QStringLiteral("config.json")),
              R"({"auths": {}, "currentContext": "lab-bench"})");
    writeFile(
        config.filePath(QStringLiteral("contexts/meta/%1/meta.json").arg(contextDigest(name))),
        R"({"Name": "lab-bench", "Metadata": {},
                  "Endpoints": {"docker": {"Host": "tcp://127.0.0.1:12376",
                                           "SkipTLSVerify": false}}})");
    const QString tlsDir =
        config.filePath(QStringLiteral("contexts/tls/%1/docker").arg(contextDigest(name)));
    writeFile(tlsDir + QStringLiteral("/ca.pem"), "not checked here");

    // when the endpoint is resolved,
    const EndpointResolution resolution = resolveEngineEndpoint();

    // then it is that context's engine, with the context's TLS folder.
    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));
    QCOMPARE(resolution.source, QStringLiteral("context lab-bench"));
    QCOMPARE(resolution.endpoint.kind, Kind::Tls);
    QCOMPARE(resolution.endpoint.port, quint16(12376));
    QCOMPARE(resolution.endpoint.certPath, tlsDir);
}

void TestEngineEndpoint::testDockerContextVariableWinsOverConfig()
{
    const QDir config(m_config->path());
    writeFile(config.filePath(QStringLiteral("config.json")), R"({"currentContext": "other"})");
    writeFile(config.filePath(
                  QStringLiteral("contexts/meta/%1/meta.json").arg(contextDigest("rootless"))),
              R"({"Name": "rootless",
                  "Endpoints": {"docker": {"Host": "unix:///run/user/4242/docker.sock"}}})");
    qputenv("DOCKER_CONTEXT", "rootless");

    const EndpointResolution resolution = resolveEngineEndpoint();

    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));
    QCOMPARE(resolution.endpoint.kind, Kind::Unix);
    QCOMPARE(resolution.endpoint.socketPath, QStringLiteral("/run/user/4242/docker.sock"));
}

void TestEngineEndpoint::testMissingContextIsAnError()
{
    qputenv("DOCKER_CONTEXT", "vanished");

    const EndpointResolution resolution = resolveEngineEndpoint();

    QVERIFY(resolution.error.contains(QStringLiteral("docker context \"vanished\" not found")));
}

void TestEngineEndpoint::testDefaultContextMeansDefaultSocket()
{
    writeFile(QDir(m_config->path()).filePath(QStringLiteral("config.json")),
              R"({"currentContext": "default"})");

    const EndpointResolution resolution = resolveEngineEndpoint();

    QVERIFY(resolution.error.isEmpty());
    QCOMPARE(resolution.source, QStringLiteral("default"));
    QCOMPARE(resolution.endpoint.socketPath, QStringLiteral("/var/run/docker.sock"));
}

void TestEngineEndpoint::testDefaultSocketWithoutAnything()
{
    const EndpointResolution resolution = resolveEngineEndpoint();

    QVERIFY(resolution.error.isEmpty());
    QCOMPARE(resolution.source, QStringLiteral("default"));
    QCOMPARE(resolution.endpoint.toString(), QStringLiteral("unix:///var/run/docker.sock"));
}

void TestEngineEndpoint::testEngineChoiceByContextOrAddress()
{
    // Given one context besides the default, and DOCKER_HOST naming another engine
    const QDir config(m_config->path());
    writeFile(config.filePath(
                  QStringLiteral("contexts/meta/%1/meta.json").arg(contextDigest("rootless"))),
              R"({"Name": "rootless",
                  "Endpoints": {"docker": {"Host": "unix:///run/user/4242/docker.sock"}}})");
    qputenv("DOCKER_HOST", "tcp://127.0.0.1:2375");

    // Then the contexts are listed, default first
    QCOMPARE(dockerContextNames(), QStringList({"default", "rootless"}));

    // And a name picks its context, an address is taken as it is, "default" is the local
    // socket whatever DOCKER_HOST says, and nothing means the usual order
    QCOMPARE(resolveEngineChoice(QStringLiteral("rootless")).endpoint.socketPath,
             QStringLiteral("/run/user/4242/docker.sock"));
    QCOMPARE(resolveEngineChoice(QStringLiteral("unix:///tmp/shoaltest.sock")).endpoint.toString(),
             QStringLiteral("unix:///tmp/shoaltest.sock"));
    QCOMPARE(resolveEngineChoice(QStringLiteral("default")).endpoint.toString(),
             QStringLiteral("unix:///var/run/docker.sock"));
    QCOMPARE(resolveEngineChoice(QString()).endpoint.toString(),
             QStringLiteral("tcp://127.0.0.1:2375"));
    QVERIFY(resolveEngineChoice(QStringLiteral("vanished")).error.contains(u"not found"));
}

QTEST_GUILESS_MAIN(TestEngineEndpoint)
#include "tst_engineendpoint.moc"
