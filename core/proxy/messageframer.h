#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace Shoal::Core {

/// One header field as it appears in the received head (views into the caller's buffer).
struct HeaderField
{
    std::string_view name;
    std::string_view value;
};

/// Finds, validates and frames one HTTP/1.x message (RFC 9112) in bytes received from an
/// untrusted peer, without sockets and without copying the head.
///
/// parseHead() is given the bytes received so far; once the whole head is present it checks
/// it strictly (the ambiguities used for request smuggling are refused) and decides how the
/// body is delimited. feedBody() then tells how many of the following bytes still belong to
/// this message, so that bodies (including chunk framing) pass through by counting.
/// The views returned by the head accessors stay valid while the caller's buffer holds the
/// head bytes unchanged.
class MessageFramer final
{
public:
    enum class Kind
    {
        Request,
        Response
    };
    enum class HeadResult
    {
        Incomplete,    ///< no end of head yet, within the limit
        Complete,      ///< headSize() bytes form a valid head
        Malformed,     ///< refuse with 400 (request) or 502 (response) and close
        TooLarge,      ///< the head exceeds the byte limit: 431
        TooManyFields, ///< more header fields than allowed: 431
        Unsupported,   ///< a transfer coding this proxy does not implement: 501
    };
    enum class BodyFraming
    {
        None,       ///< no body follows the head
        Length,     ///< contentLength() bytes
        Chunked,    ///< chunked transfer coding, until the last chunk and trailers
        UntilClose, ///< responses only: until the connection closes
    };

    MessageFramer(Kind kind, std::size_t maxHeadBytes, int maxFields);
    MessageFramer(const MessageFramer &) = delete;
    MessageFramer &operator=(const MessageFramer &) = delete;

    /// Starts a new message. For a response to HEAD, or to a request whose status says there is
    /// no body, pass noBody.
    void reset(bool noBody = false);

    HeadResult parseHead(const char *data, std::size_t size);
    /// Bytes from the start of the data given to parseHead() to the end of the head, including
    /// leading empty lines that were skipped.
    std::size_t headSize() const { return m_headSize; }
    /// Why the head was refused, for the log.
    const char *errorReason() const { return m_errorReason; }

    std::string_view method() const { return m_method; }
    std::string_view target() const { return m_target; }
    int versionMinor() const { return m_versionMinor; }
    int statusCode() const { return m_statusCode; }
    std::string_view reasonPhrase() const { return m_reason; }
    const std::vector<HeaderField> &fields() const { return m_fields; }
    /// `value` without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    static std::string_view trimOws(std::string_view value);
    /// The first value of a field, or an empty view (the names are compared case-blind).
    std::string_view field(std::string_view name) const;
    /// Number of fields with that name.
    int fieldCount(std::string_view name) const;
    /// Whether the Connection field lists `token` (lowercase).
    bool hasConnectionToken(std::string_view token) const;
    const std::vector<std::string> &connectionTokens() const { return m_connectionTokens; }

    BodyFraming framing() const { return m_framing; }
    bool hasContentLength() const { return m_hasContentLength; }
    std::uint64_t contentLength() const { return m_contentLength; }
    /// Whether the sender wants to keep its connection after this message (RFC 9112 §9.3).
    bool keepAlive() const;

    /// Returns how many of `size` bytes belong to the body of this message; fewer than size
    /// once the message ends. Check bodyError() afterwards.
    std::size_t feedBody(const char *data, std::size_t size);
    /// The peer closed its side: ends an UntilClose body; false when that leaves it cut short.
    bool finishAtClose();
    bool messageComplete() const { return m_complete; }
    bool bodyError() const { return m_bodyError; }

private:
    static int onUrl(http_parser *parser, const char *at, std::size_t length);
    static int onStatus(http_parser *parser, const char *at, std::size_t length);
    static int onHeaderField(http_parser *parser, const char *at, std::size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, std::size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onMessageComplete(http_parser *parser);

    enum class ChunkState
    {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerStart,
        TrailerLine,
        TrailerLf,
        FinalLf
    };

    HeadResult fail(HeadResult result, const char *reason);
    std::size_t feedChunked(const char *data, std::size_t size);
    HeadResult checkFields();
    HeadResult decideFraming();

    Kind m_kind;
    std::size_t m_maxHeadBytes;
    int m_maxFields;
    http_parser m_parser{};
    http_parser_settings m_settings{};
    bool m_noBody = false;
    std::size_t m_scanFrom = 0;
    std::size_t m_headSize = 0;
    const char *m_errorReason = "";
    std::string_view m_method;
    std::string_view m_target;
    std::string_view m_reason;
    int m_versionMinor = 1;
    int m_statusCode = 0;
    std::vector<HeaderField> m_fields;
    std::vector<std::string> m_connectionTokens;
    bool m_tooManyFields = false;
    BodyFraming m_framing = BodyFraming::None;
    bool m_hasContentLength = false;
    std::uint64_t m_contentLength = 0;
    ChunkState m_chunkState = ChunkState::Size;
    std::uint64_t m_chunkLeft = 0;
    int m_chunkDigits = 0;
    std::size_t m_trailerBytes = 0;
    bool m_complete = false;
    bool m_bodyError = false;
};

} // namespace Shoal::Core
