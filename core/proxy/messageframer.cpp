#include "messageframer.h"

#include <algorithm>
#include <cstring>

namespace Shoal::Core {

namespace {

constexpr std::string_view HeadTerminator = "\r\n\r\n";
/// Empty lines tolerated before a request line (RFC 9112 §2.2 asks servers to skip at least
/// one, left over from a previous body).
constexpr std::size_t MaxLeadingEmptyLines = 4;
/// More digits than any real body length; keeps the arithmetic far from overflow.
constexpr std::size_t MaxContentLengthDigits = 15;
/// Hex digits of a chunk size, for the same reason.
constexpr int MaxChunkSizeDigits = 15;

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool isControl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool equalsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

// tchar, RFC 9110 §5.6.2.
bool isTokenChar(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return true;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

// Calls f on each element of a comma-separated list (RFC 9110 §5.6.1), empty ones skipped.
template <typename F>
void forEachListElement(std::string_view list, F f)
{
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view element = MessageFramer::trimOws(list.substr(0, comma));
        if (!element.empty()) {
            f(element);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
}

MessageFramer *framerOf(http_parser *parser)
{
    return static_cast<MessageFramer *>(parser->data);
}

} // namespace

MessageFramer::MessageFramer(Kind kind, std::size_t maxHeadBytes, int maxFields)
    : m_kind(kind)
    , m_maxHeadBytes(maxHeadBytes)
    , m_maxFields(maxFields)
{
    http_parser_settings_init(&m_settings);
    m_settings.on_url = &MessageFramer::onUrl;
    m_settings.on_status = &MessageFramer::onStatus;
    m_settings.on_header_field = &MessageFramer::onHeaderField;
    m_settings.on_header_value = &MessageFramer::onHeaderValue;
    m_settings.on_headers_complete = &MessageFramer::onHeadersComplete;
    m_settings.on_message_complete = &MessageFramer::onMessageComplete;
    m_fields.reserve(32);
    reset();
}

void MessageFramer::reset(bool noBody)
{
    http_parser_init(&m_parser, m_kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE);
    m_parser.data = this;
    m_noBody = noBody;
    m_scanFrom = 0;
    m_headSize = 0;
    m_errorReason = "";
    m_method = {};
    m_target = {};
    m_reason = {};
    m_versionMinor = 1;
    m_statusCode = 0;
    m_fields.clear();
    m_connectionTokens.clear();
    m_tooManyFields = false;
    m_framing = BodyFraming::None;
    m_hasContentLength = false;
    m_contentLength = 0;
    m_chunkState = ChunkState::Size;
    m_chunkLeft = 0;
    m_chunkDigits = 0;
    m_trailerBytes = 0;
    m_complete = false;
    m_bodyError = false;
}

MessageFramer::HeadResult MessageFramer::fail(HeadResult result, const char *reason)
{
    m_errorReason = reason;
    return result;
}

MessageFramer::HeadResult MessageFramer::parseHead(const char *data, std::size_t size)
{
    std::size_t start = 0;
    if (m_kind == Kind::Request) {
        for (std::size_t i = 0; i < MaxLeadingEmptyLines && size - start >= 2 &&
                                data[start] == '\r' && data[start + 1] == '\n';
             ++i) {
            start += 2;
        }
    }
    const std::size_t limit = std::min(size, m_maxHeadBytes + start);
    const std::string_view view(data, limit);
    const std::size_t from = std::max(m_scanFrom, start);
    const std::size_t end = view.find(HeadTerminator, from);
    if (end == std::string_view::npos) {
        // A head whose lines all end in a bare LF never shows the terminator: refuse it now
        // rather than when the header timeout runs out.
        for (std::size_t i = from; i < limit; ++i) {
            if (data[i] == '\n' && (i == start || data[i - 1] != '\r')) {
                return fail(HeadResult::Malformed, "bare LF in head");
            }
        }
        if (size >= m_maxHeadBytes + start) {
            return fail(HeadResult::TooLarge, "head too large");
        }
        // Resume the search where a terminator could still begin.
        m_scanFrom = limit >= HeadTerminator.size() ? limit - (HeadTerminator.size() - 1) : 0;
        return HeadResult::Incomplete;
    }
    const std::size_t headEnd = end + HeadTerminator.size();

    // Line endings (RFC 9112 §2.2): a bare CR is refused, and so is a bare LF, since peers
    // that disagree on what ends a line disagree on where fields begin. A line starting with
    // whitespace is obs-fold, which a recipient must refuse or replace (§5.2): refused.
    for (std::size_t i = start; i < headEnd; ++i) {
        const unsigned char c = static_cast<unsigned char>(data[i]);
        if (c == '\r') {
            if (i + 1 >= headEnd || data[i + 1] != '\n') {
                return fail(HeadResult::Malformed, "bare CR in head");
            }
            if (i + 2 < headEnd && (data[i + 2] == ' ' || data[i + 2] == '\t')) {
                return fail(HeadResult::Malformed, "obsolete line folding");
            }
        } else if (c == '\n') {
            if (i == start || data[i - 1] != '\r') {
                return fail(HeadResult::Malformed, "bare LF in head");
            }
        } else if (c == 0) {
            return fail(HeadResult::Malformed, "NUL in head");
        }
    }

    m_headSize = headEnd;
    const std::size_t parsed =
        http_parser_execute(&m_parser, &m_settings, data + start, headEnd - start);
    const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
    if (m_tooManyFields) {
        return fail(HeadResult::TooManyFields, "too many header fields");
    }
    if (error == HPE_HEADER_OVERFLOW) {
        return fail(HeadResult::TooLarge, "head too large");
    }
    if (error != HPE_OK && error != HPE_PAUSED) {
        return fail(HeadResult::Malformed, http_errno_name(error));
    }
    if (parsed != headEnd - start) {
        return fail(HeadResult::Malformed, "head framing mismatch");
    }
    m_versionMinor = m_parser.http_major == 1 ? m_parser.http_minor : -1;
    if (m_versionMinor != 0 && m_versionMinor != 1) {
        return fail(HeadResult::Malformed, "unsupported HTTP version");
    }
    if (m_kind == Kind::Request) {
        m_method = http_method_str(static_cast<http_method>(m_parser.method));
    } else {
        m_statusCode = m_parser.status_code;
    }
    const HeadResult fields = checkFields();
    if (fields != HeadResult::Complete) {
        return fields;
    }
    return decideFraming();
}

MessageFramer::HeadResult MessageFramer::checkFields()
{
    for (const HeaderField &f : m_fields) {
        // field-name is a token with the colon right after it (RFC 9112 §5.1).
        if (f.name.empty()) {
            return fail(HeadResult::Malformed, "empty field name");
        }
        for (const char c : f.name) {
            if (!isTokenChar(static_cast<unsigned char>(c))) {
                return fail(HeadResult::Malformed, "invalid field name");
            }
        }
        for (const char c : f.value) {
            const unsigned char u = static_cast<unsigned char>(c);
            if ((u < 0x20 && u != '\t') || u == 0x7f) {
                return fail(HeadResult::Malformed, "control character in field value");
            }
        }
        if (equalsNoCase(f.name, "connection")) {
            forEachListElement(f.value, [this](std::string_view token) {
                std::string t(token);
                std::transform(t.begin(), t.end(), t.begin(), lower);
                m_connectionTokens.push_back(std::move(t));
            });
        }
    }
    if (m_kind == Kind::Request) {
        // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in 1.0.
        const int hosts = fieldCount("host");
        if (hosts > 1 || (hosts == 0 && m_versionMinor == 1)) {
            return fail(HeadResult::Malformed, "missing or repeated Host");
        }
    }
    return HeadResult::Complete;
}

MessageFramer::HeadResult MessageFramer::decideFraming()
{
    bool hasTransferEncoding = false;
    int chunkedCount = 0;
    bool chunkedLast = false;
    bool otherCoding = false;
    bool lengthInvalid = false;
    std::string_view lengthText;
    for (const HeaderField &f : m_fields) {
        if (equalsNoCase(f.name, "transfer-encoding")) {
            hasTransferEncoding = true;
            forEachListElement(f.value, [&](std::string_view coding) {
                const bool chunked = equalsNoCase(coding, "chunked");
                chunkedCount += chunked ? 1 : 0;
                otherCoding = otherCoding || !chunked;
                chunkedLast = chunked;
            });
        } else if (equalsNoCase(f.name, "content-length")) {
            // RFC 9110 §8.6: a list of identical values may be collapsed; anything else in
            // the field is an error, and so are differing values.
            bool any = false;
            forEachListElement(f.value, [&](std::string_view value) {
                any = true;
                const bool digits = value.size() <= MaxContentLengthDigits &&
                                    std::all_of(value.begin(), value.end(),
                                                [](char c) { return c >= '0' && c <= '9'; });
                if (!digits || (!lengthText.empty() && value != lengthText)) {
                    lengthInvalid = true;
                }
                lengthText = value;
            });
            lengthInvalid = lengthInvalid || !any;
        }
    }
    if (lengthInvalid) {
        return fail(HeadResult::Malformed, "invalid Content-Length");
    }
    m_hasContentLength = !lengthText.empty();
    m_contentLength = 0;
    for (const char c : lengthText) {
        m_contentLength = m_contentLength * 10 + std::uint64_t(c - '0');
    }

    if (hasTransferEncoding) {
        // RFC 9112 §6.3: Transfer-Encoding with Content-Length is a smuggling attempt in all
        // but name; a proxy must not forward both. Refused for requests and responses.
        if (m_hasContentLength) {
            return fail(HeadResult::Malformed, "Content-Length with Transfer-Encoding");
        }
        if (m_kind == Kind::Request) {
            // §6.1: HTTP/1.0 has no transfer codings; the framing cannot be trusted.
            if (m_versionMinor == 0) {
                return fail(HeadResult::Malformed, "Transfer-Encoding in HTTP/1.0");
            }
            // §6.3: a request whose final coding is not chunked has no determinable length.
            if (!chunkedLast || chunkedCount != 1) {
                return fail(HeadResult::Malformed, "final transfer coding is not chunked");
            }
            if (otherCoding) {
                return fail(HeadResult::Unsupported, "unsupported transfer coding");
            }
        } else if (chunkedCount > 1 || (chunkedCount == 1 && !chunkedLast)) {
            return fail(HeadResult::Malformed, "chunked applied twice or not last");
        }
    }

    if (m_kind == Kind::Request) {
        if (hasTransferEncoding) {
            m_framing = BodyFraming::Chunked;
        } else {
            m_framing = m_contentLength > 0 ? BodyFraming::Length : BodyFraming::None;
        }
    } else {
        // RFC 9112 §6.3 items 1-2: no body after HEAD, 1xx, 204 and 304 whatever the fields.
        const bool bodiless = m_noBody || (m_statusCode >= 100 && m_statusCode < 200) ||
                              m_statusCode == 204 || m_statusCode == 304;
        if (bodiless) {
            m_framing = BodyFraming::None;
        } else if (hasTransferEncoding) {
            m_framing = chunkedLast ? BodyFraming::Chunked : BodyFraming::UntilClose;
        } else if (m_hasContentLength) {
            m_framing = m_contentLength > 0 ? BodyFraming::Length : BodyFraming::None;
        } else {
            m_framing = BodyFraming::UntilClose;
        }
    }
    // The parser must agree with the framing decided here, or the bytes it counts as body
    // would not be the ones this proxy forwards.
    const bool parserDone = m_complete;
    if ((m_framing == BodyFraming::None) != parserDone) {
        return fail(HeadResult::Malformed, "framing disagreement");
    }
    return HeadResult::Complete;
}

std::string_view MessageFramer::trimOws(std::string_view value)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    return value;
}

std::string_view MessageFramer::field(std::string_view name) const
{
    for (const HeaderField &f : m_fields) {
        if (equalsNoCase(f.name, name)) {
            return f.value;
        }
    }
    return {};
}

int MessageFramer::fieldCount(std::string_view name) const
{
    return int(std::count_if(m_fields.begin(), m_fields.end(),
                             [name](const HeaderField &f) { return equalsNoCase(f.name, name); }));
}

bool MessageFramer::hasConnectionToken(std::string_view token) const
{
    return std::find(m_connectionTokens.begin(), m_connectionTokens.end(), token) !=
           m_connectionTokens.end();
}

bool MessageFramer::keepAlive() const
{
    // RFC 9112 §9.3: "close" ends the connection; HTTP/1.0 persists only when asked to.
    if (hasConnectionToken("close") || m_framing == BodyFraming::UntilClose) {
        return false;
    }
    return m_versionMinor >= 1 || hasConnectionToken("keep-alive");
}

std::size_t MessageFramer::feedBody(const char *data, std::size_t size)
{
    if (m_complete || m_bodyError || size == 0) {
        return 0;
    }
    if (m_framing == BodyFraming::Chunked) {
        return feedChunked(data, size);
    }
    const std::size_t used = http_parser_execute(&m_parser, &m_settings, data, size);
    const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
    if (error != HPE_OK && error != HPE_PAUSED) {
        m_bodyError = true;
        return 0;
    }
    return used;
}

// Chunked framing (RFC 9112 §7.1) is checked here rather than by http_parser: the library
// as packaged accepts a lone CR where a chunk-size line must end in CRLF, which is exactly
// the disagreement between hops that smuggling relies on.
std::size_t MessageFramer::feedChunked(const char *data, std::size_t size)
{
    for (std::size_t i = 0; i < size; ++i) {
        const char c = data[i];
        switch (m_chunkState) {
        case ChunkState::Size: {
            const int digit = hexValue(c);
            if (digit >= 0 && m_chunkDigits < MaxChunkSizeDigits) {
                m_chunkLeft = m_chunkLeft * 16 + std::uint64_t(digit);
                ++m_chunkDigits;
            } else if (m_chunkDigits > 0 && (c == ';' || c == ' ' || c == '\t')) {
                m_chunkState = ChunkState::Extension;
            } else if (m_chunkDigits > 0 && c == '\r') {
                m_chunkState = ChunkState::SizeLf;
            } else {
                m_bodyError = true;
                return 0;
            }
            break;
        }
        case ChunkState::Extension:
            if (c == '\r') {
                m_chunkState = ChunkState::SizeLf;
            } else if (isControl(static_cast<unsigned char>(c))) {
                m_bodyError = true;
                return 0;
            }
            break;
        case ChunkState::SizeLf:
            if (c != '\n') {
                m_bodyError = true;
                return 0;
            }
            m_chunkState = m_chunkLeft == 0 ? ChunkState::TrailerStart : ChunkState::Data;
            break;
        case ChunkState::Data: {
            const std::uint64_t take = std::min<std::uint64_t>(m_chunkLeft, size - i);
            m_chunkLeft -= take;
            i += std::size_t(take) - 1;
            if (m_chunkLeft == 0) {
                m_chunkState = ChunkState::DataCr;
            }
            break;
        }
        case ChunkState::DataCr:
        case ChunkState::DataLf:
            if (c != (m_chunkState == ChunkState::DataCr ? '\r' : '\n')) {
                m_bodyError = true;
                return 0;
            }
            if (m_chunkState == ChunkState::DataLf) {
                m_chunkDigits = 0;
                m_chunkState = ChunkState::Size;
            } else {
                m_chunkState = ChunkState::DataLf;
            }
            break;
        case ChunkState::TrailerStart:
        case ChunkState::TrailerLine:
        case ChunkState::TrailerLf:
        case ChunkState::FinalLf:
            // Trailer fields (§7.1.2) count against the head limit.
            if (++m_trailerBytes > m_maxHeadBytes) {
                m_bodyError = true;
                return 0;
            }
            if (m_chunkState == ChunkState::TrailerStart) {
                if (c == '\r') {
                    m_chunkState = ChunkState::FinalLf;
                } else if (isTokenChar(static_cast<unsigned char>(c))) {
                    m_chunkState = ChunkState::TrailerLine;
                } else {
                    m_bodyError = true;
                    return 0;
                }
            } else if (m_chunkState == ChunkState::TrailerLine) {
                if (c == '\r') {
                    m_chunkState = ChunkState::TrailerLf;
                } else if (isControl(static_cast<unsigned char>(c))) {
                    m_bodyError = true;
                    return 0;
                }
            } else if (c != '\n') {
                m_bodyError = true;
                return 0;
            } else if (m_chunkState == ChunkState::TrailerLf) {
                m_chunkState = ChunkState::TrailerStart;
            } else {
                m_complete = true;
                return i + 1;
            }
            break;
        }
    }
    return size;
}

bool MessageFramer::finishAtClose()
{
    if (m_complete) {
        return true;
    }
    if (m_framing != BodyFraming::UntilClose || m_bodyError) {
        return false;
    }
    http_parser_execute(&m_parser, &m_settings, nullptr, 0);
    m_complete = true;
    return true;
}

// The whole head is parsed in one call, so each token reaches these callbacks in one piece.
int MessageFramer::onUrl(http_parser *parser, const char *at, std::size_t length)
{
    framerOf(parser)->m_target = std::string_view(at, length);
    return 0;
}

int MessageFramer::onStatus(http_parser *parser, const char *at, std::size_t length)
{
    framerOf(parser)->m_reason = std::string_view(at, length);
    return 0;
}

int MessageFramer::onHeaderField(http_parser *parser, const char *at, std::size_t length)
{
    MessageFramer *self = framerOf(parser);
    if (int(self->m_fields.size()) >= self->m_maxFields) {
        self->m_tooManyFields = true;
        return 1;
    }
    self->m_fields.push_back({std::string_view(at, length), std::string_view(at + length, 0)});
    return 0;
}

int MessageFramer::onHeaderValue(http_parser *parser, const char *at, std::size_t length)
{
    MessageFramer *self = framerOf(parser);
    if (self->m_fields.empty()) {
        return 1;
    }
    self->m_fields.back().value = std::string_view(at, length);
    return 0;
}

int MessageFramer::onHeadersComplete(http_parser *parser)
{
    // 1 tells the parser that no body follows (a response to HEAD).
    return framerOf(parser)->m_noBody ? 1 : 0;
}

int MessageFramer::onMessageComplete(http_parser *parser)
{
    MessageFramer *self = framerOf(parser);
    self->m_complete = true;
    // Pausing makes http_parser_execute() return right after this message, so that the
    // bytes of a pipelined next message are left to the caller.
    http_parser_pause(parser, 1);
    return 0;
}

} // namespace Shoal::Core
