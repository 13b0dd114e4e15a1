#include "interpolator.h"

namespace Shoal::Core {

namespace {

bool isNameStart(QChar c)
{
    return c == QLatin1Char('_') || (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
           (c >= QLatin1Char('A') && c <= QLatin1Char('Z'));
}

bool isNameChar(QChar c)
{
    return isNameStart(c) || (c >= QLatin1Char('0') && c <= QLatin1Char('9'));
}

Interpolator::Result failure(const QString &message)
{
    Interpolator::Result result;
    result.error = message;
    return result;
}

Interpolator::Result success(const QString &value)
{
    Interpolator::Result result;
    result.value = value;
    return result;
}

QString invalidFormat(const QString &text)
{
    return QStringLiteral("invalid interpolation format in \"%1\": you may need to escape "
                          "any $ with another $")
        .arg(text);
}

} // namespace

Interpolator::Interpolator(Lookup lookup, Syntax syntax)
    : m_lookup(std::move(lookup))
    , m_syntax(syntax)
{}

Interpolator::Result Interpolator::expand(const QString &text) const
{
    return expand(text, 0);
}

Interpolator::Result Interpolator::expand(const QString &text, int depth) const
{
    if (depth > MaxNesting) {
        return failure(QStringLiteral("variables nested more than %1 levels deep in \"%2\"")
                           .arg(MaxNesting)
                           .arg(text));
    }
    QString out;
    out.reserve(text.size());
    const int size = text.size();
    int i = 0;
    while (i < size) {
        const QChar c = text.at(i);
        if (c != QLatin1Char('$')) {
            out += c;
            ++i;
            continue;
        }
        const bool startsNothing =
            i + 1 >= size || (text.at(i + 1) != QLatin1Char('$') &&
                              text.at(i + 1) != QLatin1Char('{') && !isNameStart(text.at(i + 1)));
        if (startsNothing) {
            if (m_syntax == Syntax::Strict) {
                return failure(invalidFormat(text));
            }
            out += c;
            ++i;
            continue;
        }
        const QChar next = text.at(i + 1);
        if (next == QLatin1Char('$')) {
            out += QLatin1Char('$');
            i += 2;
        } else if (next == QLatin1Char('{')) {
            int end = 0;
            Result part = expandBraced(text, i + 2, end, depth);
            if (!part.value) {
                return part;
            }
            out += *part.value;
            i = end;
        } else {
            int end = i + 1;
            while (end < size && isNameChar(text.at(end))) {
                ++end;
            }
            out += m_lookup(text.mid(i + 1, end - i - 1)).value_or(QString());
            i = end;
        }
    }
    return success(out);
}

Interpolator::Result Interpolator::expandBraced(const QString &text, int start, int &end,
                                                int depth) const
{
    const QString invalidTemplate = QStringLiteral("invalid template: \"%1\"").arg(text);
    const int size = text.size();
    int i = start;
    if (i >= size || !isNameStart(text.at(i))) {
        return failure(invalidTemplate);
    }
    while (i < size && isNameChar(text.at(i))) {
        ++i;
    }
    const QString name = text.mid(start, i - start);
    if (i >= size) {
        return failure(invalidTemplate);
    }
    if (text.at(i) == QLatin1Char('}')) {
        end = i + 1;
        return success(m_lookup(name).value_or(QString()));
    }

    bool colon = false;
    if (text.at(i) == QLatin1Char(':')) {
        colon = true;
        ++i;
    }
    if (i >= size) {
        return failure(invalidTemplate);
    }
    const QChar op = text.at(i);
    if (op != QLatin1Char('-') && op != QLatin1Char('?') && op != QLatin1Char('+')) {
        return failure(invalidTemplate);
    }
    ++i;

    // The operand runs to the brace that closes this expression; inner `${` open nested ones
    // and `$$` must not be mistaken for the start of one.
    const int operandStart = i;
    int nesting = 0;
    for (; i < size; ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('$') && i + 1 < size) {
            if (text.at(i + 1) == QLatin1Char('{')) {
                ++nesting;
                ++i;
            } else if (text.at(i + 1) == QLatin1Char('$')) {
                ++i;
            }
        } else if (c == QLatin1Char('}')) {
            if (nesting == 0) {
                break;
            }
            --nesting;
        }
    }
    if (i >= size) {
        return failure(invalidTemplate);
    }
    end = i + 1;
    const QString operand = text.mid(operandStart, i - operandStart);

    const std::optional<QString> current = m_lookup(name);
    const bool usable = current.has_value() && (!colon || !current->isEmpty());
    if (op == QLatin1Char('-')) {
        return usable ? success(*current) : expand(operand, depth + 1);
    }
    if (op == QLatin1Char('+')) {
        return usable ? expand(operand, depth + 1) : success(QString());
    }
    if (usable) {
        return success(*current);
    }
    Result message = expand(operand, depth + 1);
    QString error = QStringLiteral("required variable %1 is missing a value").arg(name);
    if (message.value && !message.value->isEmpty()) {
        error += QStringLiteral(": ") + *message.value;
    }
    return failure(error);
}

} // namespace Shoal::Core
