#include "stackoptions.h"

#include <QDir>
#include <QProcessEnvironment>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace Shoal::App {

void printError(const QString &message)
{
    std::fprintf(stderr, "shoal: %s\n", qPrintable(message));
}

void StackOptions::addTo(QCommandLineParser &parser)
{
    parser.addOption({{u"f"_s, u"file"_s}, u"Compose file (repeatable)."_s, u"FILE"_s});
    parser.addOption({{u"p"_s, u"project-name"_s}, u"Project name."_s, u"NAME"_s});
    parser.addOption({u"env-file"_s, u"Variables for interpolation (repeatable)."_s, u"FILE"_s});
    parser.addOption({u"profile"_s, u"Enable a compose profile (repeatable)."_s, u"NAME"_s});
    parser.addOption({u"engine"_s,
                      u"Docker engine address (unix:///path or tcp://host:port); default: "
                      "DOCKER_HOST, the docker context, /var/run/docker.sock."_s,
                      u"ADDRESS"_s});
}

std::optional<Core::ComposeProject> StackOptions::loadProject(const QCommandLineParser &parser,
                                                              const QStringList &extraFiles,
                                                              QString *error)
{
    Core::ComposeLoadOptions options;
    options.files = parser.values(u"file"_s) + extraFiles;
    options.workingDir = QDir::currentPath();
    options.projectName = parser.value(u"project-name"_s);
    options.envFiles = parser.values(u"env-file"_s);
    options.profiles = parser.values(u"profile"_s);
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &key : environment.keys()) {
        options.environment.insert(key, environment.value(key));
    }

    const Core::ComposeLoadResult result = Core::ComposeLoader::load(options);
    for (const QString &warning : result.warnings) {
        std::fprintf(stderr, "shoal: warning: %s\n", qPrintable(warning));
    }
    if (!result.ok()) {
        printError(result.error);
        if (error) {
            *error = result.error;
        }
        return std::nullopt;
    }
    return result.project;
}

std::optional<Core::EngineEndpoint> StackOptions::endpoint(const QCommandLineParser &parser)
{
    const Core::EndpointResolution resolution =
        Core::resolveEngineEndpoint(parser.value(u"engine"_s));
    if (!resolution.error.isEmpty()) {
        printError(resolution.error);
        return std::nullopt;
    }
    return resolution.endpoint;
}

} // namespace Shoal::App
