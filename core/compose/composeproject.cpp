#include <core/compose/composeproject.h>

namespace Shoal::Core {

bool PortMapping::operator==(const PortMapping &other) const
{
    return hostIp == other.hostIp && published == other.published &&
           publishedEnd == other.publishedEnd && target == other.target &&
           targetEnd == other.targetEnd && protocol == other.protocol;
}

bool BuildSpec::operator==(const BuildSpec &other) const
{
    return context == other.context && dockerfile == other.dockerfile && args == other.args &&
           target == other.target;
}

bool HealthcheckSpec::operator==(const HealthcheckSpec &other) const
{
    return test == other.test && intervalMs == other.intervalMs && timeoutMs == other.timeoutMs &&
           startPeriodMs == other.startPeriodMs && retries == other.retries &&
           disabled == other.disabled;
}

bool DependsOn::operator==(const DependsOn &other) const
{
    return service == other.service && condition == other.condition && required == other.required &&
           restart == other.restart;
}

bool ShoalServiceOptions::operator==(const ShoalServiceOptions &other) const
{
    return balance == other.balance && mode == other.mode && healthPath == other.healthPath &&
           weights == other.weights;
}

QString ServiceSpec::imageName(const QString &projectName) const
{
    if (!image.isEmpty()) {
        return image;
    }
    return projectName + QLatin1Char('-') + name;
}

const ServiceSpec *ComposeProject::service(const QString &name) const
{
    for (const ServiceSpec &spec : services) {
        if (spec.name == name) {
            return &spec;
        }
    }
    return nullptr;
}

} // namespace Shoal::Core
