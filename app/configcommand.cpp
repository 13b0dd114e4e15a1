#include "commands.h"
#include "stackoptions.h"

#include <core/compose/composeloader.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace Shoal::App {

int runConfigCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Print the compose project as Shoal resolves it (files merged, variables "
        "interpolated, extends applied), like `docker compose config`."_s);
    parser.addHelpOption();
    StackOptions::addTo(parser);
    parser.addOption({u"format"_s, u"Output format: json or yaml."_s, u"FORMAT"_s, u"json"_s});
    parser.process(arguments);

    const QString format = parser.value(u"format"_s);
    if (format != u"json" && format != u"yaml") {
        printError(u"--format must be json or yaml, not \"%1\""_s.arg(format));
        return 2;
    }
    const std::optional<Core::ComposeProject> project = StackOptions::loadProject(parser);
    if (!project) {
        return 1;
    }
    const QByteArray text = format == u"yaml"
                                ? Core::composeProjectToYaml(*project)
                                : QJsonDocument(Core::composeProjectToJson(*project)).toJson();
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    if (!text.endsWith('\n')) {
        std::fputc('\n', stdout);
    }
    return 0;
}

} // namespace Shoal::App
