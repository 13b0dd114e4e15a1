#include "../proxy/testpeers.h"
#include "../support/enginetestsupport.h"

#include <QFile>
#include <QProcess>
#include <QTest>

#include <map>

using namespace ProxyTest;
using namespace Qt::StringLiterals;

// `shoal proxy` as a user runs it, against small backends in this process; no engine.
class TestProxyCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testBackendWeightsMakeItWeighted();
    void testBadWeightIsAUsageError_data();
    void testBadWeightIsAUsageError();
    void testUsageErrorsNameTheProblem_data();
    void testUsageErrorsNameTheProblem();
    void testLoadsNoWindowLibraries();
};

namespace {

const QString ShoalBinary = QStringLiteral(SHOAL_BINARY_DIR "/app/shoal");

} // namespace

void TestProxyCommand::testBackendWeightsMakeItWeighted()
{
    // Given two backends, the first weighted 3, and no --balance
    Backend heavy(Backend::serving("heavy"));
    Backend light(Backend::serving("light"));
    const quint16 port = Shoal::Test::freeLoopbackPort();
    QProcess proxy;
    proxy.start(ShoalBinary,
                {u"proxy"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port), u"--backends"_s,
                 u"127.0.0.1:%1=3,127.0.0.1:%2"_s.arg(heavy.port()).arg(light.port()),
                 u"--workers"_s, u"1"_s});
    QVERIFY(proxy.waitForReadyRead(10000));
    QVERIFY2(proxy.readAllStandardOutput().contains("listening"), "proxy did not start");

    // When one keep-alive client sends 40 requests
    std::vector<std::string> bodies;
    {
        Peer client(Peer::connectTo(port));
        for (int i = 0; i < 40; ++i) {
            Peer::Response response;
            QVERIFY(client.write("GET / HTTP/1.1\r\nHost: cli.test\r\n\r\n"));
            QVERIFY(client.readResponse(response));
            bodies.push_back(response.body);
        }
    }
    proxy.terminate();
    QVERIFY(proxy.waitForFinished(10000));

    // Then they are spread 3:1, interleaved
    QCOMPARE(std::vector<std::string>(bodies.begin(), bodies.begin() + 4),
             std::vector<std::string>({"heavy", "heavy", "light", "heavy"}));
    std::map<std::string, int> served;
    for (const std::string &body : bodies) {
        ++served[body];
    }
    QCOMPARE(served["heavy"], 30);
    QCOMPARE(served["light"], 10);
}

void TestProxyCommand::testBadWeightIsAUsageError_data()
{
    QTest::addColumn<QString>("backends");
    QTest::newRow("zero") << u"127.0.0.1:3001=0"_s;
    QTest::newRow("too large") << u"127.0.0.1:3001=101"_s;
    QTest::newRow("not a number") << u"127.0.0.1:3001=heavy"_s;
    QTest::newRow("empty") << u"127.0.0.1:3001="_s;
}

void TestProxyCommand::testBadWeightIsAUsageError()
{
    QFETCH(QString, backends);

    QProcess proxy;
    proxy.start(ShoalBinary,
                {u"proxy"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--backends"_s, backends});
    QVERIFY(proxy.waitForFinished(10000));

    QCOMPARE(proxy.exitCode(), 2);
    QVERIFY2(proxy.readAllStandardError().contains("invalid weight"), qPrintable(backends));
}

void TestProxyCommand::testUsageErrorsNameTheProblem_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("unknown option") << QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--bogus"_s}
                                    << QByteArray("unknown option --bogus");
    QTest::newRow("no backends") << QStringList{u"--listen"_s, u"127.0.0.1:0"_s}
                                 << QByteArray("--backends is required");
    QTest::newRow("option without value")
        << QStringList{u"--backends"_s, u"127.0.0.1:3001"_s, u"--listen"_s}
        << QByteArray("--listen needs a value");
    QTest::newRow("host name as backend")
        << QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--backends"_s, u"shop.test:80"_s}
        << QByteArray("invalid backend shop.test:80: expected an IP address or localhost");
}

void TestProxyCommand::testUsageErrorsNameTheProblem()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, message);

    QProcess proxy;
    proxy.start(ShoalBinary, QStringList{u"proxy"_s} + arguments);
    QVERIFY(proxy.waitForFinished(10000));

    QCOMPARE(proxy.exitCode(), 2);
    const QByteArray errors = proxy.readAllStandardError();
    QVERIFY2(errors.contains(message), errors.constData());
}

void TestProxyCommand::testLoadsNoWindowLibraries()
{
    // Given a running `shoal proxy`
    Backend backend(Backend::serving("only"));
    const quint16 port = Shoal::Test::freeLoopbackPort();
    QProcess proxy;
    proxy.start(ShoalBinary, {u"proxy"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port),
                              u"--backends"_s, u"127.0.0.1:%1"_s.arg(backend.port())});
    QVERIFY(proxy.waitForReadyRead(10000));

    // When its memory map is read
    QFile maps(u"/proc/%1/maps"_s.arg(proxy.processId()));
    QVERIFY2(maps.open(QIODevice::ReadOnly), qPrintable(maps.errorString()));
    const QByteArray mapped = maps.readAll();
    proxy.terminate();
    QVERIFY(proxy.waitForFinished(10000));

    // Then the window's libraries are not in it (they live in libshoal-window.so, which only
    // the window path loads): the proxy's memory target leaves no room for them
    QVERIFY(mapped.contains("libQt6Core"));
    for (const char *library : {"libQt6Widgets", "libQt6Gui", "libQt6Charts", "shoal-window"}) {
        QVERIFY2(!mapped.contains(library), library);
    }
}

QTEST_GUILESS_MAIN(TestProxyCommand)
#include "tst_proxycommand.moc"
