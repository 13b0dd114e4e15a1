#pragma once

#include <core/compose/composeloader.h>
#include <core/engine/engineendpoint.h>

#include <QCommandLineParser>
#include <QString>

namespace Shoal::App {

/// The options every command that opens a stack shares: -f, -p, --env-file, --profile,
/// --engine.
class StackOptions
{
public:
    static void addTo(QCommandLineParser &parser);

    /// Loads the compose files the parser names. On failure prints the loader's message
    /// (file, line, field) on stderr and returns std::nullopt.
    static std::optional<Core::ComposeProject> loadProject(const QCommandLineParser &parser,
                                                           const QStringList &extraFiles = {},
                                                           QString *error = nullptr);
    /// The engine endpoint from --engine, DOCKER_HOST, the docker context or the default.
    /// On failure prints why and returns std::nullopt.
    static std::optional<Core::EngineEndpoint> endpoint(const QCommandLineParser &parser);
};

/// Prints "shoal: MESSAGE" on stderr.
void printError(const QString &message);

} // namespace Shoal::App
