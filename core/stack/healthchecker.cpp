#include "healthchecker.h"

#include "readinessprobe.h"

#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcHealth, "shoal.core.stack.health", QtInfoMsg)

namespace Shoal::Core {

HealthChecker::HealthChecker(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setInterval(DefaultIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &HealthChecker::checkAll);
}

void HealthChecker::setInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

void HealthChecker::setTargets(const QList<Target> &targets)
{
    QHash<QString, Target> next;
    for (const Target &target : targets) {
        next.insert(target.id, target);
    }
    for (auto it = m_targets.cbegin(); it != m_targets.cend(); ++it) {
        if (!next.contains(it.key())) {
            m_failures.remove(it.key());
            m_unhealthy.remove(it.key());
        }
    }
    m_targets = next;
    if (m_targets.isEmpty()) {
        m_timer->stop();
    } else if (!m_timer->isActive()) {
        m_timer->start();
    }
}

void HealthChecker::checkAll()
{
    for (const Target &target : std::as_const(m_targets)) {
        // A check still waiting for its answer is not stacked with another one.
        if (m_inFlight.contains(target.id)) {
            continue;
        }
        m_inFlight.insert(target.id);
        auto *probe = new ReadinessProbe(target.port, target.path,
                                         ReadinessProbe::Expect::SuccessStatus, this);
        const QString id = target.id;
        connect(probe, &ReadinessProbe::finished, this, [this, id](bool passed) {
            m_inFlight.remove(id);
            if (m_targets.contains(id)) {
                record(id, passed);
            }
        });
        probe->start(CheckTimeoutMs);
    }
}

void HealthChecker::record(const QString &id, bool passed)
{
    if (passed) {
        m_failures.remove(id);
        if (m_unhealthy.remove(id)) {
            qCInfo(lcHealth) << id << "passes its health check again";
            Q_EMIT healthChanged(id, true);
        }
        return;
    }
    const int failures = ++m_failures[id];
    if (failures >= FailuresToEject && !m_unhealthy.contains(id)) {
        m_unhealthy.insert(id);
        qCWarning(lcHealth) << id << "failed" << failures
                            << "health checks in a row; out of rotation";
        Q_EMIT healthChanged(id, false);
    }
}

} // namespace Shoal::Core
