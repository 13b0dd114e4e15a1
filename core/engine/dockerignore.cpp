#include "dockerignore.h"

#include <QDir>

namespace Shoal::Core {

namespace {

/// Translates one cleaned pattern into an anchored regular expression, or an empty string
/// when the pattern is malformed (an unterminated escape).
QString regexOf(const QString &pattern)
{
    QString out = QStringLiteral("^");
    const qsizetype n = pattern.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = pattern.at(i);
        if (c == QLatin1Char('*')) {
            if (i + 1 < n && pattern.at(i + 1) == QLatin1Char('*')) {
                while (i + 1 < n && pattern.at(i + 1) == QLatin1Char('*')) {
                    ++i;
                }
                if (i + 1 < n && pattern.at(i + 1) == QLatin1Char('/')) {
                    // "**/" may also stand for no folder at all.
                    ++i;
                    out += QStringLiteral("(?:.*/)?");
                } else {
                    out += QStringLiteral(".*");
                }
            } else {
                out += QStringLiteral("[^/]*");
            }
        } else if (c == QLatin1Char('?')) {
            out += QStringLiteral("[^/]");
        } else if (c == QLatin1Char('\\')) {
            if (i + 1 >= n) {
                return {};
            }
            ++i;
            out += QRegularExpression::escape(pattern.at(i));
        } else if (c == QLatin1Char('[')) {
            const qsizetype close = pattern.indexOf(QLatin1Char(']'), i + 2);
            if (close < 0) {
                out += QRegularExpression::escape(c);
                continue;
            }
            QString body = pattern.mid(i + 1, close - i - 1);
            if (body.startsWith(QLatin1Char('!'))) {
                body[0] = QLatin1Char('^');
            }
            body.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
            body.replace(QLatin1Char('['), QStringLiteral("\\["));
            out += QLatin1Char('[') + body + QLatin1Char(']');
            i = close;
        } else {
            out += QRegularExpression::escape(c);
        }
    }
    out += QLatin1Char('$');
    return out;
}

} // namespace

DockerIgnore DockerIgnore::parse(const QByteArray &text)
{
    DockerIgnore ignore;
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &rawLine : lines) {
        QString line = QString::fromUtf8(rawLine).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) {
            continue;
        }
        Rule rule;
        if (line.startsWith(QLatin1Char('!'))) {
            rule.exception = true;
            line = line.mid(1).trimmed();
        }
        // Patterns are relative to the context root whether or not they start with "/".
        QString cleaned = QDir::cleanPath(line);
        while (cleaned.startsWith(QLatin1Char('/'))) {
            cleaned.remove(0, 1);
        }
        if (cleaned.isEmpty() || cleaned == QLatin1String(".")) {
            continue;
        }
        const QString regex = regexOf(cleaned);
        rule.regex = QRegularExpression(regex);
        if (regex.isEmpty() || !rule.regex.isValid()) {
            ignore.m_invalid.append(line);
            continue;
        }
        ignore.m_hasExceptions = ignore.m_hasExceptions || rule.exception;
        ignore.m_rules.append(rule);
    }
    return ignore;
}

bool DockerIgnore::isExcluded(const QString &relativePath) const
{
    const QStringList segments = relativePath.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    bool excluded = false;
    for (const Rule &rule : m_rules) {
        bool matched = rule.regex.match(relativePath).hasMatch();
        // A rule also matches a path when it matches one of its parent folders.
        for (qsizetype depth = 1; !matched && depth < segments.size(); ++depth) {
            matched = rule.regex.match(segments.mid(0, depth).join(QLatin1Char('/'))).hasMatch();
        }
        if (matched) {
            excluded = !rule.exception;
        }
    }
    return excluded;
}

} // namespace Shoal::Core
