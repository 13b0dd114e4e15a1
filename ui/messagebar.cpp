#include "messagebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QStyle>
#include <QToolButton>

#include <algorithm>

namespace Shoal::Ui {

namespace {
constexpr int IconExtent = 16;
// How much of the error red goes into the banner's background.
constexpr double TintShare = 0.18;
const QColor ErrorRed(0xd0, 0x40, 0x3a);

QColor blend(const QColor &base, const QColor &tint, double share)
{
    return QColor::fromRgbF(base.redF() * (1 - share) + tint.redF() * share,
                            base.greenF() * (1 - share) + tint.greenF() * share,
                            base.blueF() * (1 - share) + tint.blueF() * share);
}
} // namespace

MessageBar::MessageBar(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_label(new QLabel(this))
    , m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("messageBar"));
    setAccessibleName(tr("Error message"));

    m_icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(IconExtent));
    m_label->setObjectName(QStringLiteral("messageText"));
    m_label->setTextFormat(Qt::PlainText);
    m_label->setForegroundRole(QPalette::Text);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close->setObjectName(QStringLiteral("messageClose"));
    m_close->setAccessibleName(tr("Dismiss message"));
    m_close->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setToolTip(tr("Dismiss"));
    connect(m_close, &QToolButton::clicked, this, &MessageBar::dismiss);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_close, 0, Qt::AlignTop);

    hide();
}

void MessageBar::showError(const QString &message)
{
    auto same = std::find_if(m_entries.begin(), m_entries.end(),
                             [&message](const Entry &entry) { return entry.message == message; });
    if (same != m_entries.end()) {
        Entry entry = *same;
        ++entry.repeats;
        m_entries.erase(same);
        m_entries.append(entry);
    } else {
        m_entries.append(Entry{message, 1});
    }
    while (m_entries.size() > MaximumMessages) {
        m_entries.removeFirst();
    }
    m_label->setText(text());
    show();
}

QString MessageBar::text() const
{
    QStringList lines;
    for (const Entry &entry : m_entries) {
        lines.append(entry.repeats > 1 ? tr("%1 (%2 times)").arg(entry.message).arg(entry.repeats)
                                       : entry.message);
    }
    return lines.join(QLatin1Char('\n'));
}

void MessageBar::dismiss()
{
    hide();
    m_entries.clear();
    m_label->clear();
    Q_EMIT dismissed();
}

void MessageBar::paintEvent(QPaintEvent *event)
{
    // A tint of the palette's own base keeps the banner readable on light and dark themes,
    // and following palette() here keeps it right when the theme changes.
    QPainter painter(this);
    painter.fillRect(rect(), blend(palette().color(QPalette::Base), ErrorRed, TintShare));
    painter.setPen(ErrorRed);
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    painter.end();
    QFrame::paintEvent(event);
}

} // namespace Shoal::Ui
