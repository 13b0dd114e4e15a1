#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace Shoal::Core {

/// Splits a `command:` or `entrypoint:` string into words as a POSIX shell would, without
/// expanding anything: quotes group, backslashes escape, and whitespace separates.
class ShellSplitter
{
public:
    /// nullopt when a quote is left open.
    static std::optional<QStringList> split(const QString &text);
};

} // namespace Shoal::Core
