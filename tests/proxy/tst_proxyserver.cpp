#include "testpeers.h"

#include <core/proxy/proxyserver.h>

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>

using namespace Shoal::Core;
using ProxyTest::Backend;
using ProxyTest::Peer;

namespace {

ProxyBackend backendAt(const QString &id, quint16 port)
{
    ProxyBackend backend;
    backend.id = id;
    backend.port = port;
    return backend;
}

std::string get(const std::string &path, const std::string &extra = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: shop.test\r\n" + extra + "\r\n";
}

long residentKiB()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return 0;
}

/// A port on which nothing listens (bound, then closed).
quint16 deadPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

} // namespace

class TestProxyServer : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ProxyServer> startProxy(const QList<ProxyBackend> &backends,
                                            ProxyConfig config = {})
    {
        auto proxy = std::make_unique<ProxyServer>(config);
        proxy->setBackends(backends);
        if (!proxy->start()) {
            return nullptr;
        }
        return proxy;
    }

    /// Sends `request` on a new connection to the proxy and reads one response.
    static bool exchangeOnce(quint16 proxyPort, const std::string &request,
                             Peer::Response &response)
    {
        Peer client(Peer::connectTo(proxyPort));
        return client.write(request) && client.readResponse(response);
    }

private Q_SLOTS:
    void testRoundRobinIsExactlyEven()
    {
        // Given three backends that answer with their names
        Backend a(Backend::serving("A"));
        Backend b(Backend::serving("B"));
        Backend c(Backend::serving("C"));
        ProxyConfig config;
        config.workerCount = 2;
        const QList<ProxyBackend> three = {backendAt("a", a.port()), backendAt("b", b.port()),
                                           backendAt("c", c.port())};
        auto proxy = startProxy(three, config);
        QVERIFY(proxy);

        // When 30 requests arrive, over several keep-alive client connections
        std::map<std::string, int> seen;
        for (int connection = 0; connection < 5; ++connection) {
            Peer client(Peer::connectTo(proxy->serverPort()));
            for (int i = 0; i < 6; ++i) {
                QVERIFY(client.write(get("/who")));
                Peer::Response response;
                QVERIFY(client.readResponse(response));
                QCOMPARE(response.status, 200);
                ++seen[response.body];
            }
        }

        // Then each backend served exactly ten
        QCOMPARE(seen["A"], 10);
        QCOMPARE(seen["B"], 10);
        QCOMPARE(seen["C"], 10);
    }

    void testSecondProxyCannotTakeTheSamePort()
    {
        // Given a proxy with several workers on a port
        Backend a(Backend::serving("A"));
        ProxyConfig config;
        config.workerCount = 2;
        auto first = startProxy({backendAt("a", a.port())}, config);
        QVERIFY(first);

        // When another proxy (say, a second stack publishing the same port) asks for it
        ProxyConfig same = config;
        same.listenPort = first->serverPort();
        ProxyServer second(same);
        second.setBackends({backendAt("a", a.port())});

        // Then it is refused, naming the port, and the first keeps every connection
        QVERIFY(!second.start());
        QVERIFY2(second.errorString().contains(QString::number(same.listenPort)),
                 qPrintable(second.errorString()));
        for (int i = 0; i < 4; ++i) {
            Peer client(Peer::connectTo(first->serverPort()));
            QVERIFY(client.write(get("/n")));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.status, 200);
        }
    }

    void testUpstreamConnectionsAreReused()
    {
        Backend a(Backend::serving("A"));
        ProxyConfig config;
        config.workerCount = 1;
        auto proxy = startProxy({backendAt("a", a.port())}, config);
        QVERIFY(proxy);
        for (int connection = 0; connection < 4; ++connection) {
            Peer client(Peer::connectTo(proxy->serverPort()));
            for (int i = 0; i < 5; ++i) {
                QVERIFY(client.write(get("/n")));
                Peer::Response response;
                QVERIFY(client.readResponse(response));
                QCOMPARE(response.body, std::string("A"));
            }
        }
        QCOMPARE(a.accepted(), 1);
    }

    void testPipelinedRequestsAreAnsweredInOrder()
    {
        Backend echo([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                const std::string path = head.substr(4, head.find(' ', 4) - 4);
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " +
                                 std::to_string(path.size()) + "\r\n\r\n" + path);
            }
        });
        auto proxy = startProxy({backendAt("e", echo.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write(get("/one") + get("/two") + get("/three")));
        for (const char *expected : {"/one", "/two", "/three"}) {
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.body, std::string(expected));
        }
    }

    void testLargeChunkedBodyStreamsWithFlatMemory()
    {
        // Given a backend that generates 100 MB as chunks, never all at once
        constexpr std::size_t ChunkBytes = 64 * 1024;
        constexpr std::size_t Chunks = 1600;
        Backend producer([&](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            if (!self.readRequest(connection, head, body)) {
                return;
            }
            connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            const std::string chunk = "10000\r\n" + std::string(ChunkBytes, 'x') + "\r\n";
            for (std::size_t i = 0; i < Chunks; ++i) {
                if (!connection.write(chunk)) {
                    return;
                }
            }
            connection.write("0\r\n\r\n");
        });
        auto proxy = startProxy({backendAt("p", producer.port())});
        QVERIFY(proxy);
        const long before = residentKiB();

        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write(get("/big")));
        std::string head;
        QVERIFY(client.readHead(head));
        QCOMPARE(Peer::fieldOf(head, "transfer-encoding"), std::string("chunked"));
        // Count the bytes as they arrive and drop them; the framing is passed through as is.
        std::size_t wireBytes = client.buffer().size();
        const std::size_t expectedWire = Chunks * (ChunkBytes + 9) + 5;
        std::string &buffer = client.buffer();
        while (wireBytes < expectedWire) {
            buffer.clear();
            QVERIFY(client.fill());
            wireBytes += buffer.size();
        }
        QCOMPARE(wireBytes, expectedWire);
        QCOMPARE(client.buffer().substr(client.buffer().size() - 5), std::string("0\r\n\r\n"));
        const long growthKiB = residentKiB() - before;
        QVERIFY2(growthKiB < 30 * 1024, qPrintable(QString::number(growthKiB)));
    }

    void testNoBackendsAnswers503()
    {
        auto proxy = startProxy({});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write(get("/")));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 503);
        // The connection stays usable: the next request gets the same answer.
        QVERIFY(client.write(get("/")));
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 503);
    }

    void testRefusingBackendCostsNoClientFailure()
    {
        Backend a(Backend::serving("A"));
        Backend b(Backend::serving("B"));
        auto proxy = startProxy(
            {backendAt("a", a.port()), backendAt("down", deadPort()), backendAt("b", b.port())});
        QVERIFY(proxy);
        std::map<std::string, int> seen;
        for (int i = 0; i < 30; ++i) {
            Peer client(Peer::connectTo(proxy->serverPort()));
            QVERIFY(client.write(get("/")));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.status, 200);
            ++seen[response.body];
        }
        QCOMPARE(seen["A"] + seen["B"], 30);
        QVERIFY(seen["A"] >= 10 && seen["B"] >= 10);
    }

    void testStalePooledConnectionIsRetried()
    {
        // Given a backend that drops a kept-alive connection when its second request comes
        Backend flaky([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            if (!self.readRequest(connection, head, body)) {
                return;
            }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
            if (self.readRequest(connection, head, body)) {
                ::shutdown(connection.fd(), SHUT_RDWR);
            }
        });
        ProxyConfig config;
        config.workerCount = 1;
        auto proxy = startProxy({backendAt("f", flaky.port())}, config);
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(client.write(get("/")));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            // Then the client never sees the dropped connection
            QCOMPARE(response.status, 200);
        }
        QCOMPARE(flaky.accepted(), 3);
    }

    void testBackendClosingIdleConnectionsIsHarmless()
    {
        Backend closer([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                pollfd p{connection.fd(), POLLIN, 0};
                if (::poll(&p, 1, 50) == 0) {
                    return; // idle for 50 ms: close, as keep-alive timeouts do
                }
            }
        });
        auto proxy = startProxy({backendAt("c", closer.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        for (int i = 0; i < 4; ++i) {
            QVERIFY(client.write(get("/")));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.status, 200);
            QTest::qWait(120);
        }
    }

    void testDrainLetsInFlightRequestFinish()
    {
        // Given a slow backend "a" (first in rotation) and a quick backend "b"
        std::atomic<bool> release{false};
        Backend slow([&release](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                for (int i = 0; i < 100 && !release; ++i) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
            }
        });
        Backend quick(Backend::serving("B"));
        auto proxy = startProxy({backendAt("a", slow.port()), backendAt("b", quick.port())});
        QVERIFY(proxy);
        QSignalSpy drained(proxy.get(), &ProxyServer::backendDrained);

        Peer::Response slowResponse;
        std::atomic<bool> slowDone{false};
        std::thread slowClient([&] {
            Peer client(Peer::connectTo(proxy->serverPort()));
            client.write(get("/export"));
            client.readResponse(slowResponse);
            slowDone = true;
        });
        const auto joinOnExit = qScopeGuard([&] {
            if (slowClient.joinable()) {
                slowClient.join();
            }
        });
        QTRY_COMPARE(proxy->counters().value(0).inFlight, quint64(1));

        // When "a" is drained while its request is in flight
        proxy->drainBackend("a");
        QCOMPARE(proxy->backends().size(), 1);
        std::map<std::string, int> seen;
        for (int i = 0; i < 10; ++i) {
            Peer client(Peer::connectTo(proxy->serverPort()));
            QVERIFY(client.write(get("/items")));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            ++seen[response.body];
        }
        // Then new requests go to "b" only, the slow one completes, and then "a" is drained
        QCOMPARE(seen["B"], 10);
        QTest::qWait(200);
        QVERIFY(drained.isEmpty());
        release = true;
        QTRY_VERIFY(slowDone.load());
        slowClient.join();
        QCOMPARE(slowResponse.status, 200);
        QTRY_COMPARE(drained.size(), 1);
        QCOMPARE(drained.at(0).at(0).toString(), QString("a"));
    }

    void testScaleToZeroAnswers503()
    {
        Backend a(Backend::serving("A"));
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        QSignalSpy drained(proxy.get(), &ProxyServer::backendDrained);
        proxy->setBackends({});
        QTRY_COMPARE(drained.size(), 1);
        Peer::Response response;
        QVERIFY(exchangeOnce(proxy->serverPort(), get("/"), response));
        QCOMPARE(response.status, 503);
    }

    void testCountersArePublished()
    {
        Backend a(Backend::serving("A"));
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        for (int i = 0; i < 7; ++i) {
            QVERIFY(client.write(get("/")));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
        }
        QSignalSpy updated(proxy.get(), &ProxyServer::countersUpdated);
        QTRY_VERIFY_WITH_TIMEOUT(
            !proxy->counters().isEmpty() && proxy->counters().at(0).requests == 7, 5000);
        const BackendCounters counters = proxy->counters().at(0);
        QCOMPARE(counters.id, QString("a"));
        QCOMPARE(counters.status2xx, quint64(7));
        QCOMPARE(counters.inFlight, quint64(0));
        QVERIFY(counters.bytesOut > 7 * 30);
        QVERIFY(counters.p50Ms > 0);
        QVERIFY(counters.p99Ms >= counters.p50Ms);
    }

    // Case 20: each ambiguous framing is refused before anything reaches a backend.
    void testSmugglingIsRefused_data()
    {
        QTest::addColumn<QByteArray>("request");
        const QByteArray head = "POST /api/cart HTTP/1.1\r\nHost: store.test\r\n";
        QTest::newRow("length-and-chunked")
            << head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX";
        const QByteArray lengths = "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd";
        QTest::newRow("two-lengths") << head + lengths;
        QTest::newRow("coding-not-chunked") << head + "Transfer-Encoding: deflate\r\n\r\nzz";
        QTest::newRow("space-before-colon")
            << head + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n";
        QTest::newRow("bad-chunk-line") << head + "Transfer-Encoding: chunked\r\n\r\n2\r1\r\n\r\n";
        QTest::newRow("signed-length") << head + "Content-Length: +3\r\n\r\nabc";
        QTest::newRow("two-numbers") << head + "Content-Length: 3 3\r\n\r\nabc";
        QTest::newRow("http10-chunked")
            << QByteArray("POST /x HTTP/1.0\r\nHost: store.test\r\nTransfer-Encoding: chunked\r\n"
                          "\r\n0\r\n\r\n");
        QTest::newRow("obs-fold") << head + "X-Note: one\r\n two\r\nContent-Length: 0\r\n\r\n";
        QTest::newRow("bare-cr") << head + "X-Note: a\rb\r\nContent-Length: 0\r\n\r\n";
        QTest::newRow("bad-name") << head + "X(Note): a\r\nContent-Length: 0\r\n\r\n";
        QTest::newRow("no-host") << QByteArray("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
    }

    void testSmugglingIsRefused()
    {
        QFETCH(QByteArray, request);
        Backend a(Backend::serving("A"));
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write(request.toStdString()));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 400);
        QCOMPARE(Peer::fieldOf(response.head, "connection"), std::string("close"));
        QVERIFY(client.closedWithin(2000));
        QCOMPARE(int(a.heads().size()), 0);

        // The pool is still sane: a normal request gets the normal answer.
        Peer next(Peer::connectTo(proxy->serverPort()));
        QVERIFY(next.write(get("/health")));
        QVERIFY(next.readResponse(response));
        QCOMPARE(response.body, std::string("A"));
    }

    void testRepeatedIdenticalLengthIsSafe()
    {
        Backend a(Backend::serving("A"));
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        Peer::Response response;
        QVERIFY(exchangeOnce(
            proxy->serverPort(),
            "POST /o HTTP/1.1\r\nHost: store.test\r\nContent-Length: 4, 4\r\n\r\nwxyz", response));
        if (response.status == 400) {
            return; // refusing is allowed too
        }
        QCOMPARE(response.status, 200);
        const std::string upstream = a.heads().at(0);
        QCOMPARE(Peer::fieldOf(upstream, "content-length"), std::string("4"));
    }

    // Case 24: hop-by-hop fields stay on their hop, in both directions.
    void testHopByHopFieldsAreRemoved()
    {
        Backend a([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 "Connection: close, X-Node\r\nKeep-Alive: timeout=3\r\n"
                                 "X-Node: n3\r\nX-Served: yes\r\n\r\nok");
                return;
            }
        });
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write(
            "GET /first HTTP/1.1\r\nHost: store.test\r\n"
            "Connection: keep-alive, X-Trace-Key\r\nKeep-Alive: timeout=9\r\n"
            "X-Trace-Key: hush\r\nTE: trailers, gzip\r\n"
            "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n"
            "Upgrade-Insecure-Requests: 1\r\nX-Forwarded-For: 10.1.1.1\r\n"
            "X-Correlation: c-7\r\n\r\n"));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("ok"));
        QCOMPARE(Peer::fieldOf(response.head, "x-served"), std::string("yes"));
        QVERIFY(Peer::fieldOf(response.head, "x-node").empty());
        QVERIFY(Peer::fieldOf(response.head, "keep-alive").empty());
        QVERIFY(Peer::fieldOf(response.head, "connection").empty());

        const std::string upstream = a.heads().at(0);
        QCOMPARE(Peer::fieldOf(upstream, "host"), std::string("store.test"));
        QCOMPARE(Peer::fieldOf(upstream, "upgrade-insecure-requests"), std::string("1"));
        QCOMPARE(Peer::fieldOf(upstream, "x-correlation"), std::string("c-7"));
        QCOMPARE(Peer::fieldOf(upstream, "x-forwarded-for"), std::string("10.1.1.1, 127.0.0.1"));
        QCOMPARE(Peer::fieldOf(upstream, "x-forwarded-proto"), std::string("http"));
        QCOMPARE(Peer::fieldOf(upstream, "x-forwarded-host"), std::string("store.test"));
        for (const char *gone : {"keep-alive", "x-trace-key", "te", "proxy-connection",
                                 "proxy-authorization", "connection", "upgrade"}) {
            QVERIFY2(Peer::fieldOf(upstream, gone).empty(), gone);
        }

        // The upstream closing its hop leaves the client connection open; the client's own
        // close is honoured after the next response and not passed upstream.
        QVERIFY(client.write(get("/second", "Connection: close\r\n")));
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 200);
        QCOMPARE(Peer::fieldOf(response.head, "connection"), std::string("close"));
        QVERIFY(client.closedWithin(2000));
        QCOMPARE(int(a.heads().size()), 2);
        QVERIFY(Peer::fieldOf(a.heads().at(1), "connection").empty());
    }

    // Case 22: Expect: 100-continue is forwarded and the backend's answer relayed.
    void testExpectContinueRelaysBackendAnswer()
    {
        Backend uploads([](Backend &self, Peer &connection) {
            std::string head;
            if (!connection.readHead(head)) {
                return;
            }
            self.recordHead(head);
            if (head.find("/too-big") != std::string::npos) {
                connection.write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n");
                return;
            }
            connection.write("HTTP/1.1 100 Continue\r\n\r\n");
            std::string body;
            if (connection.readExactly(9, body)) {
                connection.write("HTTP/1.1 201 Created\r\nContent-Length: 9\r\n\r\n" + body);
            }
        });
        auto proxy = startProxy({backendAt("u", uploads.port())});
        QVERIFY(proxy);

        // A: the 100 arrives promptly, then the final answer after the body
        {
            Peer client(Peer::connectTo(proxy->serverPort()));
            const auto start = std::chrono::steady_clock::now();
            QVERIFY(client.write("PUT /files HTTP/1.1\r\nHost: store.test\r\nContent-Length: 9\r\n"
                                 "Expect: 100-continue\r\n\r\n"));
            Peer::Response interim;
            QVERIFY(client.readResponse(interim));
            QCOMPARE(interim.status, 100);
            QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
            QVERIFY(client.write("some data"));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.status, 201);
            QCOMPARE(response.body, std::string("some data"));
        }
        // B: an early final answer arrives without a 100, and the connection ends cleanly
        {
            Peer client(Peer::connectTo(proxy->serverPort()));
            QVERIFY(
                client.write("PUT /too-big HTTP/1.1\r\nHost: store.test\r\nContent-Length: 9\r\n"
                             "Expect: 100-continue\r\n\r\n"));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.status, 413);
            QVERIFY(client.closedWithin(3000));
        }
        // D: an unknown expectation is refused
        {
            Peer client(Peer::connectTo(proxy->serverPort()));
            QVERIFY(client.write("PUT /files HTTP/1.1\r\nHost: store.test\r\nContent-Length: 9\r\n"
                                 "Expect: tea-first\r\n\r\n"));
            Peer::Response response;
            QVERIFY(client.readResponse(response));
            QCOMPARE(response.status, 417);
        }
    }

    void testExpectContinueIgnoredForHttp10()
    {
        Backend a([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            if (self.readRequest(connection, head, body)) {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
            }
        });
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        Peer::Response response;
        QVERIFY(exchangeOnce(proxy->serverPort(),
                             "PUT /files HTTP/1.0\r\nHost: store.test\r\nContent-Length: 9\r\n"
                             "Expect: 100-continue\r\n\r\nsome data",
                             response));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("some data"));
        QVERIFY(Peer::fieldOf(a.heads().at(0), "expect").empty());
    }

    // Case 26: after the backend's 101 the proxy carries bytes both ways, untouched.
    void testWebSocketUpgradeTunnels()
    {
        Backend ws([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                if (Peer::fieldOf(head, "upgrade") != "websocket") {
                    connection.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
                    continue;
                }
                connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Accept: acc3pt\r\n\r\n");
                while (connection.buffer().size() < 6 && connection.fill()) {
                }
                const std::string echo = "echo:" + connection.buffer();
                connection.buffer().clear();
                connection.write(echo);
                return;
            }
        });
        auto proxy = startProxy({backendAt("w", ws.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write("GET /chat HTTP/1.1\r\nHost: store.test\r\n"
                             "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
                             "Sec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5aw==\r\n"
                             "Sec-WebSocket-Version: 13\r\nOrigin: http://store.test\r\n\r\n"));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 101);
        QCOMPARE(Peer::fieldOf(response.head, "upgrade"), std::string("websocket"));
        QCOMPARE(Peer::fieldOf(response.head, "sec-websocket-accept"), std::string("acc3pt"));
        QVERIFY(client.write("frame!"));
        std::string echoed;
        QVERIFY(client.readExactly(11, echoed));
        QCOMPARE(echoed, std::string("echo:frame!"));

        const std::string upstream = ws.heads().at(0);
        QCOMPARE(Peer::fieldOf(upstream, "upgrade"), std::string("websocket"));
        QCOMPARE(Peer::fieldOf(upstream, "connection"), std::string("upgrade"));
        QCOMPARE(Peer::fieldOf(upstream, "sec-websocket-version"), std::string("13"));
        QCOMPARE(Peer::fieldOf(upstream, "origin"), std::string("http://store.test"));
    }

    void testRefusedUpgradeStaysHttp()
    {
        Backend ws([](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                const bool upgrade = !Peer::fieldOf(head, "upgrade").empty();
                connection.write(upgrade ? "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
                                         : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        auto proxy = startProxy({backendAt("w", ws.port())});
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write("GET /chat HTTP/1.1\r\nHost: store.test\r\nConnection: Upgrade\r\n"
                             "Upgrade: websocket\r\n\r\n"));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 403);
        // h2c is not offered upstream: the request goes on as plain HTTP/1.1
        QVERIFY(
            client.write("GET / HTTP/1.1\r\nHost: store.test\r\nConnection: Upgrade, "
                         "HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQ\r\n\r\n"));
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, 200);
        const std::string upstream = ws.heads().at(1);
        QVERIFY(Peer::fieldOf(upstream, "upgrade").empty());
        QVERIFY(Peer::fieldOf(upstream, "http2-settings").empty());
    }

    void testHeaderLimits_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QByteArray many = "GET / HTTP/1.1\r\nHost: store.test\r\n";
        for (int i = 0; i < 30; ++i) {
            many += "X-F" + QByteArray::number(i) + ": v\r\n";
        }
        QTest::newRow("too-many-fields") << many + "\r\n" << 431;
        QTest::newRow("head-too-large")
            << "GET / HTTP/1.1\r\nHost: store.test\r\nX-Big: " + QByteArray(3000, 'q') + "\r\n\r\n"
            << 431;
        QTest::newRow("garbage-request-line") << QByteArray("HELLO\r\n\r\n") << 400;
    }

    void testHeaderLimits()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        Backend a(Backend::serving("A"));
        ProxyConfig config;
        config.maxHeaderCount = 20;
        config.maxHeaderBytes = 2048;
        auto proxy = startProxy({backendAt("a", a.port())}, config);
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write(request.toStdString()));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        QCOMPARE(response.status, status);
        QVERIFY(client.closedWithin(2000));
    }

    void testSlowHeadIsCutOff()
    {
        Backend a(Backend::serving("A"));
        ProxyConfig config;
        config.headerReadTimeoutMs = 300;
        auto proxy = startProxy({backendAt("a", a.port())}, config);
        QVERIFY(proxy);
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.write("GET / HTTP/1.1\r\nHost: sto"));
        // A byte now and then does not keep the connection alive.
        for (int i = 0; i < 3; ++i) {
            QTest::qWait(100);
            client.write("o");
        }
        QVERIFY(client.closedWithin(2000));
        QCOMPARE(client.buffer().rfind("HTTP/1.1 408", 0), std::size_t(0));
    }

    void testResponseEndingWithTheConnectionArrivesAtOnce_data()
    {
        QTest::addColumn<QByteArray>("response");
        QTest::addColumn<QByteArray>("expectedBody");
        // The last bytes and the close reach the proxy together, in one readiness report.
        QTest::newRow("delimited by the close")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
            << QByteArray("all of it");
        QTest::newRow("cut short")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly-part")
            << QByteArray("only-part");
    }

    void testResponseEndingWithTheConnectionArrivesAtOnce()
    {
        QFETCH(QByteArray, response);
        QFETCH(QByteArray, expectedBody);
        Backend a([response = response.toStdString()](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            if (self.readRequest(connection, head, body)) {
                connection.write(response);
            }
        });
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        for (int i = 0; i < 10; ++i) {
            Peer client(Peer::connectTo(proxy->serverPort()));
            QVERIFY(client.write("GET / HTTP/1.1\r\nHost: close.test\r\n\r\n"));
            // Then the client sees the body and the end within moments, not at a timeout.
            QVERIFY2(client.closedWithin(2000), "the connection was not closed in time");
            QVERIFY2(client.buffer().find(expectedBody.toStdString()) != std::string::npos,
                     client.buffer().c_str());
        }
    }

    void testAbsoluteFormTargetNamesTheHost()
    {
        // Given a client that talks to the proxy as to a forward proxy
        Backend a(Backend::serving("A"));
        auto proxy = startProxy({backendAt("a", a.port())});
        QVERIFY(proxy);
        Peer::Response response;
        QVERIFY(exchangeOnce(proxy->serverPort(),
                             "GET http://shop.test:8080/cart?id=3 HTTP/1.1\r\n"
                             "Host: other.test\r\n\r\n",
                             response));
        QCOMPARE(response.status, 200);

        // Then the replica sees the origin form and the target's host (RFC 9112 §3.2.2)
        const std::string upstream = a.heads().at(0);
        QCOMPARE(upstream.substr(0, upstream.find("\r\n")), std::string("GET /cart?id=3 HTTP/1.1"));
        QCOMPARE(Peer::fieldOf(upstream, "host"), std::string("shop.test:8080"));
        QCOMPARE(Peer::fieldOf(upstream, "x-forwarded-host"), std::string("shop.test:8080"));
        QCOMPARE(upstream.find("other.test"), std::string::npos);
    }

    void testSilentClientIsClosed()
    {
        Backend a(Backend::serving("A"));
        ProxyConfig config;
        config.clientIdleTimeoutMs = 300;
        auto proxy = startProxy({backendAt("a", a.port())}, config);
        QVERIFY(proxy);
        // The kernel holds a connection without a request back from the proxy for a while
        // (deferred accept); it must still reach the proxy and time out there, not stay open.
        QElapsedTimer clock;
        clock.start();
        Peer client(Peer::connectTo(proxy->serverPort()));
        QVERIFY(client.closedWithin(5000));
        QVERIFY2(clock.elapsed() >= 300, "closed before the idle timeout");
        QCOMPARE(client.buffer(), std::string());
    }

    void testTcpModeRoundRobin()
    {
        const auto greeter = [](const std::string &name) {
            return [name](Backend &, Peer &connection) {
                connection.write(name);
                std::string rest;
                connection.closedWithin(2000);
            };
        };
        Backend a(greeter("A"));
        Backend b(greeter("B"));
        ProxyConfig config;
        config.mode = ProxyConfig::Mode::Tcp;
        auto proxy = startProxy({backendAt("a", a.port()), backendAt("b", b.port())}, config);
        QVERIFY(proxy);
        std::string order;
        for (int i = 0; i < 4; ++i) {
            Peer client(Peer::connectTo(proxy->serverPort()));
            std::string greeting;
            QVERIFY(client.readExactly(1, greeting));
            order += greeting;
        }
        QCOMPARE(order, std::string("ABAB"));
    }
};

QTEST_GUILESS_MAIN(TestProxyServer)
#include "tst_proxyserver.moc"
