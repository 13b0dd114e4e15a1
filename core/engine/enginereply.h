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
    /// Why a call failed, for callers that branch on it.
    enum class ErrorKind
    {
        NoError,
        ConnectionFailed, ///< no connection to the engine (socket missing, refused, denied)
        Timeout,          ///< connected, but no complete answer in time
        ProtocolError,    ///< malformed or truncated response, or the stream broke off
        HttpError,        ///< the engine answered with a status >= 400
        StreamError,      ///< a 200 stream (build, pull) reported an error inside it
        Cancelled,        ///< abort() was called
    };
    Q_ENUM(ErrorKind)

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

    ErrorKind errorKind() const { return m_errorKind; }
    /// errorString() without the description: the engine's own words, or the transport's.
    QString engineMessage() const { return m_engineMessage; }
    /// The first error a build or pull stream reported inside a 200 response ("error" or
    /// "errorDetail.message"); empty when the stream held none.
    QString streamError() const { return m_streamError; }
    bool wasCancelled() const { return m_errorKind == ErrorKind::Cancelled; }

    /// Stops a streaming or pending call; finished() still follows (with an error
    /// "cancelled" unless it had already finished).
    void abort();

    // Used by the transport that fills the reply.
    void setDescription(const QString &description) { m_description = description; }
    void setStatusCode(int status) { m_statusCode = status; }
    void appendBody(const QByteArray &chunk) { m_body.append(chunk); }
    void deliverLine(const QByteArray &line);
    void deliverData(const QByteArray &chunk);
    void finish(const QString &transportError = {});
    void finishWithError(ErrorKind kind, const QString &message);
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void lineReceived(const QByteArray &line);
    /// Raw body bytes of a byte stream (followed container logs), as they arrive.
    void dataReceived(const QByteArray &chunk);
    void finished();
    void abortRequested();

private:
    void complete(ErrorKind kind, const QString &message);

    QByteArray m_body;
    QString m_errorString;
    QString m_description;
    QString m_engineMessage;
    QString m_streamError;
    ErrorKind m_errorKind = ErrorKind::NoError;
    int m_statusCode = 0;
    bool m_finished = false;
};

} // namespace Shoal::Core
