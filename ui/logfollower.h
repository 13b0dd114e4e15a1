#pragma once

#include <core/engine/logstreamdecoder.h>

#include <QObject>
#include <QPointer>
#include <QStringList>

namespace Shoal::Core {
class DockerClient;
class EngineReply;
} // namespace Shoal::Core

namespace Shoal::Ui {

/// Follows the log stream of one container and reports it line by line.
///
/// Containers without a TTY send the engine's multiplexed frames, those with one send raw
/// bytes; the first chunk tells which. The stream is cancelled by stop() or when the
/// follower is destroyed, so closing a view that owns it ends the engine call.
class LogFollower final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogFollower)

public:
    /// Lines of history asked for before following; enough context without a long replay.
    static constexpr int TailLines = 200;
    /// A line without a newline is cut here, so a chatty replica cannot grow it unbounded.
    static constexpr int MaximumLineBytes = 16 * 1024;

    LogFollower(Core::DockerClient *client, const QString &containerId, const QString &replica,
                QObject *parent = nullptr);
    ~LogFollower() override;

    QString replica() const { return m_replica; }
    bool isFollowing() const { return !m_reply.isNull(); }
    void start();
    void stop();

Q_SIGNALS:
    void linesReceived(const QString &replica, const QStringList &lines);
    /// The engine ended the stream (the container stopped) or it failed; not sent by stop().
    void ended(const QString &replica, const QString &error);

private:
    void onData(const QByteArray &chunk);
    void splitLines(QByteArray &pending, const QByteArray &bytes, QStringList &lines);

    QPointer<Core::DockerClient> m_client;
    QString m_containerId;
    QString m_replica;
    QPointer<Core::EngineReply> m_reply;
    Core::LogStreamDecoder m_decoder;
    QByteArray m_stdoutPending;
    QByteArray m_stderrPending;
    bool m_formatKnown = false;
    bool m_multiplexed = false;
};

} // namespace Shoal::Ui
