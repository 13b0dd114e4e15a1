#include "commands.h"
#include "controlserver.h"
#include "stackoptions.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QRegularExpression>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace Shoal::App {

namespace {

constexpr int ConnectTimeoutMs = 2000;
constexpr int ScaleTimeoutMs = 10 * 60 * 1000;
constexpr int QueryTimeoutMs = 10000;

// Finds the instance to talk to: the named project, or the only one that answers.
QString findInstance(const QString &project, QString *error)
{
    const QDir directory(controlSocketDirectory());
    if (!project.isEmpty()) {
        const QString path = directory.filePath(project + u".sock"_s);
        if (!QFile::exists(path)) {
            *error = u"no running Shoal has project %1 (looked for %2)"_s.arg(project, path);
            return {};
        }
        // An instance that was killed leaves its socket behind; nobody answers there.
        QLocalSocket probe;
        probe.connectToServer(path);
        if (!probe.waitForConnected(ConnectTimeoutMs)) {
            *error = u"no running Shoal has project %1 (%2 is left from one that ended)"_s.arg(
                project, path);
            return {};
        }
        return path;
    }
    QStringList live;
    for (const QString &name : directory.entryList({u"*.sock"_s}, QDir::System)) {
        QLocalSocket probe;
        probe.connectToServer(directory.filePath(name));
        if (probe.waitForConnected(ConnectTimeoutMs)) {
            live.append(directory.filePath(name));
        }
    }
    if (live.isEmpty()) {
        *error = u"no Shoal instance is running; start one with `shoal run -f FILE` or open "
                 "the window with `shoal FILE`"_s;
        return {};
    }
    if (live.size() > 1) {
        QStringList names;
        for (const QString &path : live) {
            names.append(QFileInfo(path).completeBaseName());
        }
        *error = u"several Shoal instances are running (%1); choose one with -p NAME"_s.arg(
            names.join(u", "_s));
        return {};
    }
    return live.first();
}

std::optional<QJsonObject> ask(const QString &path, const QJsonObject &request, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(ConnectTimeoutMs)) {
        printError(u"cannot reach the instance at %1: %2"_s.arg(path, socket.errorString()));
        return std::nullopt;
    }
    socket.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
    socket.flush();
    QElapsedTimer timer;
    timer.start();
    while (!socket.canReadLine()) {
        const int left = timeoutMs - int(timer.elapsed());
        if (left <= 0 || !socket.waitForReadyRead(left)) {
            printError(u"the instance did not answer: %1"_s.arg(socket.errorString()));
            return std::nullopt;
        }
    }
    return QJsonDocument::fromJson(socket.readLine()).object();
}

QString megabytes(double bytes)
{
    return u"%1 MiB"_s.arg(bytes / (1024.0 * 1024.0), 0, 'f', 1);
}

void printTable(const QJsonObject &status, bool withStats)
{
    std::printf("project %s\n", qPrintable(status.value(u"project").toString()));
    for (const QJsonValue &value : status.value(u"services").toArray()) {
        const QJsonObject service = value.toObject();
        QStringList proxies;
        for (const QJsonValue &proxy : service.value(u"proxies").toArray()) {
            proxies.append(proxy.toString());
        }
        std::printf("service %s: %d/%d running%s%s\n",
                    qPrintable(service.value(u"name").toString()),
                    service.value(u"running").toInt(), service.value(u"desired").toInt(),
                    proxies.isEmpty() ? "" : ", proxy ", qPrintable(proxies.join(u", "_s)));
        if (withStats) {
            std::printf("  %-28s %8s %12s %10s %8s %8s\n", "NAME", "CPU %", "MEMORY", "REQUESTS",
                        "REQ/S", "P99 MS");
        } else {
            std::printf("  %-28s %-10s %-10s %-8s %s\n", "NAME", "STATE", "HEALTH", "ROTATION",
                        "PORTS");
        }
        for (const QJsonValue &entry : service.value(u"containers").toArray()) {
            const QJsonObject c = entry.toObject();
            const QByteArray name = c.value(u"name").toString().toUtf8();
            if (withStats) {
                std::printf("  %-28s %8.2f %12s %10.0f %8.1f %8.2f\n", name.constData(),
                            c.value(u"cpuPercent").toDouble(),
                            qPrintable(megabytes(c.value(u"memoryBytes").toDouble())),
                            c.value(u"requests").toDouble(),
                            c.value(u"requestsPerSecond").toDouble(), c.value(u"p99Ms").toDouble());
                continue;
            }
            QStringList ports;
            for (const QJsonValue &port : c.value(u"ports").toArray()) {
                ports.append(port.toString());
            }
            std::printf("  %-28s %-10s %-10s %-8s %s\n", name.constData(),
                        qPrintable(c.value(u"state").toString()),
                        qPrintable(c.value(u"health").toString(u"-"_s)),
                        c.value(u"inRotation").toBool() ? "yes" : "no",
                        qPrintable(ports.join(u", "_s)));
        }
    }
}

// Removes a stack that no Shoal runs any more: its containers, networks (and volumes) are
// found on the engine by the project label, as `docker compose down` finds them.
int downWithoutInstance(const QCommandLineParser &parser, const Core::ComposeProject &project)
{
    const auto endpoint = StackOptions::endpoint(parser);
    if (!endpoint) {
        return 1;
    }
    Core::DockerClient client(*endpoint);
    Core::StackController stack(&client, project);
    int exitCode = 1;
    QEventLoop loop;
    QObject::connect(&stack, &Core::StackController::progress, &loop, [](const QString &message) {
        std::fprintf(stderr, "shoal: %s\n", qPrintable(message));
    });
    QObject::connect(&stack, &Core::StackController::downFinished, &loop,
                     [&](bool ok, const QString &error) {
                         if (ok) {
                             std::printf("stack %s removed\n", qPrintable(project.name));
                             exitCode = 0;
                         } else {
                             printError(u"removing %1: %2"_s.arg(project.name, error));
                         }
                         loop.quit();
                     });
    stack.down(parser.isSet(u"volumes"_s));
    loop.exec();
    return exitCode;
}

} // namespace

int runControlCommand(const QString &verb, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addHelpOption();
    if (verb == u"down") {
        // down also works with no instance running: it then finds the stack on the engine
        // by the project of -f FILE or -p NAME.
        StackOptions::addTo(parser);
        parser.addOption({u"volumes"_s, u"Also remove the project's named volumes."_s});
    } else {
        parser.addOption({{u"p"_s, u"project-name"_s}, u"The instance's project."_s, u"NAME"_s});
    }
    if (verb == u"ps" || verb == u"stats") {
        parser.addOption({u"json"_s, u"Print JSON."_s});
    }
    if (verb == u"scale") {
        parser.addPositionalArgument(u"SERVICE=N"_s, u"N replicas, or +N / -N more or fewer."_s);
    }
    const bool serviceVerb = verb == u"start" || verb == u"stop" || verb == u"restart";
    if (serviceVerb) {
        parser.addPositionalArgument(u"SERVICE"_s, u"The service, or several."_s);
    }
    parser.process(arguments);

    std::optional<Core::ComposeProject> project;
    QString projectName = parser.value(u"project-name"_s);
    if (verb == u"down" && parser.isSet(u"file"_s)) {
        project = StackOptions::loadProject(parser);
        if (!project) {
            return 1;
        }
        projectName = project->name;
    }

    QString error;
    const QString path = findInstance(projectName, &error);
    if (path.isEmpty() && verb == u"down" && !projectName.isEmpty()) {
        if (!project) {
            project = Core::ComposeProject{};
            project->name = projectName;
        }
        return downWithoutInstance(parser, *project);
    }
    if (path.isEmpty()) {
        printError(error);
        return 1;
    }

    if (verb == u"ps" || verb == u"stats") {
        const auto status = ask(path, {{u"command"_s, verb}}, QueryTimeoutMs);
        if (!status) {
            return 1;
        }
        if (parser.isSet(u"json"_s)) {
            QJsonObject clean = *status;
            clean.remove(u"ok"_s);
            std::printf("%s", QJsonDocument(clean).toJson().constData());
        } else {
            printTable(*status, verb == u"stats");
        }
        return 0;
    }

    if (verb == u"scale") {
        static const QRegularExpression pattern(uR"(^([A-Za-z0-9_.-]+)=([+-]?)(\d+)$)"_s);
        int failures = 0;
        const QStringList targets = parser.positionalArguments();
        if (targets.isEmpty()) {
            printError(u"scale needs SERVICE=N, for example `shoal scale web=4`"_s);
            return 2;
        }
        for (const QString &target : targets) {
            const QRegularExpressionMatch match = pattern.match(target);
            if (!match.hasMatch()) {
                printError(u"\"%1\" is not SERVICE=N, SERVICE=+N or SERVICE=-N"_s.arg(target));
                return 2;
            }
            const QString sign = match.captured(2);
            bool ok = false;
            const int magnitude = match.captured(3).toInt(&ok);
            if (!ok || magnitude > Core::StackController::MaxReplicas) {
                printError(u"\"%1\": Shoal runs at most %2 replicas of a service"_s.arg(target).arg(
                    Core::StackController::MaxReplicas));
                return 2;
            }
            const int count = magnitude * (sign == u"-" ? -1 : 1);
            const auto answer = ask(path,
                                    {{u"command"_s, u"scale"_s},
                                     {u"service"_s, match.captured(1)},
                                     {u"replicas"_s, count},
                                     {u"relative"_s, !sign.isEmpty()}},
                                    ScaleTimeoutMs);
            if (!answer || !answer->value(u"ok").toBool()) {
                printError(answer ? answer->value(u"error").toString() : u"scale failed"_s);
                ++failures;
                continue;
            }
            std::printf("%s scaled to %d\n", qPrintable(match.captured(1)),
                        answer->value(u"replicas").toInt());
        }
        return failures == 0 ? 0 : 1;
    }

    if (serviceVerb) {
        const QStringList services = parser.positionalArguments();
        if (services.isEmpty()) {
            printError(u"%1 needs a SERVICE, for example `shoal %1 web`"_s.arg(verb));
            return 2;
        }
        static const QHash<QString, QString> done{
            {u"start"_s, u"started"_s}, {u"stop"_s, u"stopped"_s}, {u"restart"_s, u"restarted"_s}};
        int failures = 0;
        // One after the other, as asked: a restart of two services never has both short.
        for (const QString &service : services) {
            const auto answer =
                ask(path, {{u"command"_s, verb}, {u"service"_s, service}}, ScaleTimeoutMs);
            if (!answer || !answer->value(u"ok").toBool()) {
                printError(answer ? answer->value(u"error").toString() : u"%1 failed"_s.arg(verb));
                ++failures;
                continue;
            }
            std::printf("%s %s\n", qPrintable(service), qPrintable(done.value(verb)));
        }
        return failures == 0 ? 0 : 1;
    }

    if (verb == u"down") {
        const auto answer =
            ask(path, {{u"command"_s, u"down"_s}, {u"volumes"_s, parser.isSet(u"volumes"_s)}},
                ScaleTimeoutMs);
        if (!answer || !answer->value(u"ok").toBool()) {
            printError(answer ? answer->value(u"error").toString() : u"down failed"_s);
            return 1;
        }
        std::printf("stack removed\n");
        return 0;
    }
    printError(u"unknown command %1"_s.arg(verb));
    return 2;
}

} // namespace Shoal::App
