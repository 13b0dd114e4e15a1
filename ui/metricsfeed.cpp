#include "metricsfeed.h"

#include "refreshthrottle.h"

#include <QObject>

#include <utility>

namespace Shoal::Ui {

MetricsFeed::MetricsFeed(int intervalMs, std::function<void()> redraw, QObject *owner)
    : m_throttle(new RefreshThrottle(intervalMs, std::move(redraw), owner))
{}

MetricsFeed::~MetricsFeed() = default;

void MetricsFeed::setStore(Core::MetricsStore *store)
{
    QObject::disconnect(m_connection);
    m_store = store;
    if (m_store) {
        m_connection = QObject::connect(m_store, &Core::MetricsStore::updated, m_throttle,
                                        &RefreshThrottle::request);
    }
}

} // namespace Shoal::Ui
