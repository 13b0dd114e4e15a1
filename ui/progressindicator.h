#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace Shoal::Ui {

/// The status bar's sign of long work: what is going on, a busy bar, and a Cancel button
/// for work that can be stopped (builds, pulls, starting many replicas).
class ProgressIndicator final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressIndicator)

public:
    static constexpr int BarWidth = 90;
    static constexpr int MessageWidth = 320;

    explicit ProgressIndicator(QWidget *parent = nullptr);
    ~ProgressIndicator() override;

    /// Shows the indicator with `message` as the latest step.
    void showMessage(const QString &message);
    /// Shows or hides the indicator; hiding forgets the message and re-arms Cancel.
    void setBusy(bool busy);
    QString message() const;

Q_SIGNALS:
    void cancelRequested();

private:
    QLabel *m_message;
    QProgressBar *m_bar;
    QToolButton *m_cancel;
};

} // namespace Shoal::Ui
