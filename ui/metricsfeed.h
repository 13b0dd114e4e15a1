#pragma once

#include <core/metrics/metricsstore.h>

#include <QPointer>

#include <functional>

namespace Shoal::Ui {

class RefreshThrottle;

/// The metrics store a chart draws from. Every update of the store asks for a redraw, and
/// the redraws run at most once per interval however often the store changes.
class MetricsFeed final
{
    Q_DISABLE_COPY_MOVE(MetricsFeed)

public:
    /// `redraw` runs on `owner`'s thread; the throttle behind it is a child of `owner`.
    MetricsFeed(int intervalMs, std::function<void()> redraw, QObject *owner);
    ~MetricsFeed();

    /// The store is not owned; null stops the feed.
    void setStore(Core::MetricsStore *store);
    Core::MetricsStore *store() const { return m_store; }

private:
    RefreshThrottle *m_throttle;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_connection;
};

} // namespace Shoal::Ui
