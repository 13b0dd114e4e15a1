#pragma once

#include "composenode.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace Shoal::Core {

/// Parses YAML text into ComposeNode trees; the only place that sees yaml-cpp's parser.
///
/// Aliases are expanded into copies and `<<` merge keys are resolved, so callers get plain
/// trees. No yaml-cpp exception leaves this class.
class YamlReader
{
public:
    /// Alias expansion can grow a small document exponentially; past this many nodes the
    /// document is refused instead of exhausting memory.
    static constexpr int MaxNodes = 2'000'000;
    /// Deeper documents are refused; this also stops an alias that refers to the node that
    /// contains it, which yaml-cpp turns into a cycle.
    static constexpr int MaxDepth = 256;

    struct Result
    {
        std::optional<ComposeNode> root; ///< a Null node for an empty document
        QString error;                   ///< "file:line:column: reason"
    };

    static Result read(const QByteArray &text, const QString &fileName);
};

} // namespace Shoal::Core
