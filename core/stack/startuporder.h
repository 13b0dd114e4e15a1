#pragma once

#include <core/compose/composeproject.h>
#include <core/stack/replicainfo.h>

#include <QSet>

namespace Shoal::Core {

/// Decides when a service may start during `up`, from its depends_on conditions, the way
/// docker compose does: service_started waits for the dependency to be started,
/// service_healthy for all its replicas to be healthy, service_completed_successfully for
/// all of them to have exited with status 0.
class StartupOrder
{
public:
    enum class Readiness
    {
        Waiting,
        Ready,
        Failed
    };

    struct Decision
    {
        Readiness readiness = Readiness::Waiting;
        QString reason; ///< what it waits for, or why it cannot start
    };

    /// `started`: services whose replicas have been created and started in this `up`.
    static Decision check(const ComposeProject &project, const ServiceSpec &service,
                          const QSet<QString> &started, const QList<ReplicaInfo> &replicas);

    /// A dependency cycle as "a -> b -> a", or empty when there is none.
    static QString findCycle(const ComposeProject &project);
};

} // namespace Shoal::Core
