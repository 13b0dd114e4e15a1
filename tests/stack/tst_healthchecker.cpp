#include <core/stack/healthchecker.h>

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Shoal::Core;

// A replica whose /health answers with whatever status the test sets.
class FakeReplica : public QTcpServer
{
public:
    FakeReplica() { listen(QHostAddress::LocalHost, 0); }

    void setStatus(const QByteArray &status) { m_status = status; }
    int checks() const { return m_checks; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            if (!socket->readAll().startsWith("GET /healthz ")) {
                socket->abort();
                return;
            }
            ++m_checks;
            socket->write("HTTP/1.0 " + m_status + "\r\nContent-Length: 0\r\n\r\n");
            socket->disconnectFromHost();
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

private:
    QByteArray m_status = "200 OK";
    int m_checks = 0;
};

class TestHealthChecker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testFailingReplicaIsEjectedAndComesBack();
    void testForgottenTargetCountsAsHealthy();
};

void TestHealthChecker::testFailingReplicaIsEjectedAndComesBack()
{
    FakeReplica replica;
    HealthChecker checker;
    checker.setInterval(100);
    QSignalSpy changes(&checker, &HealthChecker::healthChanged);
    checker.setTargets(
        {{QStringLiteral("shop-api-1"), replica.serverPort(), QStringLiteral("/healthz")}});

    // Healthy answers change nothing
    QTRY_VERIFY_WITH_TIMEOUT(replica.checks() >= 3, 5000);
    QVERIFY(checker.isHealthy(QStringLiteral("shop-api-1")));
    QCOMPARE(changes.count(), 0);

    // When it answers 503, it is ejected after the second failure in a row
    replica.setStatus("503 Service Unavailable");
    QVERIFY(changes.wait(5000));
    QCOMPARE(changes.last().at(1).toBool(), false);
    QVERIFY(!checker.isHealthy(QStringLiteral("shop-api-1")));
    QVERIFY(replica.checks() >= 3 + HealthChecker::FailuresToEject);

    // And one good answer brings it back
    replica.setStatus("204 No Content");
    QVERIFY(changes.wait(5000));
    QCOMPARE(changes.last().at(1).toBool(), true);
    QVERIFY(checker.isHealthy(QStringLiteral("shop-api-1")));
}

void TestHealthChecker::testForgottenTargetCountsAsHealthy()
{
    FakeReplica replica;
    replica.setStatus("500 Internal Server Error");
    HealthChecker checker;
    checker.setInterval(100);
    QSignalSpy changes(&checker, &HealthChecker::healthChanged);
    checker.setTargets(
        {{QStringLiteral("shop-api-2"), replica.serverPort(), QStringLiteral("/healthz")}});
    QVERIFY(changes.wait(5000));
    QVERIFY(!checker.isHealthy(QStringLiteral("shop-api-2")));

    checker.setTargets({});
    QVERIFY(checker.isHealthy(QStringLiteral("shop-api-2")));
}

QTEST_GUILESS_MAIN(TestHealthChecker)
#include "tst_healthchecker.moc"
