#include "servicerow.h"

#include "cpuscale.h"
#include "logging.h"

#include <QAction>
#include <QClipboard>
#include <QDesktopServices>
#include <QGridLayout>
#include <QGuiApplication>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QUrl>

#include <algorithm>

namespace Shoal::Ui {

namespace {
enum GridColumn
{
    NameColumn,
    ImageColumn,
    CountColumn,
    CpuColumn,
    ProxyColumn,
    CopyColumn,
    TestColumn,
    LogsColumn,
    UpColumn,
    DownColumn,
    RestartColumn,
    SliderColumn,
    SpinColumn
};
constexpr int SliderMinimumWidth = 160;
} // namespace

ServiceRow::ServiceRow(const QString &service, QGridLayout *grid, int row, QWidget *host)
    : QObject(host)
    , m_service(service)
    , m_name(new QLabel(host))
    , m_image(new QLabel(host))
    , m_count(new QLabel(host))
    , m_cpu(new QLabel(host))
    , m_proxies(new QLabel(host))
    , m_copy(new QToolButton(host))
    , m_test(new QToolButton(host))
    , m_logs(new QToolButton(host))
    , m_up(nullptr)
    , m_down(nullptr)
    , m_restart(nullptr)
    , m_slider(new QSlider(Qt::Horizontal, host))
    , m_spin(new QSpinBox(host))
    , m_debounce(new QTimer(this))
{
    QFont bold = m_name->font();
    bold.setBold(true);
    m_name->setFont(bold);
    m_name->setText(service);
    m_name->setObjectName(QStringLiteral("serviceName:%1").arg(service));

    m_image->setObjectName(QStringLiteral("serviceImage:%1").arg(service));
    m_image->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_count->setObjectName(QStringLiteral("replicaCount:%1").arg(service));
    m_count->setAccessibleName(tr("Replicas of %1").arg(service));

    m_cpu->setObjectName(QStringLiteral("serviceCpu:%1").arg(service));
    m_cpu->setAccessibleName(tr("CPU of all replicas of %1").arg(service));
    m_cpu->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    setCpuTotal(-1, QString());

    m_proxies->setObjectName(QStringLiteral("proxyLink:%1").arg(service));
    m_proxies->setAccessibleName(tr("Proxy address of %1").arg(service));
    m_proxies->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_proxies->setTextFormat(Qt::RichText);
    connect(m_proxies, &QLabel::linkActivated, this,
            [](const QString &link) { QDesktopServices::openUrl(QUrl(link)); });

    auto *copyAction =
        new QAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Copy address"), this);
    connect(copyAction, &QAction::triggered, this, &ServiceRow::copyAddresses);
    m_copy->setDefaultAction(copyAction);
    m_copy->setObjectName(QStringLiteral("copyProxy:%1").arg(service));
    m_copy->setAccessibleName(tr("Copy proxy address of %1").arg(service));
    m_copy->setAutoRaise(true);
    m_proxies->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_proxies->addAction(copyAction);

    auto *testAction = new QAction(QIcon::fromTheme(QStringLiteral("view-statistics")),
                                   tr("Test distribution"), this);
    testAction->setToolTip(
        tr("Send a short burst of requests to the proxy of %1 and see how they spread")
            .arg(service));
    connect(testAction, &QAction::triggered, this,
            [this] { Q_EMIT distributionTestRequested(m_service); });
    m_test->setDefaultAction(testAction);
    m_test->setObjectName(QStringLiteral("testDistribution:%1").arg(service));
    m_test->setAccessibleName(tr("Test the distribution of %1").arg(service));
    m_test->setAutoRaise(true);
    m_test->setEnabled(false);

    auto *logsAction =
        new QAction(QIcon::fromTheme(QStringLiteral("text-x-generic")), tr("Logs"), this);
    logsAction->setToolTip(tr("Follow the logs of every replica of %1").arg(service));
    connect(logsAction, &QAction::triggered, this, [this] { Q_EMIT logsRequested(m_service); });
    m_logs->setDefaultAction(logsAction);
    m_logs->setObjectName(QStringLiteral("serviceLogs:%1").arg(service));
    m_logs->setAccessibleName(tr("Logs of %1").arg(service));
    m_logs->setAutoRaise(true);

    m_up =
        addActionButton(QStringLiteral("media-playback-start"), tr("Up"),
                        QStringLiteral("serviceUp:%1").arg(service), &ServiceRow::startRequested);
    m_up->setAccessibleName(tr("Start %1").arg(service));
    m_up->defaultAction()->setToolTip(
        tr("Start %1 at its count, and the services it depends on").arg(service));
    m_down =
        addActionButton(QStringLiteral("media-playback-stop"), tr("Down"),
                        QStringLiteral("serviceDown:%1").arg(service), &ServiceRow::stopRequested);
    m_down->setAccessibleName(tr("Stop %1").arg(service));
    m_down->defaultAction()->setToolTip(
        tr("Drain, stop and remove the replicas of %1; Up brings the count back").arg(service));
    m_restart = addActionButton(QStringLiteral("view-refresh"), tr("Restart"),
                                QStringLiteral("serviceRestart:%1").arg(service),
                                &ServiceRow::restartRequested);
    m_restart->setAccessibleName(tr("Restart %1").arg(service));
    m_restart->defaultAction()->setToolTip(
        tr("Restart the replicas of %1 one at a time, each drained first, so "
           "that two or more keep serving")
            .arg(service));

    m_slider->setObjectName(QStringLiteral("scaleSlider:%1").arg(service));
    m_slider->setAccessibleName(tr("Scale %1").arg(service));
    m_slider->setToolTip(tr("Drag to the number of replicas %1 should run").arg(service));
    m_slider->setRange(0, SliderMaximum);
    m_slider->setPageStep(1);
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_slider->setTickInterval(5);
    m_slider->setMinimumWidth(SliderMinimumWidth);

    m_spin->setObjectName(QStringLiteral("scaleSpin:%1").arg(service));
    m_spin->setAccessibleName(tr("Replicas wanted for %1").arg(service));
    m_spin->setRange(0, MaximumReplicas);
    m_spin->setKeyboardTracking(false);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(DebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &ServiceRow::commit);
    connect(m_slider, &QSlider::valueChanged, this, &ServiceRow::onSliderMoved);
    connect(m_slider, &QSlider::sliderReleased, this, &ServiceRow::commit);
    connect(m_spin, &QSpinBox::valueChanged, this, &ServiceRow::onSpinChanged);

    grid->addWidget(m_name, row, NameColumn);
    grid->addWidget(m_image, row, ImageColumn);
    grid->addWidget(m_count, row, CountColumn);
    grid->addWidget(m_cpu, row, CpuColumn);
    grid->addWidget(m_proxies, row, ProxyColumn);
    grid->addWidget(m_copy, row, CopyColumn);
    grid->addWidget(m_test, row, TestColumn);
    grid->addWidget(m_logs, row, LogsColumn);
    grid->addWidget(m_up, row, UpColumn);
    grid->addWidget(m_down, row, DownColumn);
    grid->addWidget(m_restart, row, RestartColumn);
    grid->addWidget(m_slider, row, SliderColumn);
    grid->addWidget(m_spin, row, SpinColumn);
}

void ServiceRow::setState(const Core::ServiceState &state, bool httpProxy)
{
    m_desired = state.desired;
    if (m_pending == state.desired) {
        m_pending = -1;
    }

    if (m_image->text() != state.image) {
        m_image->setText(state.image);
    }
    // The stack has no asked count before its up and after its down: nothing is on its way.
    const bool asked = state.desired >= 0;
    QString count = tr("%1 / %2")
                        .arg(state.running)
                        .arg(asked ? QString::number(state.desired) : QStringLiteral("–"));
    if (asked && state.running < state.desired) {
        count += tr(" starting…");
    } else if (asked && state.running > state.desired) {
        count += tr(" stopping…");
    }
    m_count->setText(count);

    m_addresses.clear();
    QStringList parts;
    for (const auto &proxy : state.proxies) {
        m_addresses.append(proxy.first);
        if (httpProxy) {
            const QString url = QStringLiteral("http://%1/").arg(proxy.first);
            parts.append(QStringLiteral("<a href=\"%1\">%2</a>")
                             .arg(url.toHtmlEscaped(), proxy.first.toHtmlEscaped()));
        } else {
            parts.append(proxy.first.toHtmlEscaped());
        }
    }
    // Setting the same rich text again would drop a keyboard focus on the link every second.
    const QString proxies = parts.isEmpty() ? tr("not published") : parts.join(u", ");
    if (m_proxies->text() != proxies) {
        m_proxies->setText(proxies);
    }
    m_proxies->setToolTip(httpProxy && !parts.isEmpty() ? tr("Open in the browser") : QString());
    m_copy->setEnabled(!m_addresses.isEmpty());
    // The burst speaks HTTP, so a TCP-mode proxy cannot be tested this way.
    m_test->setEnabled(httpProxy && !m_addresses.isEmpty() && state.running > 0);
    // Up has work while fewer replicas run than asked (or none is asked); Down while there
    // are replicas to remove; Restart needs one running.
    m_up->defaultAction()->setEnabled(state.desired <= 0 || state.running < state.desired);
    m_down->defaultAction()->setEnabled(state.desired > 0 || state.running > 0);
    m_restart->defaultAction()->setEnabled(state.running > 0);

    if (!isUserChoosing()) {
        showCount(m_pending >= 0 ? m_pending : state.desired);
    }
}

void ServiceRow::clearPending()
{
    m_pending = -1;
    if (!isUserChoosing() && m_desired >= 0) {
        showCount(m_desired);
    }
}

void ServiceRow::setScalingEnabled(bool enabled)
{
    m_slider->setEnabled(enabled);
    m_spin->setEnabled(enabled);
}

void ServiceRow::setCpuTotal(double percent, const QString &explanation)
{
    const QString text = cpuTotalText(percent);
    if (m_cpu->text() != text) {
        m_cpu->setText(text);
    }
    m_cpu->setToolTip(explanation);
}

void ServiceRow::onSliderMoved(int value)
{
    {
        const QSignalBlocker blocker(m_spin);
        m_spin->setValue(value);
    }
    // While the handle is held the release commits; keyboard and wheel steps have no
    // release, so they settle through the debounce like the spin box.
    if (!m_slider->isSliderDown()) {
        m_debounce->start();
    }
}

void ServiceRow::onSpinChanged(int value)
{
    {
        const QSignalBlocker blocker(m_slider);
        m_slider->setMaximum(std::max(SliderMaximum, value));
        m_slider->setValue(value);
    }
    m_debounce->start();
}

void ServiceRow::commit()
{
    m_debounce->stop();
    const int value = m_slider->value();
    if (value == (m_pending >= 0 ? m_pending : m_desired)) {
        return;
    }
    m_pending = value;
    qCDebug(lcUi) << "scale chosen" << m_service << value;
    Q_EMIT scaleChosen(m_service, value);
}

void ServiceRow::showCount(int value)
{
    const QSignalBlocker sliderBlocker(m_slider);
    const QSignalBlocker spinBlocker(m_spin);
    m_slider->setMaximum(std::max(SliderMaximum, value));
    m_slider->setValue(value);
    m_spin->setValue(value);
}

bool ServiceRow::isUserChoosing() const
{
    return m_slider->isSliderDown() || m_debounce->isActive();
}

QToolButton *ServiceRow::addActionButton(const QString &icon, const QString &text,
                                         const QString &name,
                                         void (ServiceRow::*signal)(const QString &))
{
    auto *host = qobject_cast<QWidget *>(parent());
    auto *action = new QAction(QIcon::fromTheme(icon), text, this);
    connect(action, &QAction::triggered, this, [this, signal] {
        Q_EMIT(this->*signal)(m_service);
    });
    auto *button = new QToolButton(host);
    button->setDefaultAction(action);
    button->setObjectName(name);
    // Without a theme icon the text shows, so the button never goes blank.
    button->setToolButtonStyle(action->icon().isNull() ? Qt::ToolButtonTextOnly
                                                       : Qt::ToolButtonIconOnly);
    button->setAutoRaise(true);
    button->setFocusPolicy(Qt::StrongFocus);
    // The button follows its action, so enabling and tooltips go through the action.
    action->setEnabled(false);
    return button;
}

void ServiceRow::copyAddresses()
{
    if (m_addresses.isEmpty()) {
        return;
    }
    QGuiApplication::clipboard()->setText(m_addresses.join(QLatin1Char(' ')));
}

} // namespace Shoal::Ui
