// Times ComposeLoader on one compose file: the median of N loads, in milliseconds.
// Usage: composeloadbench FILE [ROUNDS]

#include <core/compose/composeloader.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcessEnvironment>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: composeloadbench FILE [ROUNDS]\n");
        return 2;
    }
    const int rounds = args.size() > 2 ? std::max(1, args.at(2).toInt()) : 9;

    Shoal::Core::ComposeLoadOptions options;
    options.files = QStringList{args.at(1)};
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const QString &key : system.keys()) {
        options.environment.insert(key, system.value(key));
    }

    std::vector<double> samples;
    int services = 0;
    for (int i = 0; i < rounds; ++i) {
        QElapsedTimer timer;
        timer.start();
        const Shoal::Core::ComposeLoadResult result = Shoal::Core::ComposeLoader::load(options);
        samples.push_back(timer.nsecsElapsed() / 1e6);
        if (!result.ok()) {
            std::fprintf(stderr, "load failed: %s\n", qPrintable(result.error));
            return 1;
        }
        services = result.project->services.size();
    }
    std::sort(samples.begin(), samples.end());
    std::printf("%.3f\n", samples[samples.size() / 2]);
    std::fprintf(stderr, "%d services, %d rounds\n", services, rounds);
    return 0;
}
