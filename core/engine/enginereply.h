#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QObject>
#include <QString>

namespace Shoal::Core {

/// One call to the engine. Emits finished() exactly once; streaming calls emit
/// lineReceived() for every newline-delimited JSON message before that.
///
/// The reply is owned by the DockerClient that made it and deletes itself (deleteLater)
/// after finished() has been delivered, so receivers must not keep the pointer.
class EngineReply : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineReply)

public:
    explicit EngineReply(QObject *parent = nullptr);

    /// HTTP status; 0 when no response arrived (connection refused, timeout, cancelled).
    int statusCode() const { return m_statusCode; }
    /// The whole body of a non-streaming call (empty for streams).
    QByteArray body() const { return m_body; }
    QJsonDocument json() const;
    /// True for transport failures and for statuses >= 400. 304 counts as success.
    bool isError() const;
    /// The engine's own message (the "message" field of its error body, or its plain text
    /// body), prefixed with what was being done; empty when the call succeeded.
    QString errorString() const { return m_errorString; }
    /// What the call was, e.g. "POST /containers/create?name=whoami-web-3".
    QString description() const { return m_description; }

    /// Stops a streaming or pending call; finished() still follows (with an error
    /// "cancelled" unless it had already finished).
    void abort();

    // Used by the transport that fills the reply.
    void setDescription(const QString &description) { m_description = description; }
    void setStatusCode(int status) { m_statusCode = status; }
    void appendBody(const QByteArray &chunk) { m_body.append(chunk); }
    void deliverLine(const QByteArray &line);
    void finish(const QString &transportError = {});
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void lineReceived(const QByteArray &line);
    void finished();
    void abortRequested();

private:
    QByteArray m_body;
    QString m_errorString;
    QString m_description;
    int m_statusCode = 0;
    bool m_finished = false;
};

} // namespace Shoal::Core
