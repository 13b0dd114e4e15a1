#pragma once

#include <QObject>
#include <QString>

class QTcpSocket;
class QTimer;

namespace Shoal::Core {

/// Waits until a freshly started replica answers HTTP on its published 127.0.0.1 port.
///
/// docker-proxy accepts connections on a published port before the program inside the
/// container listens, and closes them without a word; a replica handed to the proxy in that
/// moment would cost requests. The probe sends a GET and counts any HTTP status line as
/// ready (or, for health checks, only a 2xx/3xx status). It reports once through finished()
/// and then deletes itself.
class ReadinessProbe : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReadinessProbe)

public:
    static constexpr int RetryIntervalMs = 100;
    static constexpr int DefaultTimeoutMs = 30000;

    /// What counts as ready: any HTTP status line, or only a 2xx or 3xx status.
    enum class Expect
    {
        AnyAnswer,
        SuccessStatus
    };

    ReadinessProbe(quint16 port, const QString &path, QObject *parent = nullptr);
    ReadinessProbe(quint16 port, const QString &path, Expect expect, QObject *parent = nullptr);

    void start(int timeoutMs = DefaultTimeoutMs);

Q_SIGNALS:
    void finished(bool ready);

private:
    void attempt();
    void retryLater();
    void conclude(bool ready);

    quint16 m_port;
    QString m_path;
    Expect m_expect = Expect::AnyAnswer;
    QTcpSocket *m_socket = nullptr;
    QTimer *m_deadline;
    QByteArray m_received;
    bool m_done = false;
};

} // namespace Shoal::Core
