#include "logpanel.h"

#include "logfollower.h"
#include "logging.h"
#include "loghighlighter.h"
#include "replicaappearance.h"

#include <core/stack/stackcontroller.h>

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>

namespace Shoal::Ui {

namespace {
enum SourceKind
{
    ServiceSource,
    ReplicaSource
};
constexpr int KindRole = Qt::UserRole;
constexpr int NameRole = Qt::UserRole + 1;
const QString Separator = QStringLiteral(" | ");

QToolButton *toolButtonFor(QAction *action, QWidget *parent)
{
    auto *button = new QToolButton(parent);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setAutoRaise(true);
    return button;
}
} // namespace

LogPanel::LogPanel(ReplicaAppearance *appearance, QWidget *parent)
    : QWidget(parent)
    , m_appearance(appearance)
    , m_source(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_matchesOnly(new QCheckBox(tr("Only &matches"), this))
    , m_pauseAction(
          new QAction(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("&Pause"), this))
    , m_copyAction(
          new QAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Cop&y all"), this))
    , m_clearAction(new QAction(QIcon::fromTheme(QStringLiteral("edit-clear")), tr("C&lear"), this))
    , m_view(new QPlainTextEdit(this))
    , m_highlighter(new LogHighlighter(m_view->document()))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("logPanel"));
    setAccessibleName(tr("Logs"));

    m_source->setObjectName(QStringLiteral("logSource"));
    m_source->setAccessibleName(tr("Logs of"));
    m_source->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_source, &QComboBox::activated, this, &LogPanel::onSourceChosen);

    m_search->setObjectName(QStringLiteral("logSearch"));
    m_search->setAccessibleName(tr("Search the logs"));
    m_search->setPlaceholderText(tr("Search…"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, &LogPanel::setSearchTerm);

    m_matchesOnly->setObjectName(QStringLiteral("logMatchesOnly"));
    m_matchesOnly->setToolTip(tr("Hide the lines that do not contain the search text"));
    connect(m_matchesOnly, &QCheckBox::toggled, this, &LogPanel::setMatchesOnly);

    m_pauseAction->setObjectName(QStringLiteral("logPauseAction"));
    m_pauseAction->setCheckable(true);
    m_pauseAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_P);
    m_pauseAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_pauseAction->setToolTip(tr("Keep the view still; lines are still collected"));
    connect(m_pauseAction, &QAction::toggled, this, &LogPanel::setPaused);
    m_copyAction->setObjectName(QStringLiteral("logCopyAction"));
    m_copyAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_C);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyAction, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(text()); });
    m_clearAction->setObjectName(QStringLiteral("logClearAction"));
    m_clearAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_L);
    m_clearAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_clearAction, &QAction::triggered, this, &LogPanel::clear);
    addAction(m_pauseAction);
    addAction(m_copyAction);
    addAction(m_clearAction);

    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setAccessibleName(tr("Log lines"));
    m_view->setReadOnly(true);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setMaximumBlockCount(MaximumLines);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);

    m_status->setObjectName(QStringLiteral("logStatus"));
    m_status->setForegroundRole(QPalette::PlaceholderText);

    auto *sourceLabel = new QLabel(tr("L&ogs of:"), this);
    sourceLabel->setBuddy(m_source);
    auto *header = new QHBoxLayout;
    header->addWidget(sourceLabel);
    header->addWidget(m_source);
    header->addWidget(m_search, 1);
    header->addWidget(m_matchesOnly);
    header->addWidget(toolButtonFor(m_pauseAction, this));
    header->addWidget(toolButtonFor(m_copyAction, this));
    header->addWidget(toolButtonFor(m_clearAction, this));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
    setFocusProxy(m_view);
    updateStatus();
}

LogPanel::~LogPanel() = default;

void LogPanel::setStack(Core::StackController *stack)
{
    if (m_stack) {
        disconnect(m_stack, nullptr, this, nullptr);
    }
    stop();
    m_stack = stack;
    m_service.clear();
    m_replica.clear();
    if (m_stack) {
        connect(m_stack, &Core::StackController::replicasChanged, this, &LogPanel::syncWithStack);
    }
    fillSources();
    updateStatus();
}

void LogPanel::followReplica(const QString &replica)
{
    // The stream starts with the replica's recent history, so what was shown goes.
    stop();
    clear();
    m_service.clear();
    m_replica = replica;
    qCDebug(lcUi) << "logs follow replica" << replica;
    syncWithStack();
}

void LogPanel::followService(const QString &service)
{
    stop();
    clear();
    m_replica.clear();
    m_service = service;
    qCDebug(lcUi) << "logs follow service" << service;
    syncWithStack();
}

void LogPanel::stop()
{
    const QStringList names = m_followers.keys();
    for (const QString &name : names) {
        dropFollower(name);
    }
    updateStatus();
}

void LogPanel::setPaused(bool paused)
{
    if (paused == m_paused) {
        return;
    }
    m_paused = paused;
    {
        const QSignalBlocker blocker(m_pauseAction);
        m_pauseAction->setChecked(paused);
    }
    m_pauseAction->setText(paused ? tr("&Resume") : tr("&Pause"));
    if (!paused && m_hiddenWhilePaused > 0) {
        m_hiddenWhilePaused = 0;
        render();
    }
    updateStatus();
}

void LogPanel::setSearchTerm(const QString &term)
{
    if (m_search->text() != term) {
        m_search->setText(term);
    }
    m_highlighter->setSearchTerm(term);
    if (m_matchesOnly->isChecked()) {
        render();
    }
}

void LogPanel::setMatchesOnly(bool only)
{
    if (m_matchesOnly->isChecked() != only) {
        m_matchesOnly->setChecked(only);
    }
    render();
}

void LogPanel::clear()
{
    m_lines.clear();
    m_hiddenWhilePaused = 0;
    m_view->clear();
    updateStatus();
}

QString LogPanel::text() const
{
    return m_view->toPlainText();
}

void LogPanel::syncWithStack()
{
    fillSources();
    const QList<Core::ReplicaInfo> replicas =
        m_stack ? m_stack->replicas(m_service) : QList<Core::ReplicaInfo>();
    QHash<QString, Core::ReplicaInfo> wanted;
    for (const Core::ReplicaInfo &replica : replicas) {
        if (!m_service.isEmpty() || replica.name == m_replica) {
            wanted.insert(replica.name, replica);
        }
    }
    const QStringList followed = m_followers.keys();
    for (const QString &name : followed) {
        if (!wanted.contains(name)) {
            append(name, {tr("— %1 is gone; its log stream has ended —").arg(name)});
            dropFollower(name);
        }
    }
    for (const Core::ReplicaInfo &replica : std::as_const(wanted)) {
        // A replica that is created but not started has no stream to follow yet.
        if (!m_followers.contains(replica.name) && replica.state == QLatin1String("running")) {
            startFollower(replica);
        }
    }
    updateStatus();
}

void LogPanel::fillSources()
{
    const QSignalBlocker blocker(m_source);
    m_source->clear();
    if (!m_stack) {
        return;
    }
    const QList<Core::ServiceState> services = m_stack->services();
    for (const Core::ServiceState &service : services) {
        m_source->addItem(tr("%1 (all replicas)").arg(service.name));
        m_source->setItemData(m_source->count() - 1, ServiceSource, KindRole);
        m_source->setItemData(m_source->count() - 1, service.name, NameRole);
        if (service.name == m_service) {
            m_source->setCurrentIndex(m_source->count() - 1);
        }
        const QList<Core::ReplicaInfo> replicas = m_stack->replicas(service.name);
        for (const Core::ReplicaInfo &replica : replicas) {
            m_source->addItem(QStringLiteral("    %1").arg(m_appearance->labelFor(replica.name)));
            m_source->setItemData(m_source->count() - 1, ReplicaSource, KindRole);
            m_source->setItemData(m_source->count() - 1, replica.name, NameRole);
            if (m_service.isEmpty() && replica.name == m_replica) {
                m_source->setCurrentIndex(m_source->count() - 1);
            }
        }
    }
}

void LogPanel::startFollower(const Core::ReplicaInfo &replica)
{
    if (!m_stack || !m_stack->client()) {
        return;
    }
    const QString label = m_appearance->labelFor(replica.name);
    m_highlighter->setPrefixColor(label, m_appearance->colorFor(replica.name));
    m_prefixWidth = std::max(m_prefixWidth, int(label.size()));
    auto *follower = new LogFollower(m_stack->client(), replica.id, replica.name, this);
    connect(follower, &LogFollower::linesReceived, this, &LogPanel::append);
    connect(follower, &LogFollower::ended, this, [this](const QString &name, const QString &error) {
        append(name, {error.isEmpty() ? tr("— the log stream of %1 ended —").arg(name)
                                      : tr("— logs of %1 failed: %2 —").arg(name, error)});
        if (LogFollower *ended = m_followers.take(name)) {
            ended->deleteLater();
        }
        updateStatus();
    });
    m_followers.insert(replica.name, follower);
    follower->start();
}

void LogPanel::dropFollower(const QString &replica)
{
    // Deleting the follower aborts its engine call.
    delete m_followers.take(replica);
}

void LogPanel::onSourceChosen(int index)
{
    const QString name = m_source->itemData(index, NameRole).toString();
    if (m_source->itemData(index, KindRole).toInt() == ServiceSource) {
        followService(name);
    } else {
        followReplica(name);
    }
}

void LogPanel::append(const QString &replica, const QStringList &lines)
{
    QStringList shown;
    for (const QString &text : lines) {
        m_lines.push_back(Line{replica, text});
        if (shows(m_lines.back())) {
            shown.append(format(m_lines.back()));
        }
    }
    while (m_lines.size() > size_t(MaximumLines)) {
        m_lines.pop_front();
    }
    updateStatus();
    if (shown.isEmpty()) {
        return;
    }
    if (m_paused) {
        m_hiddenWhilePaused += shown.size();
        updateStatus();
        return;
    }
    QScrollBar *bar = m_view->verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    m_view->appendPlainText(shown.join(QLatin1Char('\n')));
    if (atEnd) {
        bar->setValue(bar->maximum());
    }
}

void LogPanel::render()
{
    QStringList shown;
    for (const Line &line : m_lines) {
        if (shows(line)) {
            shown.append(format(line));
        }
    }
    m_view->setPlainText(shown.join(QLatin1Char('\n')));
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
    updateStatus();
}

QString LogPanel::format(const Line &line) const
{
    // One replica needs no prefix; a merged service gets compose's "web-1  | " columns.
    if (m_service.isEmpty()) {
        return line.text;
    }
    return m_appearance->labelFor(line.replica).leftJustified(m_prefixWidth + 1) + Separator +
           line.text;
}

bool LogPanel::shows(const Line &line) const
{
    const QString term = m_search->text();
    return !m_matchesOnly->isChecked() || term.isEmpty() ||
           line.text.contains(term, Qt::CaseInsensitive);
}

void LogPanel::updateStatus()
{
    QString status;
    if (m_followers.isEmpty()) {
        status = tr("Not following");
    } else if (!m_service.isEmpty()) {
        status = tr("Following %1: %n replica(s)", nullptr, m_followers.size()).arg(m_service);
    } else {
        status = tr("Following %1").arg(m_appearance->labelFor(m_replica));
    }
    status += tr(", %n line(s) kept", nullptr, int(m_lines.size()));
    if (m_paused) {
        status += tr(", paused (%n new)", nullptr, m_hiddenWhilePaused);
    }
    m_status->setText(status);
}

} // namespace Shoal::Ui
