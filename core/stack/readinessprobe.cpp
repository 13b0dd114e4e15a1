#include "readinessprobe.h"

#include <QHostAddress>
#include <QTcpSocket>
#include <QTimer>

namespace Shoal::Core {

namespace {
constexpr int StatusLinePrefixLength = 5; // "HTTP/"
constexpr int StatusCodeEnd = 7;          // "1.1 200"
} // namespace

ReadinessProbe::ReadinessProbe(quint16 port, const QString &path, QObject *parent)
    : ReadinessProbe(port, path, Expect::AnyAnswer, parent)
{}

ReadinessProbe::ReadinessProbe(quint16 port, const QString &path, Expect expect, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_path(path.isEmpty() ? QStringLiteral("/") : path)
    , m_expect(expect)
    , m_deadline(new QTimer(this))
{
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, [this] { conclude(false); });
}

void ReadinessProbe::start(int timeoutMs)
{
    m_deadline->start(timeoutMs);
    attempt();
}

void ReadinessProbe::attempt()
{
    if (m_done) {
        return;
    }
    m_received.clear();
    m_socket = new QTcpSocket(this);
    QTcpSocket *socket = m_socket;
    connect(socket, &QTcpSocket::connected, this, [this, socket] {
        const QByteArray request =
            "GET " + m_path.toUtf8() +
            " HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: shoal-probe\r\n\r\n";
        socket->write(request);
    });
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
        m_received += socket->readAll();
        if (m_received.size() >= StatusLinePrefixLength + StatusCodeEnd) {
            // "HTTP/1.1 200": the status code's first digit is the 10th byte.
            const char statusClass = m_received.at(StatusLinePrefixLength + 4);
            const bool answered = m_received.startsWith("HTTP/");
            const bool ready = m_expect == Expect::AnyAnswer
                                   ? answered
                                   : answered && (statusClass == '2' || statusClass == '3');
            m_socket = nullptr;
            socket->abort();
            socket->deleteLater();
            if (ready) {
                conclude(true);
            } else {
                retryLater();
            }
        }
    });
    connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] {
        socket->deleteLater();
        if (m_socket == socket) {
            m_socket = nullptr;
            retryLater();
        }
    });
    socket->connectToHost(QHostAddress::LocalHost, m_port);
}

void ReadinessProbe::retryLater()
{
    m_socket = nullptr;
    if (!m_done) {
        QTimer::singleShot(RetryIntervalMs, this, &ReadinessProbe::attempt);
    }
}

void ReadinessProbe::conclude(bool ready)
{
    if (m_done) {
        return;
    }
    m_done = true;
    m_deadline->stop();
    Q_EMIT finished(ready);
    deleteLater();
}

} // namespace Shoal::Core
