#pragma once

#include <QString>

#include <optional>

namespace Shoal::Core {

/// Compose durations ("1m30s", "10s", "500ms", "1.5h"), which use Go's duration syntax.
class DurationParser
{
public:
    /// Milliseconds, rounded down; nullopt when the text is not a duration.
    static std::optional<qint64> parseMs(const QString &text);
    /// The shortest text parseMs reads back, in Go's style ("1m30s", "500ms", "0s").
    static QString format(qint64 ms);
};

} // namespace Shoal::Core
