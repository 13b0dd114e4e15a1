#include "testpeers.h"

#include <core/proxy/proxyserver.h>

#include <QTest>

#include <chrono>
#include <map>
#include <mutex>

using namespace Shoal::Core;
using namespace ProxyTest;

// Passive health (issue #6): a replica that refuses or resets connections is taken out of
// rotation for a back-off, and a request that can be sent again goes to another replica,
// so a replica that dies under load costs no client a failed request.
class TestPassiveHealth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testResetBeforeAnswerRetriesIdempotentRequest();
    void testResetBeforeAnswerFailsNonIdempotentRequest();
    void testReplicaKilledMidLoadCostsNoRequest();
};

namespace {

constexpr int LongBackoffMs = 60000;

ProxyBackend backendAt(const QString &id, quint16 port)
{
    ProxyBackend backend;
    backend.id = id;
    backend.port = port;
    return backend;
}

// A replica that crashes on every request: it reads it and resets the connection.
void resetAfterRequest(Backend &self, Peer &connection)
{
    std::string head;
    std::string body;
    if (self.readRequest(connection, head, body)) {
        const linger abort{1, 0};
        ::setsockopt(connection.fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
    }
}

// Answers with its name after a millisecond, so that a kill finds requests in flight.
Backend::Handler slightlySlow(const std::string &name)
{
    return [name](Backend &self, Peer &connection) {
        std::string head;
        std::string body;
        while (self.readRequest(connection, head, body)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            if (!connection.write("HTTP/1.1 200 OK\r\nContent-Length: " +
                                  std::to_string(name.size()) + "\r\n\r\n" + name)) {
                return;
            }
        }
    };
}

} // namespace

void TestPassiveHealth::testResetBeforeAnswerRetriesIdempotentRequest()
{
    // Given a replica that resets every connection once it has read a request, first in turn
    Backend broken(resetAfterRequest);
    Backend healthy(Backend::serving("healthy"));
    ProxyConfig config;
    config.failedBackendBackoffMs = LongBackoffMs;
    ProxyServer proxy(config);
    proxy.setBackends({backendAt(QStringLiteral("broken"), broken.port()),
                       backendAt(QStringLiteral("healthy"), healthy.port())});
    QVERIFY(proxy.start());

    // When a client sends five GETs
    Peer client(Peer::connectTo(proxy.serverPort()));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(client.write("GET /item HTTP/1.1\r\nHost: shop.test\r\n\r\n"));
        Peer::Response response;
        QVERIFY(client.readResponse(response));

        // Then each is answered by the healthy replica, the first one after a retry
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("healthy"));
    }
    // And the broken replica saw one request only: it left the rotation after it
    QCOMPARE(broken.accepted(), 1);
    QCOMPARE(int(broken.heads().size()), 1);
}

void TestPassiveHealth::testResetBeforeAnswerFailsNonIdempotentRequest()
{
    // Given the same pair
    Backend broken(resetAfterRequest);
    Backend healthy(Backend::serving("healthy"));
    ProxyConfig config;
    config.failedBackendBackoffMs = LongBackoffMs;
    ProxyServer proxy(config);
    proxy.setBackends({backendAt(QStringLiteral("broken"), broken.port()),
                       backendAt(QStringLiteral("healthy"), healthy.port())});
    QVERIFY(proxy.start());

    // When a POST reaches the broken replica, which may have acted on it before it died
    Peer client(Peer::connectTo(proxy.serverPort()));
    QVERIFY(client.write("POST /order HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 2\r\n\r\n"
                         "{}"));
    Peer::Response response;
    QVERIFY(client.readResponse(response));

    // Then it is not sent again: the client gets a 502 with a short plain reason
    QCOMPARE(response.status, 502);
    QVERIFY2(response.body.find("closed the connection") != std::string::npos,
             response.body.c_str());
    QVERIFY(healthy.heads().empty());

    // And the broken replica is out of rotation for the next requests, its turns included
    Peer next(Peer::connectTo(proxy.serverPort()));
    for (int i = 0; i < 3; ++i) {
        QVERIFY(next.write("POST /order HTTP/1.1\r\nHost: shop.test\r\n"
                           "Content-Length: 2\r\n\r\n{}"));
        QVERIFY(next.readResponse(response));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("healthy"));
    }
    QCOMPARE(broken.accepted(), 1);
}

void TestPassiveHealth::testReplicaKilledMidLoadCostsNoRequest()
{
    // Given three replicas behind a two-worker proxy and six keep-alive clients sending
    // 3000 GETs in all (within ten seconds at most)
    constexpr int Clients = 6;
    constexpr int Total = 3000;
    constexpr int KillAfter = 1000;
    Backend north(slightlySlow("north"));
    Backend south(slightlySlow("south"));
    Backend west(slightlySlow("west"));
    ProxyConfig config;
    config.workerCount = 2;
    config.failedBackendBackoffMs = LongBackoffMs;
    ProxyServer proxy(config);
    proxy.setBackends({backendAt(QStringLiteral("north"), north.port()),
                       backendAt(QStringLiteral("south"), south.port()),
                       backendAt(QStringLiteral("west"), west.port())});
    QVERIFY(proxy.start());

    std::atomic<int> sent{0};
    std::atomic<int> answered{0};
    std::atomic<bool> killed{false};
    std::mutex mutex;
    std::map<std::string, int> before;
    std::map<std::string, int> after;
    std::vector<std::string> failures;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<std::thread> clients;
    for (int c = 0; c < Clients; ++c) {
        clients.emplace_back([&] {
            Peer client(Peer::connectTo(proxy.serverPort()));
            while (sent.fetch_add(1) < Total && std::chrono::steady_clock::now() < deadline) {
                const bool startedAfterKill = killed.load();
                Peer::Response response;
                const bool ok = client.write("GET / HTTP/1.1\r\nHost: load.test\r\n\r\n") &&
                                client.readResponse(response);
                std::lock_guard<std::mutex> lock(mutex);
                if (!ok || response.status != 200) {
                    failures.push_back(ok ? response.head : "connection lost");
                    return;
                }
                ++(startedAfterKill ? after : before)[response.body];
                ++answered;
            }
        });
    }

    // When one replica dies abruptly a third of the way in
    QTRY_VERIFY_WITH_TIMEOUT(answered.load() >= KillAfter, 5000);
    west.kill();
    killed = true;
    for (std::thread &client : clients) {
        client.join();
    }

    // Then no client saw a failure, and every request was answered
    QVERIFY2(failures.empty(), failures.empty() ? "" : failures.front().c_str());
    QCOMPARE(answered.load(), Total);
    QVERIFY(before["west"] > 0);
    QCOMPARE(after["west"], 0);

    // And the dead replica left the rotation: the proxy tried it only for the requests
    // that were in flight or pooled when it died, not for every third request after
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.counters().isEmpty(), 3000);
    QTest::qWait(1100);
    quint64 westFailures = 0;
    bool westHealthy = true;
    for (const BackendCounters &counters : proxy.counters()) {
        if (counters.id == QLatin1String("west")) {
            westFailures = counters.failures;
            westHealthy = counters.healthy;
        }
    }
    QVERIFY(!westHealthy);
    QVERIFY2(westFailures <= quint64(2 * Clients), QByteArray::number(westFailures));

    // And the others share what the dead one would have served evenly
    const int northAfter = after["north"];
    const int southAfter = after["south"];
    QVERIFY(northAfter + southAfter > 1000);
    QVERIFY2(std::abs(northAfter - southAfter) <= (northAfter + southAfter) / 20 + Clients,
             qPrintable(QStringLiteral("north %1, south %2").arg(northAfter).arg(southAfter)));
}

QTEST_GUILESS_MAIN(TestPassiveHealth)
#include "tst_passivehealth.moc"
