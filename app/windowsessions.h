#pragma once

#include <QList>
#include <QObject>
#include <QStringList>
#include <QVariantMap>

namespace Shoal::Core {
class StackController;
}

namespace Shoal::Ui {
class MainWindow;
}

namespace Shoal::App {

class StackSession;

/// What a tab was opened from: enough to open it again at the next start.
struct StackSource
{
    QStringList files;    ///< absolute paths; several are merged as compose's -f does
    QString projectName;  ///< -p; empty for the name the files give
    QStringList envFiles; ///< --env-file
    QStringList profiles; ///< --profile
    QString engine;       ///< an address or a context name as given; empty: the usual order

    QVariantMap toVariant() const;
    static StackSource fromVariant(const QVariantMap &map);
};

/// The stacks open in the window, one StackSession per tab.
///
/// Opening adds a tab with a session of its own, on its own engine client, and brings the
/// stack up; the same files on the same engine only bring their tab forward. Closing a tab
/// deletes its session: its proxies and control socket stop, its containers keep running.
/// The open sources are written to QSettings on every change, in tab order, so the next
/// start reopens them.
class WindowSessions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WindowSessions)

public:
    /// The window is not owned and must outlive this object's sessions' tabs.
    explicit WindowSessions(Ui::MainWindow *window, QObject *parent = nullptr);
    ~WindowSessions() override;

    /// The engine for files opened from the window without naming one (--engine, or empty
    /// for DOCKER_HOST, the docker context, the default socket).
    void setDefaultEngine(const QString &engine) { m_defaultEngine = engine; }

    /// Opens `source` in a new tab and starts its up(), or makes its tab current when those
    /// files are open on that engine already. Returns nullptr, with `error` set, when the
    /// files do not load or the engine cannot be resolved; nothing else is touched then.
    StackSession *open(StackSource source, QString *error = nullptr);
    /// The sources open when the last run ended, whose files still exist.
    static QList<StackSource> remembered();

    /// In tab order.
    QList<StackSession *> sessions() const;

Q_SIGNALS:
    /// `shoal down` took down the stack of the last open tab.
    void lastStackTakenDown();

private:
    struct Entry
    {
        StackSession *session = nullptr;
        StackSource source;
        QString key;
    };

    void openFromWindow(const QString &path, const QString &engine);
    void forget(Core::StackController *stack);
    void remember() const;
    int indexOf(const Core::StackController *stack) const;

    Ui::MainWindow *m_window;
    QList<Entry> m_entries;
    QString m_defaultEngine;
};

} // namespace Shoal::App
