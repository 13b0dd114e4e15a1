#include "testpeers.h"

#include <core/proxy/proxyserver.h>

#include <QTest>

#include <chrono>
#include <map>
#include <mutex>

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
};

namespace {

ProxyBackend backendAt(const QString &id, quint16 port)
{
    ProxyBackend backend;
    backend.id = id;
    backend.port = port;
    return backend;
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

QTEST_GUILESS_MAIN(TestBalancing)
#include "tst_balancing.moc"
