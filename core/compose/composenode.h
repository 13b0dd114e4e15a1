#pragma once

#include <QString>

#include <vector>

namespace Shoal::Core {

/// A YAML value together with the file and line it was written at.
///
/// The loader works on these instead of yaml-cpp nodes: they are plain values that can be
/// copied, merged across files and walked without exceptions, and each keeps its origin so
/// that an error found after merging still points at the line the user wrote.
struct ComposeNode
{
    enum class Kind
    {
        Null,
        Scalar,
        Sequence,
        Mapping
    };

    Kind kind = Kind::Null;
    QString scalar;
    bool quoted = false; ///< a quoted scalar is never null and never a merge key
    QString file;        ///< as shown in messages, relative to the project folder
    int line = 0;        ///< 1-based; 0 when unknown
    int column = 0;

    /// Set on the values of a mapping: the key they are stored under.
    QString key;
    bool keyQuoted = false;
    int keyLine = 0;

    /// Items of a sequence, or the values of a mapping in written order.
    std::vector<ComposeNode> children;

    bool isNull() const { return kind == Kind::Null; }
    bool isScalar() const { return kind == Kind::Scalar; }
    bool isSequence() const { return kind == Kind::Sequence; }
    bool isMapping() const { return kind == Kind::Mapping; }

    const ComposeNode *find(const QString &name) const;
    ComposeNode *find(const QString &name);
    /// Replaces the entry stored under name, or appends one; value.key is set to name.
    void set(const QString &name, ComposeNode value);
    bool remove(const QString &name);

    /// "file:line", or just the file when the line is unknown.
    QString location() const;
    /// The line of the key when this is a mapping value, else the node's own line.
    int entryLine() const { return keyLine > 0 ? keyLine : line; }

    static ComposeNode makeScalar(const QString &text, const ComposeNode &origin);
    static ComposeNode makeMapping(const ComposeNode &origin);
    static ComposeNode makeSequence(const ComposeNode &origin);
};

} // namespace Shoal::Core
