#pragma once

#include <QObject>

class QSocketNotifier;

namespace Shoal::App {

/// Turns SIGINT and SIGTERM into a Qt signal, through a self-pipe: the handler only writes
/// one byte, and the event loop does the rest on its own thread.
class SignalWatcher : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    /// Carries the signal number (SIGINT or SIGTERM).
    void terminationRequested(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Shoal::App
