#include "uiprofiler.h"

#include <QApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QThread>
#include <QWidget>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>

using namespace Qt::StringLiterals;

namespace Shoal::App {

Q_LOGGING_CATEGORY(lcUiProfiler, "shoal.app.uiprofiler", QtWarningMsg)

namespace {

constexpr qint64 FrameBudgetNs = 16'000'000;
constexpr int SampleIntervalMs = 1000;
constexpr int TopEntriesPerSample = 12;
constexpr int TopEntriesPerRun = 30;

// Written once on the GUI thread before any other thread starts; read by every thread that
// delivers an event, so that only the GUI thread ever touches the profiler itself.
std::atomic<Qt::HANDLE> s_guiThread{nullptr};
std::atomic<UiProfiler *> s_profiler{nullptr};

double toMs(qint64 ns)
{
    return double(ns) / 1e6;
}

double rounded(double value)
{
    return std::round(value * 100.0) / 100.0;
}

QString eventName(int type)
{
    const char *name = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
    return name ? QString::fromLatin1(name) : QString::number(type);
}

/// utime + stime, in clock ticks, of a /proc/.../stat file.
qint64 statTicks(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QByteArray line = file.readAll();
    // The command name in field 2 may hold spaces and parentheses; fields restart after the
    // last ')', with the state (field 3) first, so utime (14) and stime (15) are at 11 and 12.
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13) {
        return 0;
    }
    return fields.at(11).toLongLong() + fields.at(12).toLongLong();
}

std::pair<qint64, qint64> residentKb()
{
    QFile file(u"/proc/self/status"_s);
    if (!file.open(QIODevice::ReadOnly)) {
        return {0, 0};
    }
    qint64 rss = 0;
    qint64 hwm = 0;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith("VmRSS:")) {
            rss = line.mid(6).trimmed().split(' ').value(0).toLongLong();
        } else if (line.startsWith("VmHWM:")) {
            hwm = line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return {rss, hwm};
}

/// Time spent waiting on a run queue, from /proc/.../schedstat (run, wait, timeslices).
qint64 runQueueWaitNs(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    return file.readAll().split(' ').value(1).toLongLong();
}

qint64 involuntarySwitches(const QString &statusPath)
{
    QFile file(statusPath);
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith("nonvoluntary_ctxt_switches:")) {
            return line.mid(27).trimmed().toLongLong();
        }
    }
    return 0;
}

qint64 threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

/// "Receiver(Parent)/Event", the parent left out when there is none.
template <typename Key>
QString keyName(const Key &key)
{
    QString name = QString::fromLatin1(key.className);
    if (key.parentClassName) {
        name += u'(' + QString::fromLatin1(key.parentClassName) + u')';
    }
    return name + u'/' + eventName(key.eventType);
}

template <typename Hash>
QJsonArray topEntries(const Hash &totals, int limit)
{
    using Entry = std::pair<typename Hash::key_type, typename Hash::mapped_type>;
    std::vector<Entry> entries;
    entries.reserve(totals.size());
    for (auto it = totals.cbegin(); it != totals.cend(); ++it) {
        entries.emplace_back(it.key(), it.value());
    }
    const auto middle = entries.begin() + std::min<qsizetype>(limit, qsizetype(entries.size()));
    std::partial_sort(entries.begin(), middle, entries.end(), [](const Entry &a, const Entry &b) {
        return a.second.selfNs > b.second.selfNs;
    });
    QJsonArray array;
    for (auto it = entries.begin(); it != middle; ++it) {
        array.append(QJsonObject{
            {u"receiver"_s, QString::fromLatin1(it->first.className)},
            {u"parent"_s, QString::fromLatin1(it->first.parentClassName)},
            {u"event"_s, eventName(it->first.eventType)},
            {u"selfMs"_s, rounded(toMs(it->second.selfNs))},
            {u"selfCpuMs"_s, rounded(toMs(it->second.selfCpuNs))},
            {u"count"_s, it->second.count},
            {u"maxMs"_s, rounded(toMs(it->second.maxNs))},
        });
    }
    return array;
}

} // namespace

void UiProfiler::installIfRequested(QApplication &app)
{
    const QString path = qEnvironmentVariable("SHOAL_UI_PROFILE");
    if (path.isEmpty() || s_profiler.load()) {
        return;
    }
    auto *profiler = new UiProfiler(path, &app);
    s_guiThread.store(QThread::currentThreadId());
    s_profiler.store(profiler);
    // The notify callback is Qt's one hook that runs around the whole delivery of an event
    // (application filters, object filters and the handler) without subclassing QApplication;
    // an event filter only sees the start. It stays registered for the life of the process,
    // because unregistering would race with worker threads that read the callback list.
    static const bool registered =
        QInternal::registerCallback(QInternal::EventNotifyCallback, &UiProfiler::notifyCallback);
    if (!registered) {
        qCWarning(lcUiProfiler) << "cannot hook event delivery; only RSS and CPU are recorded";
    }
}

UiProfiler::UiProfiler(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_samples(path.endsWith(u".json"_s) ? path + u'l' : path + u".jsonl"_s)
    , m_timer(this)
    , m_mainTid(int(::syscall(SYS_gettid)))
{
    if (!m_samples.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        qCWarning(lcUiProfiler) << "cannot write" << m_samples.fileName()
                                << m_samples.errorString();
    }
    m_clock.start();
    m_lastThreadTicks = statTicks(u"/proc/self/task/%1/stat"_s.arg(m_mainTid));
    m_lastProcessTicks = statTicks(u"/proc/self/stat"_s);
    m_lastThreadCpuNs = threadCpuNs();
    m_lastRunQueueWaitNs = runQueueWaitNs(u"/proc/self/task/%1/schedstat"_s.arg(m_mainTid));
    m_lastInvoluntarySwitches = involuntarySwitches(u"/proc/self/task/%1/status"_s.arg(m_mainTid));
    m_stack.reserve(64);
    m_timer.setInterval(SampleIntervalMs);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &UiProfiler::takeSample);
    connect(qApp, &QCoreApplication::aboutToQuit, this, [this] {
        m_timer.stop();
        takeSample();
    });
    m_timer.start();
}

UiProfiler::~UiProfiler()
{
    s_profiler.store(nullptr);
}

bool UiProfiler::notifyCallback(void **data)
{
    if (QThread::currentThreadId() != s_guiThread.load(std::memory_order_relaxed)) {
        return false;
    }
    UiProfiler *profiler = s_profiler.load(std::memory_order_relaxed);
    if (!profiler) {
        return false;
    }
    auto *receiver = static_cast<QObject *>(data[0]);
    auto *event = static_cast<QEvent *>(data[1]);
    *static_cast<bool *>(data[2]) = profiler->deliver(receiver, event);
    return true;
}

bool UiProfiler::deliver(QObject *receiver, QEvent *event)
{
    // The receiver may delete itself while handling the event, so everything needed from it
    // is read before delivery.
    const QObject *parent = receiver->parent();
    const Key key{receiver->metaObject()->className(),
                  parent ? parent->metaObject()->className() : nullptr, int(event->type())};
    const bool frame = event->type() == QEvent::UpdateRequest &&
                       (receiver->isWindowType() ||
                        (receiver->isWidgetType() && static_cast<QWidget *>(receiver)->isWindow()));
    m_stack.push_back({m_clock.nsecsElapsed(), 0, threadCpuNs(), 0, key, frame});

    const bool result = QCoreApplication::instance()->notify(receiver, event);

    const Open open = m_stack.back();
    m_stack.pop_back();
    const qint64 elapsed = m_clock.nsecsElapsed() - open.startNs;
    const qint64 cpu = threadCpuNs() - open.cpuStartNs;
    // Only the outermost event can hold the profiler's own sampling.
    const qint64 inclusive = m_stack.empty() ? elapsed - m_excludedNs : elapsed;
    const qint64 inclusiveCpu = m_stack.empty() ? cpu - m_excludedCpuNs : cpu;
    Totals &totals = m_secondTotals[open.key];
    totals.selfNs += inclusive - open.childNs;
    totals.selfCpuNs += inclusiveCpu - open.childCpuNs;
    totals.maxNs = std::max(totals.maxNs, inclusive);
    ++totals.count;
    if (!m_stack.empty()) {
        m_stack.back().childNs += inclusive;
        m_stack.back().childCpuNs += cpu;
    } else {
        m_busyNs += elapsed - m_openCountedNs;
        m_openCountedNs = 0;
        m_excludedNs = 0;
        m_excludedCpuNs = 0;
        ++m_events;
        if (inclusive > m_longestEventNs) {
            m_longestEventNs = inclusive;
            m_longestEventCpuNs = inclusiveCpu;
            m_longestEvent = open.key;
        }
    }
    if (open.frame) {
        ++m_frames;
        if (inclusive > m_longestFrameNs) {
            m_longestFrameNs = inclusive;
            m_longestFrameCpuNs = inclusiveCpu;
        }
        if (inclusive > FrameBudgetNs) {
            ++m_framesOver16Ms;
        }
    }
    return result;
}

void UiProfiler::takeSample()
{
    const qint64 now = m_clock.nsecsElapsed();
    // After a stall the timer fires again at once; a sliver of a second would turn a few
    // milliseconds into a large percentage, so it joins the next sample.
    if (m_timer.isActive() && now - m_secondStartNs < SampleIntervalMs * 500'000LL) {
        return;
    }
    // The sampling timer's own event is still being delivered; the part of the outermost open
    // event that falls into this second counts here, the rest when it ends.
    if (!m_stack.empty()) {
        const qint64 partial = now - m_stack.front().startNs - m_openCountedNs;
        m_busyNs += partial;
        m_openCountedNs += partial;
    }
    const qint64 intervalNs = std::max<qint64>(now - m_secondStartNs, 1);
    const qint64 threadTicks = statTicks(u"/proc/self/task/%1/stat"_s.arg(m_mainTid));
    const qint64 processTicks = statTicks(u"/proc/self/stat"_s);
    const qint64 cpuNs = threadCpuNs();
    const qint64 waitNs = runQueueWaitNs(u"/proc/self/task/%1/schedstat"_s.arg(m_mainTid));
    const qint64 switches = involuntarySwitches(u"/proc/self/task/%1/status"_s.arg(m_mainTid));
    const double tickNs = 1e9 / double(::sysconf(_SC_CLK_TCK));
    const auto [rss, hwm] = residentKb();
    const auto percentOfInterval = [intervalNs](double ns) {
        return rounded(100.0 * ns / double(intervalNs));
    };

    QJsonObject sample{
        {u"t"_s, rounded(double(now) / 1e9)},
        {u"epochMs"_s, QDateTime::currentMSecsSinceEpoch()},
        {u"intervalMs"_s, rounded(toMs(intervalNs))},
        {u"busyMs"_s, rounded(toMs(m_busyNs))},
        {u"busyPct"_s, percentOfInterval(double(m_busyNs))},
        {u"profilerMs"_s, rounded(toMs(m_profilerNs))},
        {u"threadCpuPct"_s, percentOfInterval(double(cpuNs - m_lastThreadCpuNs))},
        {u"threadCpuPctProc"_s,
         percentOfInterval(double(threadTicks - m_lastThreadTicks) * tickNs)},
        {u"processCpuPct"_s, percentOfInterval(double(processTicks - m_lastProcessTicks) * tickNs)},
        {u"runQueueWaitMs"_s, rounded(toMs(waitNs - m_lastRunQueueWaitNs))},
        {u"involuntarySwitches"_s, switches - m_lastInvoluntarySwitches},
        {u"events"_s, m_events},
        {u"longestEventMs"_s, rounded(toMs(m_longestEventNs))},
        {u"longestEventCpuMs"_s, rounded(toMs(m_longestEventCpuNs))},
        {u"longestEvent"_s, m_longestEvent.className ? keyName(m_longestEvent) : QString()},

        {u"frames"_s, m_frames},
        {u"framesOver16Ms"_s, m_framesOver16Ms},
        {u"longestFrameMs"_s, rounded(toMs(m_longestFrameNs))},
        {u"longestFrameCpuMs"_s, rounded(toMs(m_longestFrameCpuNs))},
        {u"rssKb"_s, rss},
        {u"hwmKb"_s, hwm},
        {u"top"_s, topEntries(m_secondTotals, TopEntriesPerSample)},
    };
    m_samples.write(QJsonDocument(sample).toJson(QJsonDocument::Compact) + '\n');
    m_samples.flush();
    ++m_sampleCount;

    for (auto it = m_secondTotals.cbegin(); it != m_secondTotals.cend(); ++it) {
        Totals &run = m_runTotals[it.key()];
        run.selfNs += it.value().selfNs;
        run.selfCpuNs += it.value().selfCpuNs;
        run.maxNs = std::max(run.maxNs, it.value().maxNs);
        run.count += it.value().count;
    }
    m_secondTotals.clear();
    m_secondStartNs = now;
    m_busyNs = 0;
    m_events = 0;
    m_longestEventNs = 0;
    m_longestEventCpuNs = 0;
    m_longestEvent = Key{nullptr, nullptr, 0};
    m_longestFrameNs = 0;
    m_longestFrameCpuNs = 0;
    m_frames = 0;
    m_framesOver16Ms = 0;
    m_lastThreadTicks = threadTicks;
    m_lastProcessTicks = processTicks;
    m_lastThreadCpuNs = cpuNs;
    m_lastRunQueueWaitNs = waitNs;
    m_lastInvoluntarySwitches = switches;
    writeTotals();

    // Keeps the sampling out of the next second's busy time: the timer event that runs it is
    // the outermost open event, and its time from here on is marked as counted already.
    m_profilerNs = m_clock.nsecsElapsed() - now;
    if (!m_stack.empty()) {
        m_openCountedNs += m_profilerNs;
        m_excludedNs += m_profilerNs;
        m_excludedCpuNs += threadCpuNs() - cpuNs;
    }
}

void UiProfiler::writeTotals() const
{
    const QJsonObject root{
        {u"unit"_s, u"frame = UpdateRequest handled by a top-level widget or window; "
                    "event = one top-level event delivery on the GUI thread"_s},
        {u"frameBudgetMs"_s, toMs(FrameBudgetNs)},
        {u"pid"_s, qint64(QCoreApplication::applicationPid())},
        {u"guiTid"_s, m_mainTid},
        {u"samples"_s, m_sampleCount},
        {u"samplesFile"_s, m_samples.fileName()},
        {u"topSelfTime"_s, topEntries(m_runTotals, TopEntriesPerRun)},
    };
    // Replaced by rename, without the fsync of QSaveFile: a flush to disk on the GUI thread
    // each second would cost more than everything it measures.
    const QString part = m_path + u".part"_s;
    QFile file(part);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(QJsonDocument(root).toJson(QJsonDocument::Compact)) < 0) {
        qCWarning(lcUiProfiler) << "cannot write" << part << file.errorString();
        return;
    }
    file.close();
    if (std::rename(QFile::encodeName(part).constData(), QFile::encodeName(m_path).constData())) {
        qCWarning(lcUiProfiler) << "cannot rename" << part << "to" << m_path;
    }
}

} // namespace Shoal::App
