#pragma once

#include <core/compose/composeproject.h>

#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Shoal::Core {

struct ComposeLoadOptions
{
    QStringList files;            ///< -f files; empty: compose.yaml etc. in workingDir
    QString workingDir;           ///< used when files is empty
    QString projectName;          ///< -p; overrides name: and COMPOSE_PROJECT_NAME
    QStringList envFiles;         ///< --env-file; empty: .env beside the first file
    QMap<QString, QString> environment; ///< the process environment to interpolate from
    QStringList profiles;
};

/// The outcome of loading: a project, or an error that names file, line and field.
struct ComposeLoadResult
{
    std::optional<ComposeProject> project;
    QString error;        ///< "compose.yaml:14: services.web.ports[1]: invalid port range"
    QStringList warnings; ///< unknown keys and the like, each with file and line

    bool ok() const { return project.has_value(); }
};

/// Reads compose files into a ComposeProject as docker compose does.
class ComposeLoader
{
public:
    static ComposeLoadResult load(const ComposeLoadOptions &options);
    /// Convenience: one file, the process environment.
    static ComposeLoadResult loadFile(const QString &path);
};

/// The resolved model as JSON, shaped like `docker compose config` output.
QJsonObject composeProjectToJson(const ComposeProject &project);

} // namespace Shoal::Core
