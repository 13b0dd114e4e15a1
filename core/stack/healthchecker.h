#pragma once

#include <QHash>
#include <QObject>
#include <QSet>

class QTimer;

namespace Shoal::Core {

/// Active HTTP health checks of replicas, for services that set `x-shoal.health_path`.
///
/// Every interval it asks each target for the path on its published 127.0.0.1 port. A
/// replica that fails FailuresToEject checks in a row is reported unhealthy and leaves the
/// rotation; one good answer brings it back.
class HealthChecker : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthChecker)

public:
    static constexpr int DefaultIntervalMs = 2000;
    static constexpr int CheckTimeoutMs = 1000;
    static constexpr int FailuresToEject = 2;

    struct Target
    {
        QString id;
        quint16 port = 0;
        QString path;
    };

    explicit HealthChecker(QObject *parent = nullptr);

    void setInterval(int milliseconds);
    /// The replicas to check; others are forgotten (and count as healthy again).
    void setTargets(const QList<Target> &targets);
    bool isHealthy(const QString &id) const { return !m_unhealthy.contains(id); }

Q_SIGNALS:
    void healthChanged(const QString &id, bool healthy);

private:
    void checkAll();
    void record(const QString &id, bool passed);

    QTimer *m_timer;
    QHash<QString, Target> m_targets;
    QHash<QString, int> m_failures;
    QSet<QString> m_unhealthy;
    QSet<QString> m_inFlight;
};

} // namespace Shoal::Core
