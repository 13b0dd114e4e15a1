#pragma once

#include <core/engine/engineendpoint.h>
#include <core/engine/enginereply.h>
#include <core/engine/httpresponseparser.h>
#include <core/engine/jsonlinesplitter.h>

#include <QByteArray>
#include <QObject>
#include <QPointer>

class QIODevice;
class QTimer;

namespace Shoal::Core {

/// One HTTP/1.1 exchange with the engine on a connection of its own, filling an EngineReply.
///
/// Lives as a child of its reply, so it goes away with it. It opens a unix, TCP or TLS
/// socket, sends the request with "Connection: close", and frames the answer with
/// HttpResponseParser. Everything happens on the reply's thread, driven by socket signals.
class EngineConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineConnection)

public:
    /// How the body of a successful answer reaches the reply.
    enum class BodyMode
    {
        Buffered,  ///< collected into EngineReply::body()
        JsonLines, ///< split into EngineReply::lineReceived() messages
        Raw,       ///< passed on as EngineReply::dataReceived() chunks
    };

    struct Request
    {
        QByteArray method;
        QByteArray target; ///< path and query as sent, with the version prefix
        QByteArray body;
        QByteArray contentType;
        BodyMode mode = BodyMode::Buffered;
        int connectTimeoutMs = 5000;
        int timeoutMs = 0; ///< for the whole exchange; 0 waits as long as the engine streams
    };

    /// A buffered body larger than this is refused; nothing the engine answers is that big.
    static constexpr qsizetype MaxBufferedBodyBytes = 64 * 1024 * 1024;

    EngineConnection(const EngineEndpoint &endpoint, Request request, EngineReply *reply);
    ~EngineConnection() override;

    /// Opens the connection; returns at once. Call it from the event loop, not from the
    /// function that hands out the reply, so that a failure cannot be reported before the
    /// caller has connected to finished().
    void start();

private:
    void openSocket();
    void sendRequest();
    void readAvailable();
    void handleBody(const QByteArray &bytes);
    void handleClosed();
    void completeResponse();
    void failConnect(const QString &message);
    void fail(EngineReply::ErrorKind kind, const QString &message);
    void shutDown();
    bool done() const { return m_done || !m_reply || m_reply->isFinished(); }
    QString whereText() const;

    EngineEndpoint m_endpoint;
    Request m_request;
    QPointer<EngineReply> m_reply;
    QIODevice *m_device = nullptr;
    QTimer *m_connectTimer = nullptr;
    QTimer *m_deadline = nullptr;
    HttpResponseParser m_parser;
    JsonLineSplitter m_splitter;
    QString m_sslErrors;
    bool m_connected = false;
    bool m_statusSeen = false;
    bool m_done = false;
};

} // namespace Shoal::Core
