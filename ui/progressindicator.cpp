#include "progressindicator.h"

#include "logging.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace Shoal::Ui {

ProgressIndicator::ProgressIndicator(QWidget *parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QToolButton(this))
{
    setObjectName(QStringLiteral("busyIndicator"));
    setAccessibleName(tr("Working"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_message->setObjectName(QStringLiteral("progressMessage"));
    m_message->setAccessibleName(tr("What Shoal is doing"));
    m_message->setMaximumWidth(MessageWidth);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_bar->setObjectName(QStringLiteral("progressBar"));
    m_bar->setAccessibleName(tr("Working"));
    m_bar->setRange(0, 0);
    m_bar->setMaximumWidth(BarWidth);
    m_bar->setTextVisible(false);

    auto *cancel =
        new QAction(QIcon::fromTheme(QStringLiteral("process-stop")), tr("Cancel"), this);
    cancel->setToolTip(tr("Stop the builds, pulls and replica starts under way; what is already "
                          "running stays"));
    connect(cancel, &QAction::triggered, this, [this, cancel] {
        qCDebug(lcUi) << "cancel asked while" << m_message->text();
        // One click is enough; a second would only cancel the next operation by accident.
        cancel->setEnabled(false);
        Q_EMIT cancelRequested();
    });
    m_cancel->setDefaultAction(cancel);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setAccessibleName(tr("Cancel the work under way"));
    m_cancel->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_cancel->setAutoRaise(true);
    m_cancel->setFocusPolicy(Qt::StrongFocus);

    layout->addWidget(m_message);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    hide();
}

ProgressIndicator::~ProgressIndicator() = default;

void ProgressIndicator::showMessage(const QString &message)
{
    const QString elided =
        m_message->fontMetrics().elidedText(message, Qt::ElideMiddle, MessageWidth);
    m_message->setText(elided);
    m_message->setToolTip(elided == message ? QString() : message);
    setBusy(true);
}

void ProgressIndicator::setBusy(bool busy)
{
    if (busy == isVisible() && busy) {
        return;
    }
    if (!busy) {
        m_message->clear();
        m_message->setToolTip(QString());
        m_cancel->defaultAction()->setEnabled(true);
    }
    setVisible(busy);
}

QString ProgressIndicator::message() const
{
    return m_message->toolTip().isEmpty() ? m_message->text() : m_message->toolTip();
}

} // namespace Shoal::Ui
