#include "refreshthrottle.h"

namespace Shoal::Ui {

RefreshThrottle::RefreshThrottle(int intervalMs, std::function<void()> refresh, QObject *parent)
    : QObject(parent)
    , m_refresh(std::move(refresh))
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &RefreshThrottle::onIntervalEnded);
}

void RefreshThrottle::request()
{
    if (m_timer.isActive()) {
        m_pending = true;
        return;
    }
    m_refresh();
    m_timer.start();
}

void RefreshThrottle::onIntervalEnded()
{
    if (!m_pending) {
        return;
    }
    m_pending = false;
    m_refresh();
    m_timer.start();
}

} // namespace Shoal::Ui
