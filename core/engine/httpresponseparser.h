#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <http_parser.h>

namespace Shoal::Core {

/// Incremental parser of one HTTP/1.1 response from the engine, built on libhttp-parser.
///
/// Feed it bytes as they arrive and take the decoded body (chunked framing removed) after
/// every feed. Interim 1xx responses are skipped; 204, 304 and 1xx never carry a body
/// (RFC 9112 section 6.3, rule 1). Any malformed input ends in State::Failed with a message;
/// nothing here asserts on what the peer sends.
class HttpResponseParser final
{
    Q_DISABLE_COPY_MOVE(HttpResponseParser)

public:
    enum class State
    {
        Headers,
        Body,
        Complete,
        Failed
    };

    /// Header blocks larger than this are refused rather than buffered without end.
    static constexpr quint32 MaxHeaderBytes = 64 * 1024;

    HttpResponseParser();

    /// Parses the next bytes of the response. Bytes after the end of the response are
    /// ignored (the engine closes the connection after it, as asked by "Connection: close").
    State feed(const char *data, qsizetype size);
    State feed(const QByteArray &bytes) { return feed(bytes.constData(), bytes.size()); }
    /// Tells the parser that the peer closed the connection. Completes a response whose body
    /// runs until the close; anything else unfinished becomes State::Failed.
    State finishInput();

    State state() const { return m_state; }
    bool headersComplete() const { return m_state != State::Headers; }
    int statusCode() const { return m_statusCode; }
    /// The value of the first header with this name (case-insensitive), empty if absent.
    QByteArray header(const QByteArray &name) const;
    /// Body bytes decoded since the last call.
    QByteArray takeBody();
    QString errorString() const { return m_errorString; }

private:
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);
    void fail(const QString &message);

    http_parser m_parser;
    http_parser_settings m_settings;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QByteArray m_body;
    QString m_errorString;
    State m_state = State::Headers;
    int m_statusCode = 0;
    bool m_lastWasValue = false;
};

} // namespace Shoal::Core
