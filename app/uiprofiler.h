#pragma once

#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include <utility>
#include <vector>

class QApplication;
class QEvent;

namespace Shoal::App {

/// Opt-in measurement of the GUI thread, for the window benchmark (bench/window).
///
/// Enabled by SHOAL_UI_PROFILE=/path/to/output.json. Every event the GUI thread delivers is
/// timed from the start to the end of its handling, nested sendEvent() calls included, and
/// once a second the profiler appends a sample, one JSON object per line, to the file of the
/// same name ending in .jsonl, and rewrites the JSON file with the run's totals. The window
/// has no SIGTERM handler, so nothing waits for the exit. A sample holds:
/// - busy: wall time inside top-level event delivery; the rest of the second is the event
///   loop waiting or the dispatcher's own bookkeeping. Cross-checked with the thread's CPU
///   time, from /proc/self/task/TID/stat (utime + stime) and CLOCK_THREAD_CPUTIME_ID;
/// - frames: one frame is the handling of QEvent::UpdateRequest by a top-level widget or a
///   window, which paints every dirty widget of that window and flushes the backing store;
///   the longest frame and the count over 16 ms;
/// - the longest single top-level event of the second, whatever its type;
/// - for the longest frame and event, their CPU time too: the rest is time off the CPU, waiting
///   for the X server or for a core (the run-queue wait from schedstat is in the sample).
/// - the self time, wall and CPU (nested deliveries excluded), by receiver class, the class of
///   its parent and event type;
/// - VmRSS and VmHWM of the process.
/// The profiler's own sampling and writing is left out of the busy time and reported apart.
class UiProfiler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UiProfiler)

public:
    /// Starts profiling \a app's thread when SHOAL_UI_PROFILE is set; does nothing otherwise.
    /// Call it right after the QApplication is created, before any other thread starts.
    static void installIfRequested(QApplication &app);

    ~UiProfiler() override;

private:
    /// Receiver class, its parent's class (which QTimer, which viewport), event type. The class
    /// names are the meta-objects' static strings, compared by address.
    struct Key
    {
        const char *className;
        const char *parentClassName;
        int eventType;
        bool operator==(const Key &other) const
        {
            return className == other.className && parentClassName == other.parentClassName &&
                   eventType == other.eventType;
        }
    };
    friend size_t qHash(const Key &key, size_t seed) noexcept
    {
        return qHashMulti(seed, key.className, key.parentClassName, key.eventType);
    }
    struct Totals
    {
        qint64 selfNs = 0;
        qint64 selfCpuNs = 0;
        qint64 maxNs = 0;
        int count = 0;
    };
    struct Open
    {
        qint64 startNs;
        qint64 childNs;
        qint64 cpuStartNs;
        qint64 childCpuNs;
        Key key;
        bool frame;
    };

    UiProfiler(const QString &path, QObject *parent);

    static bool notifyCallback(void **data);
    bool deliver(QObject *receiver, QEvent *event);
    void takeSample();
    void writeTotals() const;

    QString m_path;
    QFile m_samples;
    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_mainTid;
    std::vector<Open> m_stack;

    // The second being recorded.
    qint64 m_secondStartNs = 0;
    qint64 m_busyNs = 0;
    qint64 m_openCountedNs = 0;
    qint64 m_excludedNs = 0;
    qint64 m_excludedCpuNs = 0;
    qint64 m_profilerNs = 0;
    qint64 m_longestEventNs = 0;
    Key m_longestEvent{nullptr, nullptr, 0};
    qint64 m_longestEventCpuNs = 0;
    qint64 m_longestFrameNs = 0;
    qint64 m_longestFrameCpuNs = 0;
    int m_frames = 0;
    int m_framesOver16Ms = 0;
    int m_events = 0;
    QHash<Key, Totals> m_secondTotals;
    qint64 m_lastThreadTicks = 0;
    qint64 m_lastProcessTicks = 0;
    qint64 m_lastThreadCpuNs = 0;
    qint64 m_lastRunQueueWaitNs = 0;
    qint64 m_lastInvoluntarySwitches = 0;

    // The whole run.
    QHash<Key, Totals> m_runTotals;
    int m_sampleCount = 0;
};

} // namespace Shoal::App
