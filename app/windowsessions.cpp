#include "windowsessions.h"

#include "controlserver.h"
#include "stacksession.h"

#include <core/compose/composeloader.h>
#include <core/engine/dockerclient.h>
#include <core/engine/engineendpoint.h>
#include <core/stack/stackcontroller.h>
#include <ui/mainwindow.h>
#include <ui/messagebar.h>
#include <ui/stackview.h>

#include <QFileInfo>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QProcessEnvironment>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace Shoal::App {

namespace {

Q_LOGGING_CATEGORY(lcWindow, "shoal.app.window", QtWarningMsg)

// The open tabs, in order; replaces the single "stack/lastFile" of earlier versions, which
// is still read when this key is absent.
const QString OpenStacksKey = u"window/openStacks"_s;
const QString LastFileKey = u"stack/lastFile"_s;

QString absolutePath(const QString &path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? info.absoluteFilePath() : canonical;
}

} // namespace

QVariantMap StackSource::toVariant() const
{
    QVariantMap map;
    map.insert(u"files"_s, files);
    if (!projectName.isEmpty()) {
        map.insert(u"project"_s, projectName);
    }
    if (!envFiles.isEmpty()) {
        map.insert(u"envFiles"_s, envFiles);
    }
    if (!profiles.isEmpty()) {
        map.insert(u"profiles"_s, profiles);
    }
    if (!engine.isEmpty()) {
        map.insert(u"engine"_s, engine);
    }
    return map;
}

StackSource StackSource::fromVariant(const QVariantMap &map)
{
    StackSource source;
    source.files = map.value(u"files"_s).toStringList();
    source.projectName = map.value(u"project"_s).toString();
    source.envFiles = map.value(u"envFiles"_s).toStringList();
    source.profiles = map.value(u"profiles"_s).toStringList();
    source.engine = map.value(u"engine"_s).toString();
    return source;
}

WindowSessions::WindowSessions(Ui::MainWindow *window, QObject *parent)
    : QObject(parent)
    , m_window(window)
{
    connect(m_window, &Ui::MainWindow::composeFileChosen, this,
            [this](const QString &path) { openFromWindow(path, m_defaultEngine); });
    connect(m_window, &Ui::MainWindow::composeFileChosenOnEngine, this,
            &WindowSessions::openFromWindow);
    connect(m_window, &Ui::MainWindow::stackClosed, this, &WindowSessions::forget);
    connect(m_window, &Ui::MainWindow::stacksChanged, this, &WindowSessions::remember);
}

WindowSessions::~WindowSessions()
{
    // The window may outlive us: its tabs go with their stacks, and closing them must not
    // rewrite the remembered set while the application ends.
    disconnect(m_window, nullptr, this, nullptr);
    for (const Entry &entry : std::as_const(m_entries)) {
        delete entry.session;
    }
}

StackSession *WindowSessions::open(StackSource source, QString *error)
{
    for (QString &file : source.files) {
        file = absolutePath(file);
    }
    const Core::EndpointResolution endpoint = Core::resolveEngineChoice(source.engine);
    if (!endpoint.error.isEmpty()) {
        if (error) {
            *error = endpoint.error;
        }
        return nullptr;
    }
    const QString key = source.files.join(u'\n') + u'|' + endpoint.endpoint.toString();
    for (const Entry &entry : std::as_const(m_entries)) {
        if (entry.key == key) {
            m_window->setCurrentStack(entry.session->stack());
            return entry.session;
        }
    }

    Core::ComposeLoadOptions options;
    options.files = source.files;
    options.projectName = source.projectName;
    options.envFiles = source.envFiles;
    options.profiles = source.profiles;
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : environment.keys()) {
        options.environment.insert(name, environment.value(name));
    }
    const Core::ComposeLoadResult loaded = Core::ComposeLoader::load(options);
    for (const QString &warning : loaded.warnings) {
        qCWarning(lcWindow).noquote() << warning;
    }
    if (!loaded.ok()) {
        if (error) {
            *error = loaded.error;
        }
        return nullptr;
    }

    auto *session = new StackSession(endpoint.endpoint, *loaded.project, this);
    if (session->control()->anotherInstanceRuns()) {
        // Two instances reconciling one project undo each other's work: the other one keeps it.
        if (error) {
            *error = tr("%1; switch to it, or stop it with shoal down -p %2")
                         .arg(session->controlError(), loaded.project->name);
        }
        delete session;
        return nullptr;
    }
    m_entries.append(Entry{session, source, key});
    Core::StackController *stack = session->stack();
    connect(session->control(), &ControlServer::downCompleted, this, [this, stack] {
        m_window->removeStack(stack);
        if (m_entries.isEmpty()) {
            Q_EMIT lastStackTakenDown();
        }
    });
    Ui::StackView *view = m_window->addStack(stack);
    if (!session->controlError().isEmpty()) {
        view->messageBar()->showError(
            tr("shoal ps, scale, stats and down cannot reach this stack: %1")
                .arg(session->controlError()));
    }
    qCDebug(lcWindow) << "opened" << loaded.project->name << "on" << endpoint.endpoint.toString();
    stack->up();
    return session;
}

QList<StackSource> WindowSessions::remembered()
{
    const QSettings settings;
    QList<StackSource> sources;
    if (!settings.contains(OpenStacksKey)) {
        const QString last = settings.value(LastFileKey).toString();
        if (!last.isEmpty() && QFileInfo::exists(last)) {
            sources.append(StackSource{{last}, {}, {}, {}, {}});
        }
        return sources;
    }
    const QVariantList stored = settings.value(OpenStacksKey).toList();
    for (const QVariant &value : stored) {
        const StackSource source = StackSource::fromVariant(value.toMap());
        const bool present =
            !source.files.isEmpty() &&
            std::all_of(source.files.cbegin(), source.files.cend(),
                        [](const QString &file) { return QFileInfo::exists(file); });
        if (present) {
            sources.append(source);
        }
    }
    return sources;
}

QList<StackSession *> WindowSessions::sessions() const
{
    QList<StackSession *> ordered;
    const QList<Core::StackController *> stacks = m_window->stacks();
    for (const Core::StackController *stack : stacks) {
        const int index = indexOf(stack);
        if (index >= 0) {
            ordered.append(m_entries.at(index).session);
        }
    }
    return ordered;
}

void WindowSessions::openFromWindow(const QString &path, const QString &engine)
{
    QString error;
    if (open(StackSource{{path}, {}, {}, {}, engine}, &error)) {
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, u"Shoal"_s,
                                tr("%1 could not be opened:\n\n%2").arg(path, error),
                                QMessageBox::Ok, m_window);
    box->setObjectName(u"openErrorBox"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void WindowSessions::forget(Core::StackController *stack)
{
    const int index = indexOf(stack);
    if (index < 0) {
        return;
    }
    // Later: the window may be inside one of the session's own signals (shoal down).
    m_entries.takeAt(index).session->deleteLater();
    remember();
}

void WindowSessions::remember() const
{
    QVariantList stored;
    const QList<Core::StackController *> stacks = m_window->stacks();
    for (const Core::StackController *stack : stacks) {
        const int index = indexOf(stack);
        if (index >= 0) {
            stored.append(m_entries.at(index).source.toVariant());
        }
    }
    QSettings settings;
    settings.setValue(OpenStacksKey, stored);
    settings.remove(LastFileKey);
}

int WindowSessions::indexOf(const Core::StackController *stack) const
{
    for (int index = 0; index < m_entries.size(); ++index) {
        if (m_entries.at(index).session->stack() == stack) {
            return index;
        }
    }
    return -1;
}

} // namespace Shoal::App
