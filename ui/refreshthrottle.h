#pragma once

#include <QObject>
#include <QTimer>

#include <functional>

namespace Shoal::Ui {

/// Runs a refresh at most once per interval: the first request runs at once, requests that
/// arrive during the interval collapse into one run at its end.
class RefreshThrottle final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RefreshThrottle)

public:
    RefreshThrottle(int intervalMs, std::function<void()> refresh, QObject *parent = nullptr);

    void request();

private:
    void onIntervalEnded();

    std::function<void()> m_refresh;
    QTimer m_timer;
    bool m_pending = false;
};

} // namespace Shoal::Ui
