#include "../support/dockerdcontrol.h"
#include "../support/enginetestsupport.h"

#include <core/engine/dockerclient.h>

#include <QLocalSocket>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Shoal::Core;
using namespace Shoal::Test;
using namespace Qt::StringLiterals;

// The TCP and TLS transports against the real engine. Plain TCP goes through a forwarder
// in this process (127.0.0.1 to the engine's unix socket). TLS restarts dockerd with a
// second listener on 127.0.0.1 that verifies clients with certificates made here.
class TestEngineTransports : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testPlainTcp();
    void testTlsWithTheRightCa();
    void testTlsRefusesAWrongCa();
    void cleanupTestCase();

private:
    bool makeCertificates();
    bool startTlsListener();
    bool negotiate(DockerClient &client, QString *failure);

    QTemporaryDir m_dir;
    quint16 m_tlsPort = 0;
    bool m_restarted = false;
};

namespace {

// Pipes each accepted TCP connection to the engine's unix socket.
class SocketForwarder : public QTcpServer
{
public:
    void incomingConnection(qintptr descriptor) override
    {
        auto *client = new QTcpSocket(this);
        client->setSocketDescriptor(descriptor);
        auto *engine = new QLocalSocket(client);
        engine->connectToServer(u"/var/run/docker.sock"_s);
        connect(client, &QTcpSocket::readyRead, engine,
                [client, engine] { engine->write(client->readAll()); });
        connect(engine, &QLocalSocket::readyRead, client,
                [client, engine] { client->write(engine->readAll()); });
        connect(engine, &QLocalSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
    }
};

bool run(const QString &directory, const QString &command)
{
    QProcess shell;
    shell.setWorkingDirectory(directory);
    shell.start(u"sh"_s, {u"-c"_s, command});
    return shell.waitForFinished(60000) && shell.exitCode() == 0;
}

} // namespace

bool TestEngineTransports::negotiate(DockerClient &client, QString *failure)
{
    QSignalSpy connected(&client, &DockerClient::connected);
    QSignalSpy lost(&client, &DockerClient::engineLost);
    client.negotiate();
    QElapsedTimer timer;
    timer.start();
    while (connected.isEmpty() && lost.isEmpty() && timer.elapsed() < 15000) {
        QTest::qWait(50);
    }
    if (!lost.isEmpty()) {
        *failure = lost.first().at(0).toString();
    }
    return !connected.isEmpty();
}

void TestEngineTransports::testPlainTcp()
{
    SocketForwarder forwarder;
    QVERIFY(forwarder.listen(QHostAddress::LocalHost, 0));
    const EndpointResolution resolution =
        parseEngineAddress(u"tcp://127.0.0.1:%1"_s.arg(forwarder.serverPort()), false, {});
    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));

    DockerClient client(resolution.endpoint);
    QString failure;
    QVERIFY2(negotiate(client, &failure), qPrintable(failure));
    EngineReply *info = client.get(u"/info"_s);
    QVERIFY(waitFor(info));
    QVERIFY(info->json().object().value(u"NCPU").toInt() > 0);
}

bool TestEngineTransports::makeCertificates()
{
    // Two CAs: the one dockerd trusts and the server is signed by, and a stranger.
    const QString script = uR"(
set -e
mkdir -p right wrong server
for ca in right wrong; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=shoaltest $ca CA" \
    -keyout $ca/ca-key.pem -out $ca/ca.pem 2>/dev/null
done
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout server/key.pem -out server/req.pem 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server/ext.cnf
openssl x509 -req -days 2 -in server/req.pem -CA right/ca.pem -CAkey right/ca-key.pem \
  -CAcreateserial -extfile server/ext.cnf -out server/cert.pem 2>/dev/null
for ca in right wrong; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=shoal client" \
    -keyout $ca/key.pem -out $ca/req.pem 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > $ca/ext.cnf
  openssl x509 -req -days 2 -in $ca/req.pem -CA right/ca.pem -CAkey right/ca-key.pem \
    -CAcreateserial -extfile $ca/ext.cnf -out $ca/cert.pem 2>/dev/null
done
)"_s;
    return run(m_dir.path(), script);
}

bool TestEngineTransports::startTlsListener()
{
    if (m_restarted) {
        return true;
    }
    m_tlsPort = freeLoopbackPort();
    const QString server = m_dir.filePath(u"server"_s);
    const QString arguments =
        u"-H unix:///var/run/docker.sock -H tcp://127.0.0.1:%1 --tlsverify "
        "--tlscacert %2/ca.pem --tlscert %3/cert.pem --tlskey %3/key.pem"_s.arg(m_tlsPort)
            .arg(m_dir.filePath(u"right"_s), server);
    m_restarted = true;
    return Dockerd::stop() && Dockerd::start(arguments);
}

void TestEngineTransports::testTlsWithTheRightCa()
{
    const QString reason = Dockerd::whyNotRestartable();
    if (!reason.isEmpty()) {
        QSKIP(qPrintable(reason));
    }
    QVERIFY(makeCertificates());
    QVERIFY(startTlsListener());

    // Given DOCKER_CERT_PATH-style files signed by the CA dockerd trusts
    const EndpointResolution resolution = parseEngineAddress(u"tcp://127.0.0.1:%1"_s.arg(m_tlsPort),
                                                             true, m_dir.filePath(u"right"_s));
    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));
    QCOMPARE(resolution.endpoint.kind, EngineEndpoint::Kind::Tls);

    // Then the engine answers over TLS
    DockerClient client(resolution.endpoint);
    QString failure;
    QVERIFY2(negotiate(client, &failure), qPrintable(failure));
    EngineReply *version = client.get(u"/version"_s);
    QVERIFY(waitFor(version));
    QVERIFY(!version->json().object().value(u"ApiVersion").toString().isEmpty());
}

void TestEngineTransports::testTlsRefusesAWrongCa()
{
    const QString reason = Dockerd::whyNotRestartable();
    if (!reason.isEmpty() && !m_restarted) {
        QSKIP(qPrintable(reason));
    }
    QVERIFY(startTlsListener());

    // Given a client that trusts another CA than the one that signed the server
    const QString wrong = m_dir.filePath(u"wrong"_s);
    const EndpointResolution resolution =
        parseEngineAddress(u"tcp://127.0.0.1:%1"_s.arg(m_tlsPort), true, wrong);

    // Then the connection is refused, and the message says why
    DockerClient client(resolution.endpoint);
    QString failure;
    QVERIFY(!negotiate(client, &failure));
    QVERIFY2(failure.contains(u"certificate"_s, Qt::CaseInsensitive), qPrintable(failure));
}

void TestEngineTransports::cleanupTestCase()
{
    if (m_restarted) {
        QVERIFY(Dockerd::stop());
        QVERIFY(Dockerd::start());
    }
}

QTEST_GUILESS_MAIN(TestEngineTransports)
#include "tst_enginetransports.moc"
