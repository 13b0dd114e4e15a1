#include "startuporder.h"

#include <QHash>

#include <functional>

using namespace Qt::StringLiterals;

namespace Shoal::Core {

namespace {

StartupOrder::Decision waiting(const QString &reason)
{
    return {StartupOrder::Readiness::Waiting, reason};
}

StartupOrder::Decision failed(const QString &reason)
{
    return {StartupOrder::Readiness::Failed, reason};
}

} // namespace

StartupOrder::Decision StartupOrder::check(const ComposeProject &project,
                                           const ServiceSpec &service, const QSet<QString> &started,
                                           const QList<ReplicaInfo> &replicas)
{
    for (const DependsOn &dependency : service.dependsOn) {
        const ServiceSpec *target = project.service(dependency.service);
        if (!target) {
            // Left out by a profile, or optional: compose starts the service anyway.
            continue;
        }
        if (!started.contains(dependency.service)) {
            return waiting(u"waiting for %1 to start"_s.arg(dependency.service));
        }

        QList<ReplicaInfo> ofTarget;
        for (const ReplicaInfo &replica : replicas) {
            if (replica.service == dependency.service) {
                ofTarget.append(replica);
            }
        }

        if (dependency.condition == u"service_healthy") {
            for (const ReplicaInfo &replica : ofTarget) {
                if (replica.health == u"unhealthy") {
                    return failed(u"dependency %1 of %2 is unhealthy (%3)"_s.arg(
                        dependency.service, service.name, replica.name));
                }
                if (replica.health != u"healthy") {
                    return waiting(u"waiting for %1 to be healthy"_s.arg(replica.name));
                }
            }
        } else if (dependency.condition == u"service_completed_successfully") {
            for (const ReplicaInfo &replica : ofTarget) {
                if (replica.state != u"exited") {
                    return waiting(u"waiting for %1 to complete"_s.arg(replica.name));
                }
                if (replica.exitCode != 0) {
                    return failed(u"dependency %1 of %2 exited with status %3"_s
                                      .arg(replica.name, service.name)
                                      .arg(replica.exitCode));
                }
            }
        }
    }
    return {Readiness::Ready, {}};
}

QString StartupOrder::findCycle(const ComposeProject &project)
{
    enum class Mark
    {
        None,
        Visiting,
        Done
    };
    QHash<QString, Mark> marks;
    QStringList path;
    QString cycle;

    std::function<bool(const QString &)> visit = [&](const QString &name) {
        const Mark mark = marks.value(name, Mark::None);
        if (mark == Mark::Done) {
            return false;
        }
        if (mark == Mark::Visiting) {
            const qsizetype from = path.indexOf(name);
            cycle = (path.mid(from) << name).join(u" -> "_s);
            return true;
        }
        marks.insert(name, Mark::Visiting);
        path.append(name);
        if (const ServiceSpec *service = project.service(name)) {
            for (const DependsOn &dependency : service->dependsOn) {
                if (project.service(dependency.service) && visit(dependency.service)) {
                    return true;
                }
            }
        }
        path.removeLast();
        marks.insert(name, Mark::Done);
        return false;
    };

    for (const ServiceSpec &service : project.services) {
        if (visit(service.name)) {
            return cycle;
        }
    }
    return {};
}

} // namespace Shoal::Core
