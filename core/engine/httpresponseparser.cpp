#include "httpresponseparser.h"

#include <cstring>

namespace Shoal::Core {

namespace {

HttpResponseParser *self(http_parser *parser)
{
    return static_cast<HttpResponseParser *>(parser->data);
}

bool isBodyless(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

} // namespace

HttpResponseParser::HttpResponseParser()
{
    // The limit is process-wide in libhttp-parser; every parser in Shoal wants the same one.
    http_parser_set_max_header_size(MaxHeaderBytes);
    http_parser_init(&m_parser, HTTP_RESPONSE);
    m_parser.data = this;
    std::memset(&m_settings, 0, sizeof(m_settings));
    m_settings.on_header_field = &HttpResponseParser::onHeaderField;
    m_settings.on_header_value = &HttpResponseParser::onHeaderValue;
    m_settings.on_headers_complete = &HttpResponseParser::onHeadersComplete;
    m_settings.on_body = &HttpResponseParser::onBody;
    m_settings.on_message_complete = &HttpResponseParser::onMessageComplete;
}

HttpResponseParser::State HttpResponseParser::feed(const char *data, qsizetype size)
{
    if (m_state == State::Complete || m_state == State::Failed || size <= 0) {
        return m_state;
    }
    const size_t parsed = http_parser_execute(&m_parser, &m_settings, data, size_t(size));
    if (m_state == State::Complete || m_state == State::Failed) {
        return m_state;
    }
    const auto error = http_errno(m_parser.http_errno);
    if (error != HPE_OK) {
        fail(QStringLiteral("malformed HTTP response from the engine (%1)")
                 .arg(QString::fromLatin1(http_errno_description(error))));
    } else if (m_parser.upgrade) {
        fail(QStringLiteral("the engine switched protocols, which Shoal did not ask for"));
    } else if (parsed != size_t(size)) {
        fail(QStringLiteral("malformed HTTP response from the engine"));
    }
    return m_state;
}

HttpResponseParser::State HttpResponseParser::finishInput()
{
    if (m_state == State::Complete || m_state == State::Failed) {
        return m_state;
    }
    // A zero-length execute is libhttp-parser's way of saying EOF: it completes a body that
    // is delimited by the close and flags everything else as an error.
    http_parser_execute(&m_parser, &m_settings, nullptr, 0);
    if (m_state != State::Complete && m_state != State::Failed) {
        fail(m_state == State::Headers
                 ? QStringLiteral("the engine closed the connection without a complete answer")
                 : QStringLiteral("the engine closed the connection in the middle of the body"));
    }
    return m_state;
}

QByteArray HttpResponseParser::header(const QByteArray &name) const
{
    for (const auto &entry : m_headers) {
        if (entry.first.compare(name, Qt::CaseInsensitive) == 0) {
            return entry.second;
        }
    }
    return {};
}

QByteArray HttpResponseParser::takeBody()
{
    QByteArray out;
    out.swap(m_body);
    return out;
}

int HttpResponseParser::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    auto *p = self(parser);
    if (p->m_headers.isEmpty() || p->m_lastWasValue) {
        p->m_headers.append(QPair<QByteArray, QByteArray>());
    }
    p->m_headers.last().first.append(at, qsizetype(length));
    p->m_lastWasValue = false;
    return 0;
}

int HttpResponseParser::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    auto *p = self(parser);
    if (p->m_headers.isEmpty()) {
        return 1;
    }
    p->m_headers.last().second.append(at, qsizetype(length));
    p->m_lastWasValue = true;
    return 0;
}

int HttpResponseParser::onHeadersComplete(http_parser *parser)
{
    auto *p = self(parser);
    const int status = int(parser->status_code);
    if (status == 101) {
        p->fail(QStringLiteral("the engine switched protocols, which Shoal did not ask for"));
        return -1;
    }
    if (status >= 100 && status < 200 && status != 101) {
        // An interim answer; the real one follows on the same connection.
        p->m_headers.clear();
        p->m_lastWasValue = false;
        return 1;
    }
    p->m_statusCode = status;
    p->m_state = State::Body;
    // Returning 1 tells libhttp-parser the message has no body, whatever its headers say.
    return isBodyless(status) ? 1 : 0;
}

int HttpResponseParser::onBody(http_parser *parser, const char *at, size_t length)
{
    auto *p = self(parser);
    if (p->m_state != State::Body) {
        return 0;
    }
    p->m_body.append(at, qsizetype(length));
    return 0;
}

int HttpResponseParser::onMessageComplete(http_parser *parser)
{
    auto *p = self(parser);
    if (p->m_state != State::Body) {
        return 0;
    }
    p->m_state = State::Complete;
    // Stop here: whatever follows the final response is not ours to parse.
    http_parser_pause(parser, 1);
    return 0;
}

void HttpResponseParser::fail(const QString &message)
{
    m_state = State::Failed;
    m_errorString = message;
}

} // namespace Shoal::Core
