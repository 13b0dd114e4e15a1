#pragma once

#include <core/compose/composeproject.h>

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Shoal::Core {

struct ComposeLoadOptions
{
    QStringList files;                  ///< -f files; empty: compose.yaml etc. in workingDir
    QString workingDir;                 ///< used when files is empty
    QString projectName;                ///< -p; overrides name: and COMPOSE_PROJECT_NAME
    QStringList envFiles;               ///< --env-file; empty: .env beside the first file
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
    /// Loads a document held in memory; fileName names it in messages and its folder is the
    /// project folder. Reads no .env file and no override file; `extends: {file: ...}` and
    /// `env_file` are still read from disk. Nothing is written anywhere.
    static ComposeLoadResult loadFromString(const QByteArray &text, const QString &fileName,
                                            const QMap<QString, QString> &environment,
                                            const QString &projectName = QString());

    /// Limits for untrusted input: larger compose files are refused before parsing, and
    /// `extends` chains longer than this are reported instead of followed.
    static constexpr qint64 MaxFileSize = 16 * 1024 * 1024;
    static constexpr int MaxExtendsDepth = 64;

    /// Lowercase, only a-z 0-9 _ -, starting with a letter or digit, as compose names projects.
    static QString normalizeProjectName(const QString &name);
};

/// The resolved model as JSON, shaped like `docker compose config` output.
QJsonObject composeProjectToJson(const ComposeProject &project);

/// The same content as composeProjectToJson, as YAML (`--format yaml`).
QByteArray composeProjectToYaml(const ComposeProject &project);

} // namespace Shoal::Core
