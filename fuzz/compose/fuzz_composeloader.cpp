// libFuzzer entry for the compose loader: any bytes must give a project or an error value,
// never a crash, a hang or unbounded memory. The document is parsed from memory; nothing is
// written to disk.

#include <core/compose/composeloader.h>

#include <QByteArray>
#include <QMap>
#include <QString>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    // A fixed environment keeps runs reproducible and gives interpolation something to find.
    static const QMap<QString, QString> environment = {
        {QStringLiteral("TAG"), QStringLiteral("1.0")},
        {QStringLiteral("EMPTY"), QString()},
        {QStringLiteral("COMPOSE_PROFILES"), QStringLiteral("debug")}};
    const Shoal::Core::ComposeLoadResult result = Shoal::Core::ComposeLoader::loadFromString(
        text, QStringLiteral("/nonexistent/fuzz/compose.yaml"), environment,
        QStringLiteral("fuzz"));
    if (result.ok()) {
        // The writers must cope with whatever the loader accepted.
        Shoal::Core::composeProjectToJson(*result.project);
        Shoal::Core::composeProjectToYaml(*result.project);
    }
    return 0;
}
