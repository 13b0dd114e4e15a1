#pragma once

#include <core/stack/stackcontroller.h>

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <deque>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace Shoal::Ui {

class LogFollower;
class LogHighlighter;
class ReplicaAppearance;

/// The logs of one replica, or of a whole service merged with a coloured name prefix per
/// line as `docker compose logs` prints them.
///
/// Keeps at most MaximumLines lines; the search field marks matches or, with "Only
/// matches", hides the other lines. Pausing keeps collecting without moving the view.
/// Streams end when the panel is told to stop (its dock closes), when the followed
/// replica goes away, or when another source is chosen.
class LogPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPanel)

public:
    static constexpr int MaximumLines = 10000;

    /// `appearance` is shared with the charts and must outlive this panel.
    explicit LogPanel(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~LogPanel() override;

    /// The stack is not owned; nullptr stops every stream.
    void setStack(Core::StackController *stack);
    void followReplica(const QString &replica);
    void followService(const QString &service);
    /// Ends every stream; what was received stays shown.
    void stop();

    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void setSearchTerm(const QString &term);
    void setMatchesOnly(bool only);
    void clear();

    /// The text as shown.
    QString text() const;
    int lineCount() const { return int(m_lines.size()); }
    int streamCount() const { return m_followers.size(); }
    QStringList followedReplicas() const { return m_followers.keys(); }

private:
    struct Line
    {
        QString replica;
        QString text;
    };

    void syncWithStack();
    void fillSources();
    void startFollower(const Core::ReplicaInfo &replica);
    void dropFollower(const QString &replica);
    void onSourceChosen(int index);
    void append(const QString &replica, const QStringList &lines);
    void render();
    QString format(const Line &line) const;
    bool shows(const Line &line) const;
    void updateStatus();

    ReplicaAppearance *m_appearance;
    QPointer<Core::StackController> m_stack;
    QComboBox *m_source;
    QLineEdit *m_search;
    QCheckBox *m_matchesOnly;
    QAction *m_pauseAction;
    QAction *m_copyAction;
    QAction *m_clearAction;
    QPlainTextEdit *m_view;
    LogHighlighter *m_highlighter;
    QLabel *m_status;
    QHash<QString, LogFollower *> m_followers;
    std::deque<Line> m_lines;
    QString m_service; ///< followed service, or empty
    QString m_replica; ///< followed replica when no service is
    int m_prefixWidth = 0;
    int m_hiddenWhilePaused = 0;
    bool m_paused = false;
};

} // namespace Shoal::Ui
