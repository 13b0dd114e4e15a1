#pragma once

#include "interpolator.h"

#include <core/compose/composeproject.h>

#include <QSet>
#include <QString>

#include <optional>

namespace Shoal::Core {

class ComposeDiagnostics;
struct ComposeNode;

/// Turns one merged, interpolated service definition into a ServiceSpec, checking each
/// field's type and value. Problems go to the diagnostics with the key path and line;
/// keys compose knows but Shoal does not model are accepted silently, unknown ones warned.
class ServiceParser
{
public:
    struct Context
    {
        Interpolator::Lookup lookup; ///< shell and .env values, for `KEY` without a value
        QSet<QString> networks;      ///< declared at top level, plus "default"
        QSet<QString> volumes;       ///< declared at top level
    };

    ServiceParser(Context context, ComposeDiagnostics &diagnostics);

    std::optional<ServiceSpec> parse(const QString &name, const ComposeNode &node);

private:
    bool parseField(ServiceSpec &spec, const ComposeNode &field, const QString &path);
    bool parseBuild(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseEnvironment(ServiceSpec &spec, const ComposeNode *environment,
                          const ComposeNode *envFile, const QString &path);
    bool parsePorts(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseHealthcheck(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseDependsOn(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseNetworks(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseVolumes(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseReplicas(ServiceSpec &spec, const ComposeNode &service, const QString &path);
    bool parseCpuLimit(ServiceSpec &spec, const ComposeNode &deploy, const QString &path);
    bool parseShoalOptions(ServiceSpec &spec, const ComposeNode &node, const QString &path);
    bool parseShoalWeights(ServiceSpec &spec, const ComposeNode &node, const QString &path);

    Context m_context;
    ComposeDiagnostics &m_diagnostics;
};

} // namespace Shoal::Core
