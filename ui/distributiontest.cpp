#include "distributiontest.h"

#include "logging.h"

#include <core/proxy/proxyserver.h>

#include <QTcpSocket>

namespace Shoal::Ui {

namespace {
// The first line of a response is all the test reads; a proxy that sends more than this
// before a newline is not answering HTTP.
constexpr int MaximumStatusLineBytes = 1024;
constexpr int PublicationsToWait = 2;
} // namespace

DistributionTest::DistributionTest(Core::ProxyServer *proxy, quint16 port, QObject *parent)
    : QObject(parent)
    , m_proxy(proxy)
    , m_port(port)
{
    m_limit.setSingleShot(true);
    m_limit.setInterval(TimeLimitMs);
    connect(&m_limit, &QTimer::timeout, this, [this] {
        qCWarning(lcUi) << "distribution test on port" << m_port << "hit its time limit with"
                        << m_inFlight << "requests open";
        m_result.timedOut = true;
        finishBurst();
        // Open sockets are children of this object; what is still open counts as failed.
        const QList<QTcpSocket *> sockets = findChildren<QTcpSocket *>();
        for (QTcpSocket *socket : sockets) {
            socket->disconnect();
            socket->abort();
            socket->deleteLater();
        }
        m_result.sent += m_inFlight;
        m_result.failed += m_inFlight;
        m_inFlight = 0;
    });
    m_countersWait.setSingleShot(true);
    m_countersWait.setInterval(CountersWaitMs);
    // The same timer bounds both waits for a publication: before the burst, and after it.
    connect(&m_countersWait, &QTimer::timeout, this, [this] {
        if (m_clock.isValid()) {
            readCounters();
        } else {
            begin();
        }
    });
}

DistributionTest::~DistributionTest() = default;

void DistributionTest::start()
{
    if (m_running) {
        return;
    }
    m_result = Result{};
    m_launched = 0;
    m_inFlight = 0;
    m_publications = 0;
    // Marks the burst as not begun; begin() clears it.
    m_burstOver = true;
    m_clock.invalidate();
    m_running = true;
    qCDebug(lcUi) << "distribution test:" << m_total << "requests," << m_concurrency
                  << "at a time, to port" << m_port;
    if (!m_proxy) {
        begin();
        return;
    }
    // Counters are published once a second, so the ones at hand may still miss requests
    // that finished just before; the baseline is the next publication.
    m_countersConnection =
        connect(m_proxy, &Core::ProxyServer::countersUpdated, this, &DistributionTest::begin);
    m_countersWait.start();
}

void DistributionTest::begin()
{
    disconnect(m_countersConnection);
    m_countersWait.stop();
    if (m_clock.isValid()) {
        return;
    }
    m_burstOver = false;
    m_before = m_proxy ? snapshot(m_proxy->counters()) : QHash<QString, quint64>();
    m_clock.start();
    m_limit.start();
    launchMore();
}

void DistributionTest::launchMore()
{
    while (!m_burstOver && m_inFlight < m_concurrency && m_launched < m_total) {
        ++m_launched;
        ++m_inFlight;
        auto *socket = new QTcpSocket(this);
        auto done = std::make_shared<bool>(false);
        auto buffer = std::make_shared<QByteArray>();
        auto settle = [this, socket, done](bool ok) {
            if (*done) {
                return;
            }
            *done = true;
            socket->deleteLater();
            requestDone(ok);
        };
        connect(socket, &QTcpSocket::connected, socket, [this, socket] {
            socket->write(QByteArrayLiteral("GET / HTTP/1.1\r\nHost: 127.0.0.1:") +
                          QByteArray::number(m_port) +
                          QByteArrayLiteral("\r\nUser-Agent: shoal-distribution-test\r\n"
                                            "Connection: close\r\n\r\n"));
        });
        connect(socket, &QTcpSocket::readyRead, socket, [socket, buffer, settle] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf('\n');
            if (end < 0 && buffer->size() < MaximumStatusLineBytes) {
                return;
            }
            // "HTTP/1.1 200 OK": the status is the second word.
            const QList<QByteArray> words = buffer->left(end).split(' ');
            const int status = words.size() > 1 ? words.at(1).toInt() : 0;
            settle(status >= 200 && status < 500);
            socket->abort();
        });
        connect(socket, &QTcpSocket::errorOccurred, socket,
                [settle](QAbstractSocket::SocketError) { settle(false); });
        connect(socket, &QTcpSocket::disconnected, socket, [settle] { settle(false); });
        socket->connectToHost(QHostAddress::LocalHost, m_port);
    }
}

void DistributionTest::requestDone(bool ok)
{
    --m_inFlight;
    ++m_result.sent;
    if (ok) {
        ++m_result.answered;
    } else {
        ++m_result.failed;
    }
    Q_EMIT progressed(m_result.sent, m_total);
    if (m_burstOver) {
        return;
    }
    if (m_launched < m_total) {
        launchMore();
    } else if (m_inFlight == 0) {
        finishBurst();
    }
}

void DistributionTest::finishBurst()
{
    if (m_burstOver) {
        return;
    }
    m_burstOver = true;
    m_limit.stop();
    m_result.elapsedMs = m_clock.elapsed();
    // Requests never sent because of the time limit count as failed too.
    m_result.failed += m_total - m_launched;
    if (!m_proxy) {
        readCounters();
        return;
    }
    m_countersConnection = connect(m_proxy, &Core::ProxyServer::countersUpdated, this, [this] {
        if (++m_publications >= PublicationsToWait) {
            readCounters();
        }
    });
    m_countersWait.start();
}

void DistributionTest::readCounters()
{
    if (!m_running) {
        return;
    }
    m_running = false;
    m_countersWait.stop();
    disconnect(m_countersConnection);
    if (m_proxy) {
        const QHash<QString, quint64> after = snapshot(m_proxy->counters());
        for (auto it = after.cbegin(); it != after.cend(); ++it) {
            const quint64 before = m_before.value(it.key());
            // A backend re-added in between starts from zero again.
            const quint64 delta = it.value() >= before ? it.value() - before : it.value();
            if (delta > 0) {
                m_result.perReplica.insert(it.key(), delta);
            }
        }
    }
    qCDebug(lcUi) << "distribution test done:" << m_result.answered << "answered,"
                  << m_result.failed << "failed," << m_result.perReplica;
    Q_EMIT finished();
}

QHash<QString, quint64> DistributionTest::snapshot(const QList<Core::BackendCounters> &counters)
{
    QHash<QString, quint64> result;
    for (const Core::BackendCounters &backend : counters) {
        result.insert(backend.id, backend.requests + backend.failures);
    }
    return result;
}

} // namespace Shoal::Ui
