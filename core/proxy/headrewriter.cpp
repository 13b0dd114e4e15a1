#include "headrewriter.h"

#include "messageframer.h"

#include <algorithm>
#include <array>
#include <optional>

namespace Shoal::Core {

namespace {

// RFC 9110 §7.6.1: fields that describe one connection only. Proxy-Authorization and
// Proxy-Authenticate are meant for this proxy (§11.7.1, §11.7.2), not for the next hop.
// Transfer-Encoding and Content-Length are written again from the framing decision.
constexpr std::array<std::string_view, 10> ConnectionFields = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
};

// Fields that Connection may not remove, or the next hop would get another message.
constexpr std::array<std::string_view, 1> Unremovable = {"host"};

bool equalsNoCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
               return low(x) == low(y);
           });
}

bool containsNoCase(std::string_view list, std::string_view token)
{
    bool found = false;
    while (!list.empty() && !found) {
        const std::size_t comma = list.find(',');
        std::string_view element = list.substr(0, comma);
        while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) {
            element.remove_prefix(1);
        }
        while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) {
            element.remove_suffix(1);
        }
        found = equalsNoCase(element, token);
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return found;
}

bool isConnectionSpecific(std::string_view name, const MessageFramer &message)
{
    for (const std::string_view f : ConnectionFields) {
        if (equalsNoCase(name, f)) {
            return true;
        }
    }
    for (const std::string_view f : Unremovable) {
        if (equalsNoCase(name, f)) {
            return false;
        }
    }
    for (const std::string &token : message.connectionTokens()) {
        if (equalsNoCase(name, token)) {
            return true;
        }
    }
    return false;
}

void appendField(std::string &out, std::string_view name, std::string_view value)
{
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

void appendFraming(std::string &out, const MessageFramer &message)
{
    if (message.framing() == MessageFramer::BodyFraming::Chunked) {
        appendField(out, "Transfer-Encoding", "chunked");
    } else if (message.hasContentLength()) {
        appendField(out, "Content-Length", std::to_string(message.contentLength()));
    }
}

/// A request target in absolute form (RFC 9112 §3.2.2), split into its authority and the
/// origin-form target for the replica; nothing for the usual origin form.
struct AbsoluteTarget
{
    std::string_view authority;
    std::string_view path; ///< empty for "http://host" and "http://host?q"
    std::string_view query;
};

std::optional<AbsoluteTarget> splitAbsoluteTarget(std::string_view target)
{
    std::size_t schemeEnd = 0;
    constexpr std::string_view Schemes[] = {"http://", "https://"};
    for (const std::string_view scheme : Schemes) {
        if (target.size() > scheme.size() &&
            equalsNoCase(target.substr(0, scheme.size()), scheme)) {
            schemeEnd = scheme.size();
        }
    }
    if (schemeEnd == 0) {
        return std::nullopt;
    }
    const std::string_view rest = target.substr(schemeEnd);
    const std::size_t authorityEnd = std::min(rest.find_first_of("/?#"), rest.size());
    AbsoluteTarget split;
    split.authority = rest.substr(0, authorityEnd);
    const std::string_view tail = rest.substr(authorityEnd);
    const std::size_t queryStart = std::min(tail.find('?'), tail.size());
    split.path = tail.substr(0, queryStart);
    split.query = tail.substr(queryStart);
    return split;
}

} // namespace

bool HeadRewriter::isTunnelUpgrade(const MessageFramer &request)
{
    return request.versionMinor() == 1 && request.hasConnectionToken("upgrade") &&
           containsNoCase(request.field("upgrade"), "websocket");
}

void HeadRewriter::appendUpstreamRequest(std::string &out, const MessageFramer &request,
                                         std::string_view clientAddress)
{
    const bool http10 = request.versionMinor() == 0;
    // A client that talks to Shoal as to a forward proxy names the host in the target: the
    // replica gets the origin form, and the target's host replaces the Host field (§3.2.2).
    const std::optional<AbsoluteTarget> absolute = splitAbsoluteTarget(request.target());
    out.append(request.method());
    out.push_back(' ');
    if (absolute) {
        out.append(absolute->path.empty() ? "/" : absolute->path);
        out.append(absolute->query);
    } else {
        out.append(request.target());
    }
    out.append(http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    if (absolute && !absolute->authority.empty()) {
        appendField(out, "Host", absolute->authority);
    }

    std::string forwardedFor;
    for (const HeaderField &f : request.fields()) {
        if (isConnectionSpecific(f.name, request)) {
            continue;
        }
        if (equalsNoCase(f.name, "x-forwarded-for")) {
            forwardedFor.append(forwardedFor.empty() ? "" : ", ");
            forwardedFor.append(f.value);
            continue;
        }
        const bool replaced =
            equalsNoCase(f.name, "x-forwarded-proto") || equalsNoCase(f.name, "x-forwarded-host");
        if (replaced) {
            continue;
        }
        // RFC 9110 §10.1.1: an HTTP/1.0 request's 100-continue expectation is ignored.
        if (http10 && equalsNoCase(f.name, "expect")) {
            continue;
        }
        if (absolute && !absolute->authority.empty() && equalsNoCase(f.name, "host")) {
            continue;
        }
        appendField(out, f.name, f.value);
    }
    appendFraming(out, request);
    forwardedFor.append(forwardedFor.empty() ? "" : ", ");
    forwardedFor.append(clientAddress);
    appendField(out, "X-Forwarded-For", forwardedFor);
    appendField(out, "X-Forwarded-Proto", "http");
    const std::string_view host =
        absolute && !absolute->authority.empty() ? absolute->authority : request.field("host");
    if (!host.empty()) {
        appendField(out, "X-Forwarded-Host", host);
    }
    if (isTunnelUpgrade(request)) {
        appendField(out, "Upgrade", request.field("upgrade"));
        appendField(out, "Connection", "upgrade");
    } else if (http10) {
        // The upstream hop is the proxy's own: keep it open whatever the client said.
        appendField(out, "Connection", "keep-alive");
    }
    out.append("\r\n");
}

void HeadRewriter::appendClientResponse(std::string &out, const MessageFramer &response,
                                        bool closeClient, int clientVersionMinor)
{
    const int status = response.statusCode();
    out.append("HTTP/1.1 ");
    out.append(std::to_string(status));
    out.push_back(' ');
    out.append(response.reasonPhrase());
    out.append("\r\n");
    for (const HeaderField &f : response.fields()) {
        if (!isConnectionSpecific(f.name, response)) {
            appendField(out, f.name, f.value);
        }
    }
    if (response.framing() == MessageFramer::BodyFraming::UntilClose) {
        const std::string_view codings = response.field("transfer-encoding");
        if (!codings.empty()) {
            appendField(out, "Transfer-Encoding", codings);
        }
    } else {
        appendFraming(out, response);
    }
    if (status == 101) {
        appendField(out, "Upgrade", response.field("upgrade"));
        appendField(out, "Connection", "upgrade");
    } else if (status >= 200 && closeClient) {
        appendField(out, "Connection", "close");
    } else if (status >= 200 && clientVersionMinor == 0) {
        appendField(out, "Connection", "keep-alive");
    }
    out.append("\r\n");
}

void HeadRewriter::appendProxyResponse(std::string &out, int status, std::string_view text,
                                       bool closeClient)
{
    out.append("HTTP/1.1 ");
    out.append(std::to_string(status));
    out.push_back(' ');
    out.append(reasonPhrase(status));
    out.append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    out.append(std::to_string(text.size() + 1));
    out.append(closeClient ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
    out.append(text);
    out.push_back('\n');
}

const char *HeadRewriter::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 400:
        return "Bad Request";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 417:
        return "Expectation Failed";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Error";
    }
}

} // namespace Shoal::Core
