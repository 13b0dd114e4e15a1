#include "testpeers.h"

#include <core/proxy/balancer.h>
#include <core/proxy/proxyserver.h>

#include <QTest>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

using namespace Shoal::Core;
using namespace ProxyTest;

// Request-level balancing, where PM2's connection-level cluster mode falls short: one
// keep-alive client is still spread over every replica, and with least-connections a
// replica busy on a slow request gets no new work.
class TestBalancing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testOneKeepAliveClientIsSpreadPerRequest();
    void testLeastConnectionsAvoidsTheBusyReplica();
    void testWeightedOrderIsSmoothAndExact_data();
    void testWeightedOrderIsSmoothAndExact();
    void testWeightedProxySpreadsThreeToOne();
    void testWeightsAreIgnoredByPlainRoundRobin();
    void testLastEligibleBackendIsFoundUnderContention();
};

namespace {

ProxyBackend backendAt(const QString &id, quint16 port, int weight = 1)
{
    ProxyBackend backend;
    backend.id = id;
    backend.port = port;
    backend.weight = weight;
    return backend;
}

// The bodies of `count` GET responses on one keep-alive connection, in order.
std::vector<std::string> servedInOrder(quint16 proxyPort, int count)
{
    std::vector<std::string> bodies;
    Peer client(Peer::connectTo(proxyPort));
    for (int i = 0; i < count; ++i) {
        Peer::Response response;
        if (!client.write("GET /id HTTP/1.1\r\nHost: weights.test\r\n\r\n") ||
            !client.readResponse(response) || response.status != 200) {
            break;
        }
        bodies.push_back(response.body);
    }
    return bodies;
}

// A replica that serves one request at a time: /slow takes `slowMs`, anything else 50 ms.
Backend::Handler singleFile(const std::string &name, std::mutex &busy, int slowMs)
{
    return [name, &busy, slowMs](Backend &self, Peer &connection) {
        std::string head;
        std::string body;
        while (self.readRequest(connection, head, body)) {
            {
                std::lock_guard<std::mutex> lock(busy);
                const bool slow = head.rfind("GET /slow", 0) == 0;
                std::this_thread::sleep_for(std::chrono::milliseconds(slow ? slowMs : 50));
            }
            if (!connection.write("HTTP/1.1 200 OK\r\nContent-Length: " +
                                  std::to_string(name.size()) + "\r\n\r\n" + name)) {
                return;
            }
        }
    };
}

} // namespace

void TestBalancing::testOneKeepAliveClientIsSpreadPerRequest()
{
    Backend north(Backend::serving("north"));
    Backend south(Backend::serving("south"));
    Backend west(Backend::serving("west"));
    ProxyServer proxy(ProxyConfig{});
    proxy.setBackends({backendAt(QStringLiteral("north"), north.port()),
                       backendAt(QStringLiteral("south"), south.port()),
                       backendAt(QStringLiteral("west"), west.port())});
    QVERIFY(proxy.start());

    // One client, one connection, 240 requests one after the other
    std::map<std::string, int> served;
    Peer client(Peer::connectTo(proxy.serverPort()));
    for (int i = 0; i < 240; ++i) {
        QVERIFY(client.write("GET /id HTTP/1.1\r\nHost: gateway.test\r\n\r\n"));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        ++served[response.body];
    }

    QCOMPARE(served["north"], 80);
    QCOMPARE(served["south"], 80);
    QCOMPARE(served["west"], 80);
}

void TestBalancing::testLeastConnectionsAvoidsTheBusyReplica()
{
    // Given three single-request replicas behind a least-connections proxy
    std::mutex busyRed;
    std::mutex busyGreen;
    std::mutex busyBlue;
    Backend red(singleFile("red", busyRed, 3000));
    Backend green(singleFile("green", busyGreen, 3000));
    Backend blue(singleFile("blue", busyBlue, 3000));
    ProxyConfig config;
    config.balance = ProxyConfig::Balance::LeastConnections;
    ProxyServer proxy(config);
    proxy.setBackends({backendAt(QStringLiteral("red"), red.port()),
                       backendAt(QStringLiteral("green"), green.port()),
                       backendAt(QStringLiteral("blue"), blue.port())});
    QVERIFY(proxy.start());

    // When one slow request occupies a replica
    std::string slowServer;
    std::thread slow([&] {
        Peer client(Peer::connectTo(proxy.serverPort()));
        client.write("GET /slow HTTP/1.1\r\nHost: shop.test\r\n\r\n");
        Peer::Response response;
        client.readResponse(response);
        slowServer = response.body;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    // Then six fast requests, each on a new connection, never wait behind it
    std::vector<std::string> fastServers;
    for (int i = 0; i < 6; ++i) {
        const auto started = std::chrono::steady_clock::now();
        Peer client(Peer::connectTo(proxy.serverPort()));
        QVERIFY(client.write("GET /fast HTTP/1.1\r\nHost: shop.test\r\n\r\n"));
        Peer::Response response;
        QVERIFY(client.readResponse(response));
        const auto took = std::chrono::steady_clock::now() - started;
        QVERIFY2(took < std::chrono::milliseconds(1000), response.body.c_str());
        fastServers.push_back(response.body);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    slow.join();

    QVERIFY(!slowServer.empty());
    for (const std::string &server : fastServers) {
        QVERIFY2(server != slowServer, server.c_str());
    }
}

using Order = std::vector<std::size_t>;

void TestBalancing::testWeightedOrderIsSmoothAndExact_data()
{
    QTest::addColumn<std::vector<int>>("weights");
    QTest::addColumn<Order>("expected");

    QTest::newRow("3:1 interleaves, no AAAB burst") << std::vector<int>{3, 1} << Order{0, 0, 1, 0};
    QTest::newRow("5:1:1 as nginx spreads it")
        << std::vector<int>{5, 1, 1} << Order{0, 0, 1, 0, 2, 0, 0};
    QTest::newRow("equal weights are plain round-robin")
        << std::vector<int>{4, 4, 4} << Order{0, 1, 2};
    QTest::newRow("common divisor keeps the cycle short")
        << std::vector<int>{6, 2} << Order{0, 0, 1, 0};
    QTest::newRow("1:2 starts with the heavier") << std::vector<int>{1, 2} << Order{1, 0, 1};
    QTest::newRow("zero and negative count as 1") << std::vector<int>{0, -5} << Order{0, 1};
    QTest::newRow("no backends") << std::vector<int>{} << Order{};
}

void TestBalancing::testWeightedOrderIsSmoothAndExact()
{
    QFETCH(std::vector<int>, weights);
    QFETCH(Order, expected);

    QCOMPARE(Balancer::weightedOrder(weights), expected);
}

void TestBalancing::testWeightedProxySpreadsThreeToOne()
{
    // Given two replicas weighted 3 and 1 behind a weighted proxy with two workers
    Backend heavy(Backend::serving("heavy"));
    Backend light(Backend::serving("light"));
    ProxyConfig config;
    config.balance = ProxyConfig::Balance::WeightedRoundRobin;
    config.workerCount = 2;
    ProxyServer proxy(config);
    proxy.setBackends({backendAt(QStringLiteral("heavy"), heavy.port(), 3),
                       backendAt(QStringLiteral("light"), light.port(), 1)});
    QVERIFY(proxy.start());

    // When one keep-alive client sends 8 requests in a row
    const std::vector<std::string> first = servedInOrder(proxy.serverPort(), 8);

    // Then they are interleaved, never three heavy ones and then the light one
    QCOMPARE(first, std::vector<std::string>(
                        {"heavy", "heavy", "light", "heavy", "heavy", "heavy", "light", "heavy"}));

    // And when four clients send 100 requests each at the same time (100 whole cycles of 4)
    std::mutex mutex;
    std::map<std::string, int> served;
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&] {
            const std::vector<std::string> bodies = servedInOrder(proxy.serverPort(), 100);
            std::lock_guard<std::mutex> lock(mutex);
            for (const std::string &body : bodies) {
                ++served[body];
            }
        });
    }
    for (std::thread &client : clients) {
        client.join();
    }

    // Then the split is exactly 3:1
    QCOMPARE(served["heavy"], 300);
    QCOMPARE(served["light"], 100);
}

void TestBalancing::testWeightsAreIgnoredByPlainRoundRobin()
{
    Backend heavy(Backend::serving("heavy"));
    Backend light(Backend::serving("light"));
    ProxyServer proxy(ProxyConfig{});
    proxy.setBackends({backendAt(QStringLiteral("heavy"), heavy.port(), 3),
                       backendAt(QStringLiteral("light"), light.port(), 1)});
    QVERIFY(proxy.start());

    std::map<std::string, int> served;
    for (const std::string &body : servedInOrder(proxy.serverPort(), 40)) {
        ++served[body];
    }

    QCOMPARE(served["heavy"], 20);
    QCOMPARE(served["light"], 20);
}

void TestBalancing::testLastEligibleBackendIsFoundUnderContention()
{
    // Given a ring of eight in which seven are draining, as between a scale-down and the
    // workers' next snapshot
    BackendSnapshot snapshot;
    for (int i = 0; i < 8; ++i) {
        auto state = std::make_shared<BackendState>(backendAt(QString::number(i), 1), i + 1);
        state->draining.store(i != 5);
        snapshot.ring.push_back(state);
        snapshot.all.push_back(state);
    }
    Balancer balancer(ProxyConfig::Balance::RoundRobin);

    // When two workers pick at the same time, taking turns from the same counter
    std::atomic<int> misses{0};
    const auto pick = [&] {
        for (int i = 0; i < 200000; ++i) {
            std::shared_ptr<BackendState> chosen = balancer.acquire(snapshot, {}, 0);
            if (!chosen) {
                ++misses;
                continue;
            }
            Balancer::release(*chosen);
        }
    };
    std::thread first(pick);
    std::thread second(pick);
    first.join();
    second.join();

    // Then every pick finds the one backend that is left
    QCOMPARE(misses.load(), 0);
}

QTEST_GUILESS_MAIN(TestBalancing)
#include "tst_balancing.moc"
