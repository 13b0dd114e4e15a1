#include "portparser.h"

#include <QHostAddress>

namespace Shoal::Core {

namespace {

constexpr int MaxPort = 65535;

struct Range
{
    int first = 0;
    int last = 0;
    bool isRange() const { return last != first; }
    int length() const { return last - first; }
};

std::optional<int> parsePort(const QString &text, QString &error)
{
    bool ok = false;
    const int port = text.toInt(&ok);
    if (!ok || text.startsWith(QLatin1Char('+')) || text.startsWith(QLatin1Char('-'))) {
        error = QStringLiteral("invalid port \"%1\"").arg(text);
        return std::nullopt;
    }
    if (port < 1 || port > MaxPort) {
        error = QStringLiteral("port %1 out of range 1-%2").arg(port).arg(MaxPort);
        return std::nullopt;
    }
    return port;
}

std::optional<Range> parseRange(const QString &text, QString &error)
{
    const int dash = text.indexOf(QLatin1Char('-'), 1);
    if (dash < 0) {
        const std::optional<int> port = parsePort(text, error);
        if (!port) {
            return std::nullopt;
        }
        return Range{*port, *port};
    }
    const std::optional<int> first = parsePort(text.left(dash), error);
    const std::optional<int> last = first ? parsePort(text.mid(dash + 1), error) : std::nullopt;
    if (!first || !last) {
        return std::nullopt;
    }
    if (*last < *first) {
        error = QStringLiteral("invalid port range \"%1\"").arg(text);
        return std::nullopt;
    }
    return Range{*first, *last};
}

bool validProtocol(const QString &protocol)
{
    return protocol == QLatin1String("tcp") || protocol == QLatin1String("udp") ||
           protocol == QLatin1String("sctp");
}

std::optional<QString> parseHostIp(const QString &text, QString &error)
{
    QString ip = text;
    if (ip.startsWith(QLatin1Char('[')) && ip.endsWith(QLatin1Char(']'))) {
        ip = ip.mid(1, ip.size() - 2);
    }
    if (ip.isEmpty()) {
        return ip;
    }
    // A bad address must not degrade into "all interfaces": it is refused here.
    QHostAddress address;
    if (ip.contains(QLatin1Char('/')) || !address.setAddress(ip)) {
        error = QStringLiteral("invalid host IP \"%1\"").arg(text);
        return std::nullopt;
    }
    return address.toString();
}

PortParser::Result failure(const QString &error)
{
    PortParser::Result result;
    result.error = error;
    return result;
}

PortParser::Result build(const QString &hostIp, const QString &published, const QString &target,
                         const QString &protocol, bool targetMayBeRange)
{
    QString error;
    const std::optional<QString> ip = parseHostIp(hostIp, error);
    if (!ip) {
        return failure(error);
    }
    if (!validProtocol(protocol)) {
        return failure(QStringLiteral("invalid protocol \"%1\"").arg(protocol));
    }
    const std::optional<Range> targetRange = parseRange(target, error);
    if (!targetRange) {
        return failure(error);
    }
    if (targetRange->isRange() && !targetMayBeRange) {
        return failure(
            QStringLiteral("target must be a single port, not the range \"%1\"").arg(target));
    }
    Range publishedRange;
    if (!published.isEmpty()) {
        const std::optional<Range> parsed = parseRange(published, error);
        if (!parsed) {
            return failure(error);
        }
        publishedRange = *parsed;
        // One container port may take any free port of a host range; a container range
        // needs a host range of the same length.
        if (targetRange->isRange() && publishedRange.length() != targetRange->length()) {
            return failure(QStringLiteral("port ranges \"%1\" and \"%2\" differ in length")
                               .arg(published, target));
        }
    }
    PortMapping mapping;
    mapping.hostIp = *ip;
    mapping.published = publishedRange.first;
    mapping.publishedEnd = publishedRange.last;
    mapping.target = targetRange->first;
    mapping.targetEnd = targetRange->last;
    mapping.protocol = protocol;
    PortParser::Result result;
    result.mapping = mapping;
    return result;
}

} // namespace

PortParser::Result PortParser::parseShort(const QString &text)
{
    QString rest = text.trimmed();
    QString protocol = QStringLiteral("tcp");
    const int slash = rest.lastIndexOf(QLatin1Char('/'));
    if (slash >= 0) {
        protocol = rest.mid(slash + 1);
        rest = rest.left(slash);
        if (!validProtocol(protocol)) {
            return failure(
                QStringLiteral("invalid port \"%1\": unknown protocol \"%2\"").arg(text, protocol));
        }
    }
    if (rest.isEmpty()) {
        return failure(QStringLiteral("invalid port \"%1\"").arg(text));
    }

    QString hostIp;
    QString published;
    QString target;
    if (rest.startsWith(QLatin1Char('['))) {
        const int close = rest.indexOf(QLatin1Char(']'));
        if (close < 0 || close + 1 >= rest.size() || rest.at(close + 1) != QLatin1Char(':')) {
            return failure(QStringLiteral("invalid port \"%1\"").arg(text));
        }
        hostIp = rest.left(close + 1);
        const QStringList ports = rest.mid(close + 2).split(QLatin1Char(':'));
        if (ports.size() != 2) {
            return failure(QStringLiteral("invalid port \"%1\"").arg(text));
        }
        published = ports.at(0);
        target = ports.at(1);
    } else {
        // Split from the right as the engine's CLI does: the last part is the container
        // port, the one before it the host port, and whatever precedes them the address.
        const QStringList parts = rest.split(QLatin1Char(':'));
        target = parts.last();
        if (parts.size() >= 2) {
            published = parts.at(parts.size() - 2);
        }
        if (parts.size() >= 3) {
            hostIp = parts.mid(0, parts.size() - 2).join(QLatin1Char(':'));
            if (hostIp.isEmpty()) {
                return failure(QStringLiteral("invalid port \"%1\"").arg(text));
            }
        }
    }
    Result result = build(hostIp, published, target, protocol, true);
    if (!result.mapping && !result.error.contains(text)) {
        result.error = QStringLiteral("invalid port \"%1\": %2").arg(text, result.error);
    }
    return result;
}

PortParser::Result PortParser::parseLong(const QString &target, const QString &published,
                                         const QString &hostIp, const QString &protocol)
{
    return build(hostIp, published, target, protocol.isEmpty() ? QStringLiteral("tcp") : protocol,
                 false);
}

QString PortParser::toShortSyntax(const PortMapping &mapping)
{
    const auto range = [](int first, int last) {
        return last > first ? QStringLiteral("%1-%2").arg(first).arg(last) : QString::number(first);
    };
    QString out;
    if (!mapping.hostIp.isEmpty()) {
        out += mapping.hostIp.contains(QLatin1Char(':'))
                   ? QStringLiteral("[%1]:").arg(mapping.hostIp)
                   : mapping.hostIp + QLatin1Char(':');
    }
    if (mapping.published > 0) {
        out += range(mapping.published, mapping.publishedEnd) + QLatin1Char(':');
    } else if (!out.isEmpty()) {
        out += QLatin1Char(':');
    }
    out += range(mapping.target, mapping.targetEnd);
    if (mapping.protocol != QLatin1String("tcp")) {
        out += QLatin1Char('/') + mapping.protocol;
    }
    return out;
}

} // namespace Shoal::Core
