#pragma once

#include <core/proxy/proxytypes.h>

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Shoal::Core {
class ProxyServer;
}

namespace Shoal::Ui {

/// Sends a bounded burst of HTTP requests to a service's proxy on this host and works out
/// how the proxy spread them over the replicas, from its per-backend counters.
///
/// Each request uses its own connection (Connection: close), so the proxy balances every
/// one. Nothing waits: sockets run on the event loop, and the result comes once through
/// finished(). The proxy publishes counters once a second, so the tally is read after its
/// next two publications once the last answer is in.
class DistributionTest final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DistributionTest)

public:
    static constexpr int DefaultRequests = 200;
    static constexpr int DefaultConcurrency = 8;
    static constexpr int TimeLimitMs = 10000;
    static constexpr int CountersWaitMs = 3000;

    struct Result
    {
        int sent = 0;
        int answered = 0; ///< a 2xx or 3xx status line arrived
        int failed = 0;   ///< no answer, a refused connection, or a 5xx
        qint64 elapsedMs = 0;
        bool timedOut = false;
        QHash<QString, quint64> perReplica; ///< counters delta by backend id
    };

    DistributionTest(Core::ProxyServer *proxy, quint16 port, QObject *parent = nullptr);
    ~DistributionTest() override;

    void setRequests(int requests) { m_total = requests; }
    void setConcurrency(int concurrency) { m_concurrency = concurrency; }
    void start();
    bool isRunning() const { return m_running; }
    const Result &result() const { return m_result; }

Q_SIGNALS:
    void progressed(int done, int total);
    void finished();

private:
    void begin();
    void launchMore();
    void requestDone(bool ok);
    void finishBurst();
    void readCounters();
    static QHash<QString, quint64> snapshot(const QList<Core::BackendCounters> &counters);

    QPointer<Core::ProxyServer> m_proxy;
    quint16 m_port;
    int m_total = DefaultRequests;
    int m_concurrency = DefaultConcurrency;
    int m_launched = 0;
    int m_inFlight = 0;
    int m_publications = 0;
    bool m_running = false;
    bool m_burstOver = false;
    QHash<QString, quint64> m_before;
    QElapsedTimer m_clock;
    QTimer m_limit;
    QTimer m_countersWait;
    QMetaObject::Connection m_countersConnection;
    Result m_result;
};

} // namespace Shoal::Ui
