#include "stackstatus.h"

#include "stackcontroller.h"

#include <core/engine/dockerclient.h>
#include <core/metrics/metricsstore.h>

#include <QDateTime>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace Shoal::Core {

namespace {

QJsonObject containerJson(const ReplicaInfo &replica, const ReplicaMetrics &metrics)
{
    QJsonObject container;
    container.insert(u"name"_s, replica.name);
    container.insert(u"id"_s, replica.id.left(12));
    container.insert(u"number"_s, replica.number);
    container.insert(u"state"_s, replica.state);
    if (!replica.health.isEmpty()) {
        container.insert(u"health"_s, replica.health);
    }
    container.insert(u"inRotation"_s, replica.inRotation);
    container.insert(u"cpuPercent"_s, metrics.cpuPercent);
    if (metrics.cpuLimit > 0) {
        // In cores, so that a script can divide cpuPercent / 100 by it.
        container.insert(u"cpuLimit"_s, metrics.cpuLimit);
    }
    container.insert(u"memoryBytes"_s, double(metrics.memoryBytes));
    container.insert(u"requests"_s, double(metrics.requestsTotal));
    container.insert(u"requestsPerSecond"_s, metrics.requestsPerSecond);
    container.insert(u"p99Ms"_s, metrics.p99Ms);
    QJsonArray ports;
    for (const auto &mapping : replica.publishedPorts) {
        ports.append(u"127.0.0.1:%1->%2"_s.arg(mapping.second).arg(mapping.first));
    }
    container.insert(u"ports"_s, ports);
    return container;
}

} // namespace

QJsonObject stackStatusJson(const StackController &stack)
{
    QJsonObject status;
    status.insert(u"time"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    status.insert(u"project"_s, stack.project().name);
    QJsonObject engine;
    engine.insert(u"address"_s, stack.client()->endpoint().toString());
    engine.insert(u"reachable"_s, stack.client()->isReachable());
    engine.insert(u"apiVersion"_s, stack.client()->apiVersion());
    status.insert(u"engine"_s, engine);

    QJsonArray services;
    for (const ServiceState &state : stack.services()) {
        QJsonObject service;
        service.insert(u"name"_s, state.name);
        service.insert(u"image"_s, state.image);
        service.insert(u"desired"_s, state.desired);
        service.insert(u"running"_s, state.running);
        QJsonArray proxies;
        for (const auto &proxy : state.proxies) {
            proxies.append(u"%1->%2"_s.arg(proxy.first).arg(proxy.second));
        }
        service.insert(u"proxies"_s, proxies);
        QJsonArray containers;
        for (const ReplicaInfo &replica : stack.replicas(state.name)) {
            containers.append(containerJson(replica, stack.metrics()->latest(replica.name)));
        }
        service.insert(u"containers"_s, containers);
        services.append(service);
    }
    status.insert(u"services"_s, services);
    return status;
}

} // namespace Shoal::Core
