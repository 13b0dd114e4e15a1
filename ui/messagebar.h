#pragma once

#include <QFrame>
#include <QList>

class QLabel;
class QToolButton;

namespace Shoal::Ui {

/// A dismissable banner for errors, shown above the window's content instead of a dialog,
/// so a failure never stops the user (or the event loop) until it is acknowledged.
///
/// It keeps the last few distinct messages, newest last, each in its sender's own words.
class MessageBar final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MessageBar)

public:
    static constexpr int MaximumMessages = 3;

    explicit MessageBar(QWidget *parent = nullptr);

    /// Adds `message` as plain text; a message already shown only counts up.
    void showError(const QString &message);
    /// The text as shown, one message a line.
    QString text() const;
    void dismiss();

Q_SIGNALS:
    void dismissed();

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Entry
    {
        QString message;
        int repeats = 1;
    };

    QLabel *m_icon;
    QLabel *m_label;
    QToolButton *m_close;
    QList<Entry> m_entries;
};

} // namespace Shoal::Ui
