#pragma once

#include <core/compose/composeproject.h>

#include <QString>

#include <optional>

namespace Shoal::Core {

/// Reads one `ports:` entry in the short syntax ("127.0.0.1:8080-8081:80-81/udp",
/// "[::1]:6001:6001", "3000") or from the fields of the long syntax, and checks it: ports in
/// 1-65535, ranges ascending and of matching length, host addresses that are addresses.
class PortParser
{
public:
    struct Result
    {
        std::optional<PortMapping> mapping;
        QString error; ///< "invalid port range \"90-80\"" and the like
    };

    static Result parseShort(const QString &text);
    /// published may be empty (ephemeral) or a range; target must be a single port.
    static Result parseLong(const QString &target, const QString &published, const QString &hostIp,
                            const QString &protocol);
    /// The short syntax for a mapping, brackets around an IPv6 host address.
    static QString toShortSyntax(const PortMapping &mapping);
};

} // namespace Shoal::Core
