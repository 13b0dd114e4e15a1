#pragma once

#include <QList>
#include <QRegularExpression>
#include <QString>

namespace Shoal::Core {

/// The exclusion rules of a build context's .dockerignore file.
///
/// One pattern per line; "#" starts a comment line; "*" and "?" stay within one path
/// segment, "**" spans any number of segments, "[...]" is a character class and "\" escapes.
/// A line starting with "!" re-includes what an earlier line excluded. The last matching
/// line decides. A pattern that matches a folder excludes everything below it.
class DockerIgnore final
{
public:
    /// Parses the text of a .dockerignore file. Patterns that cannot be compiled are
    /// skipped and named in invalidPatterns().
    static DockerIgnore parse(const QByteArray &text);

    /// Whether the path, relative to the context root with "/" separators, is left out.
    bool isExcluded(const QString &relativePath) const;
    /// True when some "!" line exists, so an excluded folder may still hold kept files.
    bool hasExceptions() const { return m_hasExceptions; }
    QStringList invalidPatterns() const { return m_invalid; }

private:
    struct Rule
    {
        QRegularExpression regex;
        bool exception = false;
    };

    QList<Rule> m_rules;
    QStringList m_invalid;
    bool m_hasExceptions = false;
};

} // namespace Shoal::Core
