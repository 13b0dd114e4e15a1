#pragma once

#include <QHash>
#include <QSyntaxHighlighter>

namespace Shoal::Ui {

/// Colours the "name  | " prefix of merged log lines in the replica's colour and marks
/// every occurrence of the search term.
class LogHighlighter final : public QSyntaxHighlighter
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogHighlighter)

public:
    explicit LogHighlighter(QTextDocument *document);

    void setPrefixColor(const QString &label, const QColor &color);
    /// Case-insensitive; empty marks nothing.
    void setSearchTerm(const QString &term);

protected:
    void highlightBlock(const QString &text) override;

private:
    QHash<QString, QColor> m_colors;
    QString m_term;
};

} // namespace Shoal::Ui
