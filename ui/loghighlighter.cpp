#include "loghighlighter.h"

#include <QTextCharFormat>

namespace Shoal::Ui {

namespace {
const QString Separator = QStringLiteral(" | ");
const QColor MatchBackground(0xff, 0xd5, 0x4f);
const QColor MatchText(0x20, 0x20, 0x20);
} // namespace

LogHighlighter::LogHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{}

void LogHighlighter::setPrefixColor(const QString &label, const QColor &color)
{
    if (m_colors.value(label) == color) {
        return;
    }
    m_colors.insert(label, color);
}

void LogHighlighter::setSearchTerm(const QString &term)
{
    if (term == m_term) {
        return;
    }
    m_term = term;
    rehighlight();
}

void LogHighlighter::highlightBlock(const QString &text)
{
    const int separator = text.indexOf(Separator);
    if (separator > 0) {
        const QString label = text.left(separator).trimmed();
        const auto it = m_colors.constFind(label);
        if (it != m_colors.cend()) {
            QTextCharFormat prefix;
            prefix.setForeground(it.value());
            prefix.setFontWeight(QFont::Bold);
            setFormat(0, separator + Separator.size(), prefix);
        }
    }
    if (m_term.isEmpty()) {
        return;
    }
    // Fixed marker colours: a match must stand out the same on light and dark bases.
    QTextCharFormat match;
    match.setBackground(MatchBackground);
    match.setForeground(MatchText);
    for (int at = text.indexOf(m_term, 0, Qt::CaseInsensitive); at >= 0;
         at = text.indexOf(m_term, at + m_term.size(), Qt::CaseInsensitive)) {
        setFormat(at, m_term.size(), match);
    }
}

} // namespace Shoal::Ui
