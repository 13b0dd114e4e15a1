#include "envfileparser.h"

#include <QFile>

namespace Shoal::Core {

namespace {

bool isValidKey(const QString &key)
{
    if (key.isEmpty()) {
        return false;
    }
    for (const QChar c : key) {
        const bool ok = c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('.') ||
                        c == QLatin1Char('-');
        if (!ok || c.unicode() > 127) {
            return false;
        }
    }
    return !key.at(0).isDigit();
}

bool isBlank(QChar c)
{
    return c == QLatin1Char(' ') || c == QLatin1Char('\t');
}

class Parser
{
public:
    Parser(const QString &text, const QString &fileName, const Interpolator::Lookup &lookup)
        : m_text(text)
        , m_fileName(fileName)
        , m_outer(lookup)
    {}

    EnvFileParser::Result run()
    {
        EnvFileParser::Result result;
        while (m_pos < m_text.size()) {
            if (!parseLine()) {
                result.error = m_error;
                return result;
            }
        }
        result.values = m_values;
        return result;
    }

private:
    bool fail(int line, const QString &reason)
    {
        m_error = QStringLiteral("%1:%2: %3").arg(m_fileName).arg(line).arg(reason);
        return false;
    }

    QString restOfLine()
    {
        int end = m_text.indexOf(QLatin1Char('\n'), m_pos);
        if (end < 0) {
            end = m_text.size();
        }
        QString line = m_text.mid(m_pos, end - m_pos);
        m_pos = end + 1;
        ++m_line;
        if (line.endsWith(QLatin1Char('\r'))) {
            line.chop(1);
        }
        return line;
    }

    std::optional<QString> lookup(const QString &name) const
    {
        const auto it = m_values.constFind(name);
        if (it != m_values.constEnd()) {
            return *it;
        }
        return m_outer ? m_outer(name) : std::nullopt;
    }

    std::optional<QString> expand(const QString &raw, int line)
    {
        const Interpolator interpolator([this](const QString &name) { return lookup(name); },
                                        Interpolator::Syntax::Lenient);
        const Interpolator::Result expanded = interpolator.expand(raw);
        if (!expanded.value) {
            fail(line, expanded.error);
        }
        return expanded.value;
    }

    bool parseLine()
    {
        const int startLine = m_line + 1;
        const int lineStart = m_pos;
        QString line = restOfLine();
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(QLatin1Char('#'))) {
            return true;
        }
        QString body = trimmed;
        if (body.startsWith(QLatin1String("export")) && body.size() > 6 && isBlank(body.at(6))) {
            body = body.mid(7).trimmed();
        }
        const int equals = body.indexOf(QLatin1Char('='));
        if (equals < 0) {
            if (!isValidKey(body)) {
                return fail(startLine, QStringLiteral("invalid variable name \"%1\"").arg(body));
            }
            if (const std::optional<QString> value = m_outer ? m_outer(body) : std::nullopt) {
                m_values.insert(body, *value);
            }
            return true;
        }
        const QString key = body.left(equals).trimmed();
        if (!isValidKey(key)) {
            return fail(startLine, QStringLiteral("invalid variable name \"%1\"").arg(key));
        }

        // The value may continue on later lines when quoted, so it is read from the whole
        // text starting after the '=' rather than from the current line.
        const int valueStart = lineStart + line.indexOf(QLatin1Char('=')) + 1;
        m_pos = valueStart;
        m_line = startLine - 1;
        while (m_pos < m_text.size() && isBlank(m_text.at(m_pos))) {
            ++m_pos;
        }
        const QChar quote = m_pos < m_text.size() ? m_text.at(m_pos) : QChar();
        if (quote == QLatin1Char('"') || quote == QLatin1Char('\'')) {
            return parseQuoted(key, quote, startLine);
        }
        QString raw = restOfLine();
        for (int i = 0; i < raw.size(); ++i) {
            if (raw.at(i) == QLatin1Char('#') && (i == 0 || isBlank(raw.at(i - 1)))) {
                raw.truncate(i);
                break;
            }
        }
        const std::optional<QString> value = expand(raw.trimmed(), startLine);
        if (!value) {
            return false;
        }
        m_values.insert(key, *value);
        return true;
    }

    bool parseQuoted(const QString &key, QChar quote, int startLine)
    {
        ++m_pos;
        QString raw;
        bool closed = false;
        while (m_pos < m_text.size()) {
            const QChar c = m_text.at(m_pos++);
            if (c == QLatin1Char('\n')) {
                ++m_line;
            }
            if (c == quote) {
                closed = true;
                break;
            }
            if (quote == QLatin1Char('"') && c == QLatin1Char('\\') && m_pos < m_text.size()) {
                const QChar escaped = m_text.at(m_pos++);
                switch (escaped.unicode()) {
                case 'n':
                    raw += QLatin1Char('\n');
                    break;
                case 't':
                    raw += QLatin1Char('\t');
                    break;
                case 'r':
                    raw += QLatin1Char('\r');
                    break;
                case '$':
                    // Doubled so that the expansion below keeps one literal dollar.
                    raw += QLatin1String("$$");
                    break;
                case '"':
                case '\\':
                    raw += escaped;
                    break;
                default:
                    raw += QLatin1Char('\\');
                    raw += escaped;
                    break;
                }
                continue;
            }
            raw += c;
        }
        if (!closed) {
            return fail(startLine, QStringLiteral("unterminated quoted value for %1").arg(key));
        }
        const QString trailing = restOfLine().trimmed();
        if (!trailing.isEmpty() && !trailing.startsWith(QLatin1Char('#'))) {
            return fail(startLine,
                        QStringLiteral("unexpected text after the quoted value of %1").arg(key));
        }
        if (quote == QLatin1Char('\'')) {
            m_values.insert(key, raw);
            return true;
        }
        const std::optional<QString> value = expand(raw, startLine);
        if (!value) {
            return false;
        }
        m_values.insert(key, *value);
        return true;
    }

    const QString &m_text;
    QString m_fileName;
    Interpolator::Lookup m_outer;
    QMap<QString, QString> m_values;
    QString m_error;
    int m_pos = 0;
    int m_line = 0;
};

} // namespace

EnvFileParser::Result EnvFileParser::parse(const QString &text, const QString &fileName,
                                           const Interpolator::Lookup &lookup)
{
    return Parser(text, fileName, lookup).run();
}

EnvFileParser::Result EnvFileParser::parseFile(const QString &path, const QString &displayName,
                                               const Interpolator::Lookup &lookup)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        Result result;
        result.error =
            QStringLiteral("%1: cannot read env file: %2").arg(displayName, file.errorString());
        return result;
    }
    if (file.size() > MaxFileSize) {
        Result result;
        result.error =
            QStringLiteral("%1: env file larger than %2 bytes").arg(displayName).arg(MaxFileSize);
        return result;
    }
    return parse(QString::fromUtf8(file.readAll()), displayName, lookup);
}

} // namespace Shoal::Core
